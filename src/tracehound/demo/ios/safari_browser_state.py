"""Safari BrowserState.db with the tables Safari creates (SFBrowserStateSQLiteStore strings).

``session_data`` blobs follow WebKit's ``encodeLegacySessionState``: a big-endian uint32 version
(2) followed by a binary plist holding ``SessionHistory``.
"""

from __future__ import annotations

import plistlib
import struct
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

SCHEMA = """
CREATE TABLE browser_windows (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL,
  type INTEGER DEFAULT 0,active_document_index INTEGER DEFAULT 0,
  active_private_document_index INTEGER DEFAULT 0,active_document_is_valid BOOL DEFAULT 1,
  tab_state_successfully_loaded BOOL DEFAULT 0,legacy_plist_file_version INTEGER DEFAULT 0,
  scene_ID TEXT,active_profile_identifier TEXT NOT NULL DEFAULT '',
  CONSTRAINT uuid_type_index UNIQUE(uuid, type));
CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL UNIQUE,title TEXT,
  url TEXT COLLATE NOCASE,user_visible_url TEXT COLLATE NOCASE,order_index INTEGER NOT NULL,
  last_viewed_time REAL DEFAULT NULL,readinglist_bookmark_id INTEGER DEFAULT 0,
  opened_from_link BOOL DEFAULT 0,showing_reader BOOL DEFAULT 0,
  reader_view_top_scroll_offset INTEGER DEFAULT 0,private_browsing BOOL DEFAULT 0,
  displaying_standalone_image BOOL DEFAULT 0,browser_window_uuid TEXT NOT NULL,
  browser_window_id INTEGER NOT NULL,tab_group_uuid TEXT NOT NULL DEFAULT '',
  profile_uuid TEXT NOT NULL DEFAULT '',
  FOREIGN KEY(browser_window_id) REFERENCES browser_windows(id) ON DELETE CASCADE);
CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT,tab_uuid TEXT NOT NULL UNIQUE,
  session_data BLOB DEFAULT NULL,uncompressed_session_data_size INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY(tab_uuid) REFERENCES tabs(uuid) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX tab_sessions__uuid ON tab_sessions (tab_uuid);
CREATE INDEX tabs__uuid ON tabs (uuid);
"""

#: The single-table layout of old iOS releases (MVT reads ``session_data`` from ``tabs``).
LEGACY_SCHEMA = """
CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL UNIQUE,title TEXT,
  url TEXT COLLATE NOCASE,user_visible_url TEXT COLLATE NOCASE,order_index INTEGER NOT NULL,
  last_viewed_time REAL DEFAULT NULL,readinglist_bookmark_id INTEGER DEFAULT 0,
  opened_from_link BOOL DEFAULT 0,showing_reader BOOL DEFAULT 0,
  reader_view_top_scroll_offset INTEGER DEFAULT 0,private_browsing BOOL DEFAULT 0,
  displaying_standalone_image BOOL DEFAULT 0,browser_window_uuid TEXT NOT NULL,
  session_data BLOB DEFAULT NULL);
"""

WINDOW_UUID = "8C3F0B5E-1D2A-4C6B-9E7F-0A1B2C3D4E5F"


def session_data(
    entries: Sequence[Mapping[str, str]], provisional_url: str | None = None, current: int = -1
) -> bytes:
    """A session_data blob; each entry has ``url`` and optionally ``title``/``original_url``."""
    items = [
        {
            "SessionHistoryEntryURL": e["url"],
            "SessionHistoryEntryOriginalURL": e.get("original_url", e["url"]),
            "SessionHistoryEntryTitle": e.get("title", ""),
            "SessionHistoryEntryData": b"\x00" * 16,
            "SessionHistoryEntryShouldOpenExternalURLsPolicyKey": 1,
        }
        for e in entries
    ]
    history: dict[str, Any] = {"SessionHistoryVersion": 1}
    if items:
        history["SessionHistoryCurrentIndex"] = current % len(items)
        history["SessionHistoryEntries"] = items
    state: dict[str, Any] = {"SessionHistory": history}
    if provisional_url:
        state["ProvisionalURL"] = provisional_url
    return struct.pack(">I", 2) + plistlib.dumps(state, fmt=plistlib.FMT_BINARY)


def _tab_rows(tabs: Rows, legacy: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tab_rows: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for index, tab in enumerate(tabs):
        row = {k: v for k, v in tab.items() if k not in ("session_data", "session_entries")}
        row.setdefault("uuid", str(uuid.UUID(int=index + 1)).upper())
        row.setdefault("order_index", index)
        row.setdefault("browser_window_uuid", WINDOW_UUID)
        if not legacy:
            row.setdefault("browser_window_id", 1)
        blob = tab.get("session_data")
        if blob is None and "session_entries" in tab:
            blob = session_data(tab["session_entries"])
        if legacy:
            row["session_data"] = blob
        elif blob is not None:
            sessions.append(
                {
                    "tab_uuid": row["uuid"],
                    "session_data": blob,
                    "uncompressed_session_data_size": len(blob),
                }
            )
        tab_rows.append(row)
    return tab_rows, sessions


def write(path: Path, tabs: Rows, *, legacy: bool = False) -> None:
    """Write BrowserState.db.

    ``tabs`` are dicts of tabs columns (``id``, ``title``, ``url``, ``user_visible_url``,
    ``last_viewed_time`` in Cocoa seconds, ``private_browsing``...; ``uuid`` and ``order_index``
    default), plus either ``session_entries`` (a list of ``{"url", "title", "original_url"}``
    for ``session_data()``) or raw ``session_data`` bytes. ``legacy`` writes the old layout
    with ``session_data`` in ``tabs``.
    """
    tab_rows, sessions = _tab_rows(tabs, legacy)
    if legacy:
        write_sqlite(path, LEGACY_SCHEMA, {"tabs": tab_rows})
        return
    window = {"id": 1, "uuid": WINDOW_UUID, "tab_state_successfully_loaded": 1}
    write_sqlite(
        path,
        SCHEMA,
        {"browser_windows": [window], "tabs": tab_rows, "tab_sessions": sessions},
    )
