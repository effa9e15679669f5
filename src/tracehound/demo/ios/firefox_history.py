"""Firefox for iOS ``browser.db`` (history, visits, favicons) in the app's own schema.

Facts: ``CREATE TABLE`` statements of Firefox for iOS's ``BrowserSchema``
(mozilla-mobile/firefox-ios, Storage/SQL/BrowserSchema.swift, schema version 39): ``domains``,
``history`` (guid, url, title NOT NULL, server_modified, local_modified, is_deleted,
should_upload, domain_id), ``visits`` (siteID, date in Unix microseconds, type, is_local),
``favicons`` (url, width, height, type, date), ``favicon_sites`` (siteID, faviconID), plus a few
of its other tables. ``old_schema=True`` writes an early shape (no ``visits.is_local``, no
``history.domain_id``/``domains``); the schema file marks the is_local index "Added in v6".
The same file feeds ``ios.firefox_history`` and ``ios.firefox_favicon``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracehound.demo.sqlite_util import Rows, write_sqlite

_COMMON = """
CREATE TABLE favicons (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE,
  width INTEGER, height INTEGER, type INTEGER NOT NULL, date REAL NOT NULL);
CREATE TABLE favicon_sites (id INTEGER PRIMARY KEY AUTOINCREMENT,
  siteID INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE,
  faviconID INTEGER NOT NULL REFERENCES favicons(id) ON DELETE CASCADE, UNIQUE (siteID, faviconID));
CREATE TABLE queue (url TEXT NOT NULL UNIQUE, title TEXT);
CREATE TABLE clients (guid TEXT PRIMARY KEY, name TEXT NOT NULL, modified INTEGER NOT NULL,
  type TEXT, formfactor TEXT, os TEXT, version TEXT, fxaDeviceId TEXT);
CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_guid TEXT REFERENCES clients(guid) ON DELETE CASCADE, url TEXT NOT NULL, title TEXT,
  history TEXT, last_used INTEGER);
CREATE TABLE page_metadata (id INTEGER PRIMARY KEY, cache_key LONGVARCHAR UNIQUE, site_url TEXT,
  media_url LONGVARCHAR, title TEXT, type VARCHAR(32), description TEXT, provider_name TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP, expired_at LONG);
"""

_CURRENT = """
CREATE TABLE domains (id INTEGER PRIMARY KEY AUTOINCREMENT, domain TEXT NOT NULL UNIQUE,
  showOnTopSites TINYINT NOT NULL DEFAULT 1);
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT NOT NULL UNIQUE,
  url TEXT UNIQUE, title TEXT NOT NULL, server_modified INTEGER, local_modified INTEGER,
  is_deleted TINYINT NOT NULL, should_upload TINYINT NOT NULL,
  domain_id INTEGER REFERENCES domains(id) ON DELETE CASCADE,
  CONSTRAINT urlOrDeleted CHECK (url IS NOT NULL OR is_deleted = 1));
CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  siteID INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE, date REAL NOT NULL,
  type INTEGER NOT NULL, is_local TINYINT NOT NULL, UNIQUE (siteID, date, type));
CREATE INDEX idx_visits_siteID_is_local_date ON visits (siteID, is_local, date);
"""

_OLD = """
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT NOT NULL UNIQUE,
  url TEXT UNIQUE, title TEXT NOT NULL, server_modified INTEGER, local_modified INTEGER,
  is_deleted TINYINT NOT NULL, should_upload TINYINT NOT NULL,
  CONSTRAINT urlOrDeleted CHECK (url IS NOT NULL OR is_deleted = 1));
CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  siteID INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE, date REAL NOT NULL,
  type INTEGER NOT NULL, UNIQUE (siteID, date, type));
"""

#: Visit types (Firefox for iOS ``VisitType``).
LINK, TYPED, BOOKMARK, PERMANENT_REDIRECT, TEMPORARY_REDIRECT = 1, 2, 3, 5, 6


def write(
    path: Path,
    history: Rows,
    visits: Rows = (),
    favicons: Rows = (),
    favicon_sites: Rows = (),
    *,
    old_schema: bool = False,
) -> None:
    """Write browser.db.

    ``history``: dicts of history columns (``id``, ``url``, ``title``; ``guid``, ``is_deleted``,
    ``should_upload`` and, for the current schema, ``domain_id`` are filled in). ``visits``:
    ``id``, ``siteID``, ``date`` (Unix microseconds), ``type`` (default LINK), ``is_local``
    (default 1; dropped for the old schema). ``favicons``: ``id``, ``url``, ``width``,
    ``height``, ``type`` (default 0), ``date`` (Unix seconds). ``favicon_sites``: ``siteID``,
    ``faviconID``.
    """
    domains: dict[str, int] = {}
    history_rows: list[dict[str, Any]] = []
    for index, h in enumerate(history, start=1):
        row: dict[str, Any] = {
            "guid": uuid.uuid5(uuid.NAMESPACE_URL, f"ff-{h.get('id', index)}").hex[:12],
            "title": "",
            "is_deleted": 0,
            "should_upload": 1,
            **h,
        }
        url = row.get("url")
        if not old_schema and isinstance(url, str) and "domain_id" not in row:
            host = urlsplit(url).hostname or ""
            row["domain_id"] = domains.setdefault(host, len(domains) + 1)
        history_rows.append(row)
    visit_rows = [{"type": LINK, "is_local": 1, **v} for v in visits]
    if old_schema:
        visit_rows = [{k: v for k, v in row.items() if k != "is_local"} for row in visit_rows]
    icon_rows = [{"type": 0, "width": 32, "height": 32, **f} for f in favicons]
    tables: dict[str, Rows] = {
        "history": history_rows,
        "visits": visit_rows,
        "favicons": icon_rows,
        "favicon_sites": list(favicon_sites),
    }
    if not old_schema:
        tables = {"domains": [{"id": i, "domain": d} for d, i in domains.items()], **tables}
    write_sqlite(path, (_OLD if old_schema else _CURRENT) + _COMMON, tables)
