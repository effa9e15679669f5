"""Evidence is read-only, whatever the engine reads it with (issue 12): every file of each demo
acquisition kind, a WAL-mode database with an unapplied -wal included, has the same bytes, size,
mode and modification time after a check, and no file appears (DuckDB's SQLite reader, for one,
writes -wal/-shm files beside WAL-mode databases it opens without ``immutable=1``)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check

KINDS = ("backup", "ffs", "sysdiagnose-folder", "crashlogs", "androidqf", "bugreport")


def tree_state(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Per file and folder below ``root``: SHA-256, size, mode, modification time."""
    state = {}
    for path in sorted([root, *root.rglob("*")]):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[str(path.relative_to(root))] = (digest, info.st_size, info.st_mode, info.st_mtime_ns)
    return state


def _wal_database(root: Path) -> Path:
    """Turn the dump's sms.db into WAL mode with one committed, not checkpointed row."""
    [db] = root.rglob("sms.db")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("INSERT INTO handle (ROWID, id, service) VALUES (4242, 'wal@example.org', 'SMS')")
    conn.commit()
    # Copy the database, its -wal and -shm aside while the connection is open (closing it would
    # checkpoint), then put them back: the -wal now holds a row the main file lacks.
    saved = {p: p.read_bytes() for p in db.parent.glob("sms.db*")}
    conn.close()
    for path, data in saved.items():
        path.write_bytes(data)
    assert Path(f"{db}-wal").stat().st_size > 0
    return db


@pytest.mark.parametrize("kind", KINDS)
def test_a_check_changes_no_file_of_the_acquisition(kind: str, tmp_path: Path) -> None:
    target = write_demo(tmp_path / "acq", kind)
    root = target if target.is_dir() else target.parent
    if kind == "ffs":
        _wal_database(root)
    before = tree_state(root)
    os.sync()
    result = run_check(CheckOptions(target=target, output=tmp_path / "out"))
    assert result.exit_code & 4 == 0
    assert tree_state(root) == before
    if kind == "ffs":  # the -wal was applied (on a private copy) and hashed as an input
        inputs = result.run["inputs"]
        assert any(str(i.get("device_path", "")).endswith("sms.db-wal") for i in inputs)
