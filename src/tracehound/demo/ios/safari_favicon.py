"""Safari's favicon cache ``Favicons.db`` (``Library/Image Cache/Favicons/``).

Facts: the statements of Safari's ``WBSFaviconProviderDatabaseController`` (schema creation and
migrations): ``page_url(url TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL)`` with index
``PageURLIndex``, ``icon_info(uuid TEXT PRIMARY KEY, url TEXT, timestamp INTEGER)``,
``database_info(key, value)``; version 2 adds ``icon_info.width/height``, 3
``has_generated_representations``, 4 ``rejected_resources(page_url, icon_url, timestamp,
UNIQUE(page_url, icon_url))``. Timestamps are Cocoa seconds (MVT ``SafariFavicon``). The value
stored in ``database_info`` is not known, so that table is left empty.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.core.timeutil import to_cocoa
from tracehound.demo.sqlite_util import write_sqlite

_BASE = """
CREATE TABLE page_url (url TEXT NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT REPLACE,
  uuid TEXT NOT NULL ON CONFLICT FAIL);
CREATE INDEX PageURLIndex ON page_url (url);
CREATE TABLE icon_info (uuid TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL, timestamp INTEGER);
CREATE TABLE database_info (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
"""
_MIGRATIONS = {
    2: "ALTER TABLE icon_info ADD width INTEGER DEFAULT 0;"
    "ALTER TABLE icon_info ADD height INTEGER DEFAULT 0;",
    3: "ALTER TABLE icon_info ADD has_generated_representations INTEGER DEFAULT 0;",
    4: "CREATE TABLE rejected_resources (page_url TEXT NOT NULL ON CONFLICT FAIL,"
    "icon_url TEXT NOT NULL ON CONFLICT FAIL,timestamp INTEGER,UNIQUE(page_url, icon_url));",
}


def _stamp(value: Any) -> Any:
    return int(to_cocoa(value)) if isinstance(value, datetime) else value


def icon_uuid(icon_url: str) -> str:
    """A stable upper-case UUID for an icon URL (Safari uses random ones)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, icon_url)).upper()


def write(
    path: Path,
    icons: Sequence[Mapping[str, Any]],
    rejected: Sequence[Mapping[str, Any]] = (),
    schema_version: int = 4,
) -> None:
    """Write Favicons.db. ``icons``: dicts with ``page_url``, ``icon_url``, ``timestamp`` (aware
    datetime or Cocoa seconds) and optional ``width``/``height``; pages sharing an icon URL share
    its icon_info row. ``rejected``: dicts with ``page_url``, ``icon_url``, ``timestamp`` (needs
    ``schema_version`` 4). ``schema_version`` 1-4 picks the layout."""
    schema = _BASE + "".join(_MIGRATIONS[v] for v in range(2, schema_version + 1))
    infos: dict[str, dict[str, Any]] = {}
    pages: list[dict[str, Any]] = []
    for item in icons:
        icon = item["icon_url"]
        uid = item.get("uuid") or icon_uuid(str(icon))
        info = {"uuid": uid, "url": icon, "timestamp": _stamp(item.get("timestamp"))}
        if schema_version >= 2:
            info |= {"width": item.get("width", 32), "height": item.get("height", 32)}
        infos.setdefault(uid, info)
        pages.append({"url": item["page_url"], "uuid": uid})
    rows: dict[str, list[dict[str, Any]]] = {"page_url": pages, "icon_info": list(infos.values())}
    if schema_version >= 4:
        rows["rejected_resources"] = [
            {
                "page_url": r["page_url"],
                "icon_url": r["icon_url"],
                "timestamp": _stamp(r.get("timestamp")),
            }
            for r in rejected
        ]
    write_sqlite(path, schema, rows)
