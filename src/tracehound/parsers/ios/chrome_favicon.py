"""Pages and their icons from Chrome for iOS's Favicons database (traces of visited pages).

Facts: MVT's ``ChromeFavicon`` module (backup file ``55680ab8...`` = SHA1("AppDomain-com.google.
chrome.ios-Library/Application Support/Google/Chrome/Default/Favicons")) joins ``icon_mapping``
(id, page_url, icon_id) with ``favicons`` (id, url, icon_type) and ``favicon_bitmaps`` (icon_id,
last_updated, last_requested, width, height) and dates each page by ``last_updated``, else
``last_requested``. Chromium's favicon database (components/favicon/core/favicon_database.cc):
times are microseconds since 1601-01-01 UTC, 0 meaning unset; ``last_requested`` exists only in
newer schema versions. A favicon survives history deletion, so a page URL here may be the only
trace of an exploit page. One record per page-to-icon mapping; several bitmaps (sizes) of one
icon are folded into the latest of their times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_webkit
from tracehound.parsers.common.sqlite import columns


@dataclass(frozen=True, slots=True, kw_only=True)
class ChromeFavicon(Record):
    """A page URL mapped to an icon URL; ``ts`` is the icon's last update (else last request)."""

    TYPE = "ios.chrome_favicon"
    MEANING = (
        "Chrome's favicon cache: Chrome loaded a page of this site, even if history was cleared."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Chrome favicon updated or requested"

    page_url: Url | None
    icon_url: Url | None
    icon_id: int | None
    icon_type: int | None  # Chromium favicon_base::IconType (1 favicon, 2 touch icon...)
    bitmaps: int  # bitmaps stored for the icon (0: mapping without image)
    last_updated: datetime | None
    last_requested: datetime | None


PATHS = (
    "/private/var/mobile/Containers/Data/Application/*/Library/Application Support/Google/Chrome"
    "/Default/Favicons",
)


def _query(conn: sqlite3.Connection) -> str:
    has_requested = "last_requested" in columns(conn, "favicon_bitmaps")
    requested = "max(favicon_bitmaps.last_requested)" if has_requested else "NULL"
    icon_type = "favicons.icon_type" if "icon_type" in columns(conn, "favicons") else "NULL"
    return (
        "SELECT icon_mapping.id AS mid, icon_mapping.page_url AS page_url, "
        "icon_mapping.icon_id AS icon_id, favicons.url AS icon_url, "
        f"{icon_type} AS icon_type, count(favicon_bitmaps.id) AS bitmaps, "
        f"max(favicon_bitmaps.last_updated) AS updated, {requested} AS requested "
        "FROM icon_mapping LEFT JOIN favicons ON favicons.id = icon_mapping.icon_id "
        "LEFT JOIN favicon_bitmaps ON favicon_bitmaps.icon_id = icon_mapping.icon_id "
        "GROUP BY icon_mapping.id ORDER BY icon_mapping.id"
    )


@artifact(
    record=ChromeFavicon,
    input="sqlite",
    paths=PATHS,
    requires={
        "icon_mapping": ("id", "page_url", "icon_id"),
        "favicons": ("id", "url"),
        "favicon_bitmaps": ("id", "icon_id", "last_updated"),
    },
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[ChromeFavicon]:
    """Chrome for iOS favicons: page URLs and icon URLs, even of pages gone from history."""
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["mid"]
        updated = ctx.time(from_webkit, r["updated"], row, "last_updated", unset=(0,))
        requested = ctx.time(from_webkit, r["requested"], row, "last_requested", unset=(0,))
        yield ChromeFavicon(
            ts=updated or requested,
            row=row,
            page_url=ctx.text(r["page_url"], row, "page_url"),
            icon_url=ctx.text(r["icon_url"], row, "favicons.url"),
            icon_id=ctx.integer(r["icon_id"], row, "icon_id"),
            icon_type=ctx.integer(r["icon_type"], row, "icon_type"),
            bitmaps=r["bitmaps"],
            last_updated=updated,
            last_requested=requested,
        )
