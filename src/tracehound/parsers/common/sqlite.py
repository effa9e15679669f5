"""Read-only SQLite access that never changes the evidence, and schema helpers.

A database is opened with ``mode=ro&immutable=1`` so SQLite neither writes nor creates -wal/-shm
files. When a -wal file sits next to the database, its committed transactions are part of the
evidence; then the database and its -wal are copied into a private temporary folder (mode 0700)
and the copy is opened, so the log is applied to the copy only (SQLite docs, "Write-Ahead
Logging" and "immutable" URI parameter).
"""

from __future__ import annotations

import shutil
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracehound.core.errors import InputError
from tracehound.core.tempspace import TempSpace

SQLITE_MAGIC = b"SQLite format 3\x00"


def _uri(path: Path, immutable: bool) -> str:
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    """Open ``path`` without any write to it or next to it; raise InputError if not SQLite."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise InputError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if head != SQLITE_MAGIC:
        raise InputError("not a SQLite database (bad header)")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        with TempSpace("tracehound-wal-") as space:
            copy = space.create(space.root / "db.sqlite")  # 0600: copyfile keeps the mode
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, space.create(space.root / "db.sqlite-wal"))
            conn = _connect(str(copy), uri=False)
            try:
                yield conn
            finally:
                conn.close()
        return
    conn = _connect(_uri(path, immutable=True), uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(target, uri=uri)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"corrupt SQLite database: {exc}") from exc
    # Text from the device may hold invalid UTF-8: keep it, replaced, rather than fail the row.
    conn.text_factory = lambda b: b.decode("utf-8", errors="replace")
    return conn


def tables(conn: sqlite3.Connection) -> set[str]:
    """Names of the tables in the database."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    return {row[0] for row in rows}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """Column names of ``table`` (empty if the table does not exist)."""
    # Table names come from our own code, never from the device; quote them anyway.
    rows = conn.execute(f'PRAGMA table_info("{table.replace(chr(34), "")}")')
    return {row[1] for row in rows}


def missing_schema(conn: sqlite3.Connection, requires: dict[str, tuple[str, ...]]) -> list[str]:
    """What of ``requires`` (table -> columns) is absent, as readable strings; empty if none."""
    present = tables(conn)
    missing: list[str] = []
    for table, cols in requires.items():
        if table not in present:
            missing.append(f"table {table}")
            continue
        have = columns(conn, table)
        missing.extend(f"column {table}.{c}" for c in cols if c not in have)
    return missing


def select_optional(conn: sqlite3.Connection, table: str, wanted: dict[str, str]) -> str:
    """SQL select-list for ``wanted`` (alias -> column) with NULL for absent columns.

    This is how parsers cope with schema drift across OS versions: one query, and a column that
    an older or newer version lacks reads as NULL.
    """
    have = columns(conn, table)
    parts = []
    for alias, column in wanted.items():
        expr = f'{table}."{column}"' if column in have else "NULL"
        parts.append(f"{expr} AS {alias}")
    return ", ".join(parts)
