"""WebKit per-origin website data (IndexedDB folders, LocalStorage files) in WebKit's layout.

Facts (see parsers/ios/webkit_origin.py): origin folders and files are named
``<scheme>_<host>_<port>`` (port 0 by default; ``%XX`` escapes in the host); IndexedDB lives in
``IndexedDB/v1/<top origin>/<frame origin>/<hash of the database name>/IndexedDB.sqlite3``
(WebKit hashes the name with ``SQLiteFileSystem::computeHashForFileName``, SHA-256 here) with an
``IDBDatabaseInfo(key, value)`` table among others (WebKit's ``Records.key`` uses its own
``IDBKEY`` collation, left out here as plain SQLite cannot create it); LocalStorage is
``LocalStorage/<origin>.localstorage``, a SQLite file with ``ItemTable(key, value)`` (WebKit
``SQLiteStorageArea.cpp``). The folder times come from the writer (a dump folder's mtime is when
its newest entry was created).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from tracehound.demo.sqlite_util import Rows, write_sqlite
from tracehound.demo.writer import Writer

BASE = "Library/WebKit/WebsiteData"
SAFARI_VIEW_SERVICE_BASE = "SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPED = set('/\\:*?"<>|%')

IDB_SCHEMA = """
CREATE TABLE IDBDatabaseInfo (key TEXT NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT REPLACE,
  value TEXT NOT NULL ON CONFLICT FAIL);
CREATE TABLE ObjectStoreInfo (id INTEGER PRIMARY KEY NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT
  FAIL, name TEXT NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT FAIL, keyPath BLOB NOT NULL ON
  CONFLICT FAIL, autoInc INTEGER NOT NULL ON CONFLICT FAIL);
CREATE TABLE Records (objectStoreID INTEGER NOT NULL ON CONFLICT FAIL, key TEXT
  NOT NULL ON CONFLICT FAIL, value NOT NULL ON CONFLICT FAIL, recordID INTEGER PRIMARY KEY);
"""
LOCALSTORAGE_SCHEMA = """
CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB NOT NULL ON CONFLICT FAIL);
"""


@dataclass(frozen=True)
class Origin:
    """Website data of one origin: ``url`` like ``https://example.com`` (path ignored)."""

    url: str
    when: datetime
    top_url: str | None = None  # IndexedDB: the top frame's origin (default: the same)
    database: str = "localforage"  # IndexedDB database name


def identifier(url: str) -> str:
    """WebKit's origin identifier: ``https://www.example.com`` -> ``https_www.example.com_0``."""
    parts = urlsplit(url)
    name = parts.hostname or ""
    name = f"[{name}]" if ":" in name else name  # an IPv6 host keeps its brackets
    host = "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in name)
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme)) else 0
    return f"{parts.scheme}_{host}_{port}"


def _sqlite(path: Path, schema: str, table: str, rows: Rows) -> None:
    write_sqlite(path, schema, {table: rows})


def files(
    indexeddb: Sequence[Origin] = (), localstorage: Sequence[Origin] = ()
) -> list[tuple[str, Callable[[Path], None], datetime]]:
    """(path relative to WebsiteData, builder, time) of every file to write."""
    out: list[tuple[str, Callable[[Path], None], datetime]] = []
    for o in indexeddb:
        top = identifier(o.top_url or o.url)
        digest = hashlib.sha256(o.database.encode()).hexdigest()
        rel = f"IndexedDB/v1/{top}/{identifier(o.url)}/{digest}/IndexedDB.sqlite3"
        info = [
            {"key": "DatabaseName", "value": o.database},
            {"key": "DatabaseVersion", "value": "2"},
        ]
        out.append(
            (rel, partial(_sqlite, schema=IDB_SCHEMA, table="IDBDatabaseInfo", rows=info), o.when)
        )
    for o in localstorage:
        rel = f"LocalStorage/{identifier(o.url)}.localstorage"
        items = [{"key": "visited", "value": b"1\x00"}]
        out.append(
            (
                rel,
                partial(_sqlite, schema=LOCALSTORAGE_SCHEMA, table="ItemTable", rows=items),
                o.when,
            )
        )
    return out


def add(
    writer: Writer,
    domain: str,
    indexeddb: Sequence[Origin] = (),
    localstorage: Sequence[Origin] = (),
    base: str = BASE,
) -> None:
    """Add the website data of ``domain`` (``HomeDomain`` for Safari, ``AppDomain-<id>``...)."""
    for rel, build, when in files(indexeddb, localstorage):
        writer.add_built(domain, f"{base}/{rel}", build, birth=when)


def write(
    path: Path, indexeddb: Sequence[Origin] = (), localstorage: Sequence[Origin] = ()
) -> None:
    """Write the website data into the folder ``path`` (a ``WebsiteData`` folder)."""
    for rel, build, _ in files(indexeddb, localstorage):
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        build(target)
