"""Firefox for iOS favicons and the pages they were seen on (browser.db).

Facts: MVT's ``FirefoxFavicon`` module (same browser.db as ``FirefoxHistory``) and Firefox for
iOS's ``BrowserSchema`` (Storage/SQL/BrowserSchema.swift): ``favicons(id, url, width, height,
type, date)``, ``favicon_sites(id, siteID -> history.id, faviconID -> favicons.id)`` and
``history(id, url...)``. MVT reads ``favicons.date`` as Unix seconds. An icon can outlive the
history row of its page, so icons without a page are yielded too (``page_url`` None).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix
from tracehound.parsers.common.sqlite import select_optional
from tracehound.parsers.ios.firefox_history import BROWSER_DB


@dataclass(frozen=True, slots=True, kw_only=True)
class FirefoxFavicon(Record):
    """A favicon URL and a page it belongs to; ``row`` is favicons.id."""

    TYPE = "ios.firefox_favicon"
    MEANING = (
        "Firefox's favicon cache: Firefox loaded a page of this site, even if history was cleared."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Firefox favicon stored"

    icon_url: Url | None
    page_url: Url | None
    site_id: int | None  # history.id of the page
    width: int | None
    height: int | None
    icon_type: int | None  # Firefox IconType (0 icon, 1 apple-touch-icon...)


_FAVICONS = {
    "f_id": "id",
    "f_url": "url",
    "width": "width",
    "height": "height",
    "f_type": "type",
    "f_date": "date",
}


@artifact(
    record=FirefoxFavicon,
    reader=BROWSER_DB,
    requires={
        "favicons": ("id", "url"),
        "favicon_sites": ("siteID", "faviconID"),
        "history": ("id", "url"),
    },
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[FirefoxFavicon]:
    """Firefox for iOS favicons with the page URLs they were fetched for (browser.db)."""
    icons = select_optional(conn, "favicons", _FAVICONS)
    conn.row_factory = sqlite3.Row
    query = (
        f"SELECT {icons}, favicon_sites.siteID AS site, history.url AS page FROM favicons "
        "LEFT JOIN favicon_sites ON favicon_sites.faviconID = favicons.id "
        "LEFT JOIN history ON history.id = favicon_sites.siteID "
        "ORDER BY favicons.id, favicon_sites.rowid"
    )
    for r in conn.execute(query):
        row = r["f_id"]
        yield FirefoxFavicon(
            ts=ctx.time(from_unix, r["f_date"], row, "date"),
            row=row,
            icon_url=ctx.text(r["f_url"], row, "favicons.url"),
            page_url=ctx.text(r["page"], row, "history.url"),
            site_id=ctx.integer(r["site"], row, "siteID"),
            width=ctx.integer(r["width"], row, "width"),
            height=ctx.integer(r["height"], row, "height"),
            icon_type=ctx.integer(r["f_type"], row, "type"),
        )
