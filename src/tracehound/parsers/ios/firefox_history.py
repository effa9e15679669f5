"""Firefox for iOS visits from its browser.db (``visits`` joined with ``history``).

Facts: MVT's ``FirefoxHistory`` module (backup file ``2e57c396...`` = SHA1("AppDomainGroup-group.
org.mozilla.ios.Firefox-profile.profile/browser.db")) and Firefox for iOS's ``BrowserSchema``
(mozilla-mobile/firefox-ios, Storage/SQL/BrowserSchema.swift): ``history(id, guid, url, title,
is_deleted, domain_id...)`` and ``visits(id, siteID -> history.id, date, type, is_local)``, where
``date`` is microseconds since the Unix epoch and ``type`` the Places visit type (VisitType enum:
1 link, 2 typed, 3 bookmark, 4 embed, 5 permanent redirect, 6 temporary redirect, 7 download,
8 framed link). ``is_local`` (its index is marked "Added in v6") tells a visit made on this
device from one synced from another; absent, it reads as None. Newer Firefox releases keep
history in the application-services ``places.db`` instead; that file is not read here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import Reader, artifact
from tracehound.core.timeutil import UNIX_EPOCH
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class FirefoxVisit(Record):
    """One Firefox visit with the URL it loaded."""

    TYPE = "ios.firefox_history"
    MEANING = "Firefox's browsing history: Firefox loaded this page."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Firefox visit"

    url: Url | None
    title: str | None
    visit_id: int
    site_id: int | None  # history.id
    visit_type: str | None  # "link", "typed", "permanent_redirect"...
    visit_type_raw: int | None
    is_local: bool | None  # False: a visit synced from another device


PATHS = ("/private/var/mobile/Containers/Shared/AppGroup/*/profile.profile/browser.db",)
#: Firefox's browser.db, opened once for its visits and its favicons.
BROWSER_DB = Reader(
    name="ios.firefox_browser_db",
    input="sqlite",
    paths=PATHS,
    description="Firefox for iOS browser.db, opened once for visits and favicons",
)

VISIT_TYPES = {
    0: "unknown",
    1: "link",
    2: "typed",
    3: "bookmark",
    4: "embed",
    5: "permanent_redirect",
    6: "temporary_redirect",
    7: "download",
    8: "framed_link",
}

_VISITS = {"v_id": "id", "site": "siteID", "date": "date", "type": "type", "local": "is_local"}
_HISTORY = {"url": "url", "title": "title"}


def from_unix_us(value: float | int | None) -> datetime | None:
    """Microseconds since the Unix epoch (Firefox for iOS ``MicrosecondTimestamp``) to UTC."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return UNIX_EPOCH + timedelta(microseconds=int(value))
    except (TypeError, ValueError, OverflowError):
        return None


@artifact(
    record=FirefoxVisit,
    reader=BROWSER_DB,
    requires={"visits": ("id", "siteID", "date"), "history": ("id", "url")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[FirefoxVisit]:
    """Firefox for iOS visits: URL, title, visit type, local or synced (browser.db)."""
    visits = select_optional(conn, "visits", _VISITS)
    history = select_optional(conn, "history", _HISTORY)
    conn.row_factory = sqlite3.Row
    query = (
        f"SELECT {visits}, {history} FROM visits "
        "LEFT JOIN history ON history.id = visits.siteID ORDER BY visits.id"
    )
    for r in conn.execute(query):
        row = r["v_id"]
        kind = ctx.integer(r["type"], row, "type")
        local = ctx.integer(r["local"], row, "is_local")
        yield FirefoxVisit(
            ts=ctx.time(from_unix_us, r["date"], row, "date"),
            row=row,
            url=ctx.text(r["url"], row, "url"),
            title=ctx.text(r["title"], row, "title"),
            visit_id=row,
            site_id=ctx.integer(r["site"], row, "siteID"),
            visit_type=None if kind is None else VISIT_TYPES.get(kind, f"unknown_{kind}"),
            visit_type_raw=kind,
            is_local=None if local is None else local != 0,
        )
