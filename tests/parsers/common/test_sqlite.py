from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tracehound.core.errors import InputError
from tracehound.demo.ios import tcc
from tracehound.parsers.common.sqlite import columns, missing_schema, open_readonly, select_optional


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_database_opened_without_any_write(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 'x');")
    conn.close()
    before = digest(db)
    with open_readonly(db) as ro:
        assert ro.execute("SELECT a, b FROM t").fetchall() == [(1, "x")]
        with pytest.raises(sqlite3.OperationalError):
            ro.execute("INSERT INTO t VALUES (2, 'y')")
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


def test_wal_is_applied_on_a_private_copy(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.executescript("CREATE TABLE t (a); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);")
    # Keep the rows in the -wal only: copy the three files as a crashed phone would leave them.
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for suffix in ("", "-wal"):
        (evidence / f"w.db{suffix}").write_bytes((tmp_path / f"w.db{suffix}").read_bytes())
    writer.close()
    files = {p.name: digest(p) for p in evidence.iterdir()}
    assert set(files) == {"w.db", "w.db-wal"}
    with open_readonly(evidence / "w.db") as ro:
        assert ro.execute("SELECT count(*) FROM t").fetchone() == (2,)
    assert {p.name: digest(p) for p in evidence.iterdir()} == files  # no -shm, nothing changed


def test_not_sqlite_and_corrupt(tmp_path: Path) -> None:
    bad = tmp_path / "x.db"
    bad.write_bytes(b"not a database at all")
    with pytest.raises(InputError, match="not a SQLite"), open_readonly(bad):
        pass
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 80)
    with pytest.raises(InputError, match="corrupt"), open_readonly(bad):
        pass
    with pytest.raises(InputError, match="cannot read"), open_readonly(tmp_path / "missing.db"):
        pass


def test_schema_helpers(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sqlite3.connect(db).executescript("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 2);").close()
    with open_readonly(db) as ro:
        assert columns(ro, "t") == {"a", "b"} and columns(ro, "nope") == set()
        assert missing_schema(ro, {"t": ("a", "c"), "u": ("x",)}) == ["column t.c", "table u"]
        sql = select_optional(ro, "t", {"first": "a", "later": "zz"})
        assert ro.execute(f"SELECT {sql} FROM t").fetchone() == (1, None)


def test_invalid_utf8_text_is_kept_replaced(tmp_path: Path) -> None:
    db = tmp_path / "u.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (s TEXT)")
    conn.execute("INSERT INTO t VALUES (CAST(X'66FF6F' AS TEXT))")
    conn.commit()
    conn.close()
    with open_readonly(db) as ro:
        assert ro.execute("SELECT s FROM t").fetchone() == ("f\ufffdo",)


def test_invalid_utf8_in_a_damaged_schema_is_input_error(tmp_path: Path) -> None:
    """Found by tests/fuzz: SQLite quotes the damaged schema text in its error message, and
    Python raised UnicodeDecodeError decoding it instead of DatabaseError."""
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE t (a); INSERT INTO t VALUES (1);")
    conn.close()
    data = db.read_bytes()
    at = data.index(b"CREATE TABLE t")
    db.write_bytes(data[: at + 2] + b"\x80" + data[at + 3 :])  # "CR\x80ATE TABLE t"
    expected = r'malformed database schema \(t\) - near "CR'
    with pytest.raises(InputError, match=expected), open_readonly(db):
        pass


def test_damaged_page_met_by_a_parser_query_is_input_error(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/fuzz: the database opens (its schema page is intact) but the parser's
    query meets a damaged b-tree page; sqlite3.DatabaseError escaped the artifact."""
    db = tmp_path / "TCC.db"
    tcc.write(db, [{"service": "kTCCServiceCamera", "client": "com.example.chat"}])
    conn = sqlite3.connect(db)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'access'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * size] = 0  # not a b-tree page type any more
    db.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt SQLite database: database disk image"):
        parse("ios.tcc", db)
