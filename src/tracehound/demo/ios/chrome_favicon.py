"""Chrome for iOS ``Favicons`` in Chromium's favicon database schema.

Facts: tables as created by Chromium's ``components/favicon/core/favicon_database.cc``:
``meta``, ``favicons(id, url, icon_type)``, ``favicon_bitmaps(id, icon_id,
last_updated, image_data, width, height, last_requested)``, ``icon_mapping(id, page_url,
icon_id)``; times in WebKit microseconds (since 1601). ``old_schema=True`` writes an older
favicon_bitmaps without ``last_requested`` (the meta version numbers written are approximate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import write_sqlite

_TABLES = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE icon_mapping(id INTEGER PRIMARY KEY,page_url LONGVARCHAR NOT NULL,icon_id INTEGER);
CREATE TABLE favicons(id INTEGER PRIMARY KEY,url LONGVARCHAR NOT NULL,icon_type INTEGER DEFAULT 1);
CREATE INDEX icon_mapping_page_url_idx ON icon_mapping(page_url);
CREATE INDEX icon_mapping_icon_id_idx ON icon_mapping(icon_id);
CREATE INDEX favicons_url ON favicons(url);
CREATE INDEX favicon_bitmaps_icon_id ON favicon_bitmaps(icon_id);
"""

_BITMAPS = """
CREATE TABLE favicon_bitmaps(id INTEGER PRIMARY KEY,icon_id INTEGER NOT NULL,
  last_updated INTEGER DEFAULT 0,image_data BLOB,width INTEGER DEFAULT 0,
  height INTEGER DEFAULT 0,last_requested INTEGER DEFAULT 0);
"""

_BITMAPS_OLD = """
CREATE TABLE favicon_bitmaps(id INTEGER PRIMARY KEY,icon_id INTEGER NOT NULL,
  last_updated INTEGER DEFAULT 0,image_data BLOB,width INTEGER DEFAULT 0,
  height INTEGER DEFAULT 0);
"""

#: A tiny PNG standing in for icon bytes.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def write(path: Path, icons: Sequence[Mapping[str, Any]], *, old_schema: bool = False) -> None:
    """Write Favicons.

    Each icon is a dict: ``url`` (icon URL), ``pages`` (page URLs mapped to it), optional ``id``,
    ``icon_type`` (default 1), ``last_updated``/``last_requested`` (WebKit microseconds, default
    0 = unset) and ``sizes`` (bitmap widths, default ``[16]``; ``[]`` stores no bitmap).
    """
    favicons: list[dict[str, Any]] = []
    mappings: list[dict[str, Any]] = []
    bitmaps: list[dict[str, Any]] = []
    for index, icon in enumerate(icons, start=1):
        icon_id = icon.get("id", index)
        favicons.append({"id": icon_id, "url": icon["url"], "icon_type": icon.get("icon_type", 1)})
        for page in icon.get("pages", ()):
            mappings.append({"id": len(mappings) + 1, "page_url": page, "icon_id": icon_id})
        for size in icon.get("sizes", [16]):
            bitmap: dict[str, Any] = {
                "id": len(bitmaps) + 1,
                "icon_id": icon_id,
                "last_updated": icon.get("last_updated", 0),
                "image_data": PNG,
                "width": size,
                "height": size,
            }
            if not old_schema:
                bitmap["last_requested"] = icon.get("last_requested", 0)
            bitmaps.append(bitmap)
    meta = [
        {"key": "mmap_status", "value": "-1"},
        {"key": "version", "value": "7" if old_schema else "8"},
        {"key": "last_compatible_version", "value": "7" if old_schema else "8"},
    ]
    schema = (_BITMAPS_OLD if old_schema else _BITMAPS) + _TABLES
    write_sqlite(
        path,
        schema,
        {"meta": meta, "favicons": favicons, "icon_mapping": mappings, "favicon_bitmaps": bitmaps},
    )
