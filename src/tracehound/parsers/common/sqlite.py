"""Read-only SQLite access that never changes the evidence, and schema helpers.

A database is opened with ``mode=ro&immutable=1`` so SQLite neither writes nor creates -wal/-shm
files. When a -wal file sits next to the database, its committed transactions are part of the
evidence; then the database and its -wal are copied into a private temporary folder (mode 0700)
and the copy is opened, so the log is applied to the copy only (SQLite docs, "Write-Ahead
Logging" and "immutable" URI parameter).
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracehound.core.errors import InputError
from tracehound.core.tempspace import TempSpace

SQLITE_MAGIC = b"SQLite format 3\x00"
_PAGE_SIZES = frozenset(1 << n for n in range(9, 17))  # 512 to 65536, powers of two


def truncation(header: bytes, size: int) -> str | None:
    """Why a database file of ``size`` bytes with this 100-byte header is cut short, or None.

    Facts (sqlite.org "Database File Format", 1.3): the page size is the big-endian 2 bytes at
    offset 16 (a power of two from 512 to 32768, or 1 for 65536); the database size in pages,
    at offset 28, is valid only when the change counter at offset 24 equals the
    version-valid-for number at offset 92. A file shorter than that size lost its end (a copy
    or transfer was cut).
    """
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96] and page_size in _PAGE_SIZES
    expected = page_size * pages
    if not valid or pages == 0 or size >= expected:
        return None
    return f"truncated: its header says {expected:,} bytes ({pages:,} pages), the file has {size:,}"


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
            # The columnar reader opens the copy too (read-only; the log is applied already).
            conn = _connect(str(copy), uri=False, arrow_uri=_uri(copy, immutable=False))
            try:
                yield conn
            finally:
                conn.close()
        return
    uri = _uri(path, immutable=True)
    conn = _connect(uri, uri=True, arrow_uri=uri)
    try:
        yield conn
    finally:
        conn.close()


_DECODE = functools.partial(bytes.decode, encoding="utf-8", errors="replace")


class EvidenceConnection(sqlite3.Connection):
    """A connection opened by :func:`open_readonly`; ``arrow_uri`` is how a second reader (the
    columnar path's ADBC driver, ``columnar.batches``) opens the same file the same way:
    ``immutable=1`` on evidence, read-only on a private copy."""

    arrow_uri: str | None = None


def _connect(target: str, uri: bool, arrow_uri: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(target, uri=uri, factory=EvidenceConnection)
        conn.arrow_uri = arrow_uri
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise InputError(f"corrupt SQLite database: {error_text(exc)}") from exc
    # Text from the device may hold invalid UTF-8: keep it, replaced, rather than fail the row.
    # A partial of bytes.decode runs in C: a lambda cost a Python call per text value (1.6 s of
    # 5 million values at benchmark scale 100).
    conn.text_factory = _DECODE
    return conn


#: SQLite result codes (primary, the low byte) that mean the file itself is damaged or unreadable
#: (SQLite docs, "Result and Error Codes"): a query that meets a damaged page fails with one.
_DAMAGE = frozenset(
    (
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_TOOBIG,
        sqlite3.SQLITE_NOMEM,
    )
)


@contextmanager
def damage_is_input_error() -> Iterator[None]:
    """Turn a damaged-file error raised inside the block (a parser's query reading a corrupt
    page of an otherwise openable database) into InputError; other SQLite errors (a parser's own
    bad SQL) stay what they are."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGE:
            raise InputError(f"corrupt SQLite database: {error_text(exc)}") from exc
        raise


def error_text(exc: sqlite3.Error | UnicodeDecodeError) -> str:
    """SQLite's message. It quotes damaged schema text, and Python fails to decode a message
    holding invalid UTF-8 (UnicodeDecodeError instead of DatabaseError): decode it replaced."""
    if isinstance(exc, UnicodeDecodeError):
        raw = exc.object if isinstance(exc.object, bytes) else bytes(exc.object)
        return raw.decode("utf-8", errors="replace")
    return str(exc)


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
