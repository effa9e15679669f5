"""Write SQLite fixtures: a schema script plus rows per table (demo generator and tests)."""

from __future__ import annotations

import sqlite3
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
