"""Safari's favicon cache (Favicons.db): pages visited and their icon URLs, valid or rejected.

Facts: MVT's ``SafariFavicon`` module reads ``private/var/mobile/Library/Image Cache/Favicons/
Favicons.db`` and the copies in app containers: ``page_url(url, uuid)`` joined to
``icon_info(uuid, url, timestamp)``, plus ``rejected_resources(page_url, icon_url, timestamp)``;
timestamps are Cocoa seconds. Safari's ``WBSFaviconProviderDatabaseController`` creates
``page_url``, ``icon_info`` and ``database_info``; schema version 2 adds ``icon_info.width`` and
``height``, 3 ``has_generated_representations``, 4 the ``rejected_resources`` table, so older
databases have no rejected icons. The cache outlives history clearing, so it can keep traces of
exploit pages (Amnesty 2021 methodology).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common.sqlite import columns, select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class SafariFavicon(Record):
    """A page URL and the URL of its icon, as cached (valid) or refused (rejected) by Safari."""

    TYPE = "ios.safari_favicon"
    MEANING = (
        "Safari's favicon cache: Safari loaded a page of this site, even if history was cleared."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Favicon cached or rejected"

    url: Url | None  # the page
    icon_url: Url | None
    status: str  # "valid" (icon_info) or "rejected" (rejected_resources)
    icon_uuid: str | None
    width: int | None
    height: int | None


PATHS = (
    "/private/var/mobile/Library/Image Cache/Favicons/Favicons.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Image Cache/Favicons/Favicons.db",
)

_ICON = {
    "icon_url": "url",
    "stamp": "timestamp",
    "uuid": "uuid",
    "width": "width",  # schema version 2+
    "height": "height",
}


def _valid(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SafariFavicon]:
    icon = select_optional(conn, "icon_info", _ICON)
    query = (
        f"SELECT page_url.rowid AS row, page_url.url AS page, {icon} FROM page_url "
        "JOIN icon_info ON page_url.uuid = icon_info.uuid ORDER BY page_url.rowid"
    )
    for r in conn.execute(query):
        row = r["row"]
        yield SafariFavicon(
            ts=ctx.time(from_cocoa, r["stamp"], row, "icon_info.timestamp"),
            row=row,
            url=ctx.text(r["page"], row, "page_url.url") or None,
            icon_url=ctx.text(r["icon_url"], row, "icon_info.url") or None,
            status="valid",
            icon_uuid=ctx.text(r["uuid"], row, "icon_info.uuid"),
            width=ctx.integer(r["width"], row, "icon_info.width"),
            height=ctx.integer(r["height"], row, "icon_info.height"),
        )


def _rejected(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SafariFavicon]:
    if not {"page_url", "icon_url", "timestamp"} <= columns(conn, "rejected_resources"):
        return  # schema version < 4
    query = "SELECT rowid, page_url, icon_url, timestamp FROM rejected_resources ORDER BY rowid"
    for row, page, icon, stamp in conn.execute(query):
        yield SafariFavicon(
            ts=ctx.time(from_cocoa, stamp, row, "rejected_resources.timestamp"),
            row=row,
            url=ctx.text(page, row, "rejected_resources.page_url") or None,
            icon_url=ctx.text(icon, row, "rejected_resources.icon_url") or None,
            status="rejected",
            icon_uuid=None,
            width=None,
            height=None,
        )


@artifact(
    record=SafariFavicon,
    input="sqlite",
    paths=PATHS,
    requires={"page_url": ("url", "uuid"), "icon_info": ("uuid", "url", "timestamp")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SafariFavicon]:
    """Pages whose favicon Safari cached or rejected, with the icon URL and the time."""
    conn.row_factory = sqlite3.Row
    yield from _valid(conn, ctx)
    conn.row_factory = None
    yield from _rejected(conn, ctx)
