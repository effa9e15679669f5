"""Write SQLite fixtures: a schema script plus rows per table (demo generator and tests)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Rows = Sequence[Mapping[str, Any]]


def write_sqlite(path: Path, schema: str, rows: Mapping[str, Rows]) -> None:
    """Create ``path`` from ``schema`` and insert ``rows`` (table -> list of column dicts).

    The file is written in rollback-journal mode and closed cleanly, so no -wal/-shm remains.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    try:
        conn.executescript(schema)
        for table, table_rows in rows.items():
            for row in table_rows:
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join("?" for _ in row)
                conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(row.values()))
        conn.commit()
    finally:
        conn.close()


def with_wal(
    db: bytes, statements: Sequence[tuple[str, Sequence[Any]]]
) -> tuple[bytes, bytes, bytes]:
    """(database, -wal, -shm) as a phone leaves them when ``statements`` were committed in WAL
    mode and not yet checkpointed: the new rows are only in the -wal.

    The files are copied while the connection is open, because closing the last connection
    checkpoints the -wal into the database and deletes it (sqlite.org "Write-Ahead Logging",
    3. Checkpointing); ``wal_autocheckpoint=0`` keeps commits from checkpointing.
    """
    with tempfile.TemporaryDirectory(prefix="tracehound-demo-wal-") as tmp:
        path = Path(tmp) / "db.sqlite"
        path.write_bytes(db)
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            for sql, params in statements:
                conn.execute(sql, list(params))
            conn.commit()
            files = tuple(
                path.with_name(path.name + s).read_bytes() if s else path.read_bytes()
                for s in ("", "-wal", "-shm")
            )
        finally:
            conn.close()
    return files[0], files[1], files[2]
