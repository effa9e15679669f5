"""Safari open tabs and their back/forward lists from BrowserState.db, one record per tab.

Facts: MVT's ``SafariBrowserState`` module (paths; ``tabs`` JOIN ``tab_sessions`` on
``tabs.uuid = tab_sessions.tab_uuid``; before iOS 12 ``session_data`` was a column of ``tabs``;
a 4-byte header precedes the plist). The table definitions are the strings in SafariShared
(``SFBrowserStateSQLiteStore``): ``tabs(id, uuid, title, url, user_visible_url, order_index,
last_viewed_time, ..., private_browsing, browser_window_uuid, browser_window_id, tab_group_uuid,
profile_uuid)`` and ``tab_sessions(id, tab_uuid, session_data, uncompressed_session_data_size)``.
``last_viewed_time`` is Cocoa seconds. The blob layout is WebKit's ``encodeLegacySessionState``
(LegacySessionStateCoding.cpp): a big-endian uint32 version, then a binary plist with
``SessionHistory`` -> ``SessionHistoryEntries`` (dicts with ``SessionHistoryEntryURL``,
``SessionHistoryEntryOriginalURL``, ``SessionHistoryEntryTitle``) and an optional
``ProvisionalURL`` (a page still loading). These lists keep pages that history no longer shows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import plist
from tracehound.parsers.common.sqlite import columns, select_optional, tables


@dataclass(frozen=True, slots=True, kw_only=True)
class SafariTab(Record):
    """One Safari tab with the URLs of its back/forward list."""

    TYPE = "ios.safari_browser_state"
    MEANING = (
        "An open Safari tab, or a page in its back/forward list: the page was opened in a tab."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "Safari tab last viewed"

    url: Url | None
    user_visible_url: Url | None
    title: str | None
    tab_uuid: str | None
    private_browsing: bool | None
    profile: str | None  # tabs.profile_uuid, or the profile folder of the path
    session_urls: tuple[Url, ...]  # entry URLs and original URLs, deduplicated, in order
    session_titles: tuple[str, ...]


PATHS = (
    "/private/var/mobile/Library/Safari/BrowserState.db",
    "/private/var/mobile/Library/Safari/Profiles/*/BrowserState.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/BrowserState.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/Profiles/*/BrowserState.db",
)

_TAB_COLUMNS = {
    "uuid": "uuid",
    "title": "title",
    "url": "url",
    "visible": "user_visible_url",
    "viewed": "last_viewed_time",
    "private": "private_browsing",
    "profile": "profile_uuid",
}
_PROFILE = re.compile(r"/Safari/Profiles/([^/]+)/BrowserState\.db$")


def _query(conn: sqlite3.Connection) -> str:
    # tabs.id is INTEGER PRIMARY KEY, so rowid is the id; rowid also exists in older layouts.
    cols = "tabs.rowid AS id, " + select_optional(conn, "tabs", _TAB_COLUMNS)
    have = columns(conn, "tabs")
    if (
        "tab_sessions" in tables(conn)
        and {"tab_uuid", "session_data"} <= columns(conn, "tab_sessions")
        and "uuid" in have
    ):
        return (
            f"SELECT {cols}, tab_sessions.session_data AS blob FROM tabs "
            "LEFT JOIN tab_sessions ON tab_sessions.tab_uuid = tabs.uuid ORDER BY tabs.rowid"
        )
    blob = "tabs.session_data" if "session_data" in have else "NULL"
    return f"SELECT {cols}, {blob} AS blob FROM tabs ORDER BY tabs.rowid"


def _session(blob: object, ctx: ParseContext, row: int | None) -> tuple[list[str], list[str]]:
    """(URLs, titles) of a session_data blob; a damaged blob is a warning and yields nothing."""
    if blob is None or blob == b"":
        return [], []
    if not isinstance(blob, bytes):
        ctx.warn("session_data is not a blob", row)
        return [], []
    payload = blob if blob.startswith(b"bplist") else blob[4:]
    try:
        state = plist.load(payload)
    except InputError as exc:
        ctx.warn(f"session_data is not a readable session: {exc}", row)
        return [], []
    if not isinstance(state, dict):
        ctx.warn("session_data is not a dictionary", row)
        return [], []
    urls: list[str] = []
    titles: list[str] = []
    history = state.get("SessionHistory")
    entries = history.get("SessionHistoryEntries") if isinstance(history, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            ctx.warn("session history entry is not a dictionary", row)
            continue
        urls += _strings(entry, "SessionHistoryEntryURL", "SessionHistoryEntryOriginalURL")
        titles += _strings(entry, "SessionHistoryEntryTitle")
    urls += _strings(state, "ProvisionalURL")
    return urls, titles


def _strings(obj: dict[str, Any], *keys: str) -> list[str]:
    return [v for k in keys if isinstance(v := obj.get(k), str) and v]


@artifact(
    record=SafariTab,
    input="sqlite",
    paths=PATHS,
    requires={"tabs": ("url",)},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SafariTab]:
    """Safari tabs and the pages of their back/forward lists (BrowserState.db)."""
    found = _PROFILE.search(ctx.path)
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["id"] if isinstance(r["id"], int) else None
        urls, titles = _session(r["blob"], ctx, row)
        profile = ctx.text(r["profile"], row, "profile_uuid") or None
        yield SafariTab(
            ts=ctx.time(from_cocoa, r["viewed"], row, "last_viewed_time"),
            row=row,
            url=(ctx.text(r["url"], row, "url") or None),
            user_visible_url=(ctx.text(r["visible"], row, "user_visible_url") or None),
            title=(ctx.text(r["title"], row, "title") or None),
            tab_uuid=(ctx.text(r["uuid"], row, "uuid") or None),
            private_browsing=None if r["private"] is None else bool(r["private"]),
            profile=profile or (found.group(1) if found else None),
            session_urls=tuple(dict.fromkeys(urls)),
            session_titles=tuple(dict.fromkeys(titles)),
        )
