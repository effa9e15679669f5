"""The ADBC reader of ``parsers/common/columnar.py`` gives exactly the rows sqlite3 gives.

``columnar.batches`` reads a table with the ADBC SQLite driver, takes a batch only when the
storage-class signature read with its rows says the driver changed no value, and falls back to
sqlite3 (that batch's rows, or from the first row not yet given) whenever the driver could
mislead: a column of mixed classes, a column NULL in the first batch
and text later, an integer a double cannot hold beside reals, invalid UTF-8. These tests build
tables of such values, in files opened as the engine opens evidence (``open_readonly``), and
compare every row, values and Python types, with sqlite3's.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import open_readonly

QUERY = "SELECT id, a, b FROM t ORDER BY id"


def _db(path: Path, rows: list[tuple[Any, Any]], declared: str = "a, b") -> Path:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {declared})")
    conn.executemany("INSERT INTO t (a, b) VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def _sqlite3_rows(path: Path, query: str = QUERY) -> list[tuple[Any, ...]]:
    with open_readonly(path) as conn:
        return conn.execute(query).fetchall()


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[type, Any], ...]]:
    return [tuple((type(v), v) for v in row) for row in rows]


def _read(path: Path, key: str | None = None) -> tuple[list[tuple[Any, ...]], list[bool]]:
    """Every row as the row path gets it (``Batch.rows``), and per batch whether the driver
    read it."""
    rows: list[tuple[Any, ...]] = []
    driver: list[bool] = []
    with open_readonly(path) as conn:
        for batch in columnar.batches(conn, QUERY, key=key):
            driver.append(isinstance(batch.columns["a"], columnar.Column))
            rows.extend(tuple(r.values()) for r in batch.rows())
    return rows, driver


def test_clean_columns_are_read_by_the_driver(tmp_path: Path) -> None:
    rows = [(n, f"text {n}") for n in range(20_000)]
    path = _db(tmp_path / "clean.db", rows)
    got, driver = _read(path)
    assert driver and all(driver)
    assert _typed(got) == _typed(_sqlite3_rows(path))
    with open_readonly(path) as conn:
        batch = next(columnar.batches(conn, QUERY))
        assert columnar.integers(batch.columns["a"]).to_pylist()[:3] == [0, 1, 2]
        assert columnar.text(batch.columns["b"]).to_pylist()[0] == "text 0"


def test_text_beside_integers_goes_to_sqlite3(tmp_path: Path) -> None:
    # The driver alone would give "7" for the integer (adbc-driver-sqlite 1.13).
    path = _db(tmp_path / "mixed.db", [("late", 1), (7, 2), (None, 3)])
    got, driver = _read(path)
    assert driver == [False]
    assert got == [(1, "late", 1), (2, 7, 2), (3, None, 3)]
    assert type(got[1][1]) is int


def test_integers_and_reals_are_doubles_and_their_rows_come_from_sqlite3(tmp_path: Path) -> None:
    path = _db(tmp_path / "numbers.db", [(700_000_000, 1.5), (700_000_000.25, 2)])
    with open_readonly(path) as conn:
        (batch,) = columnar.batches(conn, QUERY)
        column = batch.columns["a"]
        assert isinstance(column, columnar.Column) and not column.exact
        assert (
            columnar.cocoa_seconds(column).to_pylist()
            == columnar.cocoa_seconds([700_000_000, 700_000_000.25]).to_pylist()
        )
        with pytest.raises(columnar.Unclean):
            column[0]  # not the Python int sqlite3 gives
        with pytest.raises(columnar.Unclean):
            columnar.integers(column)
        rows = [tuple(r.values()) for r in batch.rows()]
    assert _typed(rows) == _typed(_sqlite3_rows(path))


def test_an_integer_a_double_cannot_hold_goes_to_sqlite3(tmp_path: Path) -> None:
    path = _db(tmp_path / "big.db", [(1.5, 1), (2**62 + 1, 2)])
    got, driver = _read(path)
    assert driver == [False]
    assert got[1][1] == 2**62 + 1


def test_a_column_null_in_the_first_batch_reads_on_with_sqlite3(tmp_path: Path) -> None:
    size = columnar.FETCH_ROWS
    rows: list[tuple[Any, Any]] = [(n, None) for n in range(size + 10)]
    rows += [(n, "now text") for n in range(10)]  # the driver took b for int64
    path = _db(tmp_path / "late.db", rows)
    got, driver = _read(path)
    assert driver[0] and not driver[-1]
    assert _typed(got) == _typed(_sqlite3_rows(path))  # no row lost, none twice


def test_classes_the_query_makes_sure_spare_the_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``known``: the query's CAST and typeof tests make the classes sure, so the driver reads
    the query as it is; a column that still comes otherwise (a caller's mistake) is read on
    by sqlite3."""
    path = _db(tmp_path / "known.db", [(n, f"t{n}") for n in range(300)] + [("x", b"\x00")])
    query = (
        "SELECT id, CAST(a AS TEXT) AS a, CASE WHEN typeof(b) = 'text' THEN b END AS b "
        "FROM t ORDER BY id"
    )

    def no_signature(*args: Any) -> None:
        raise AssertionError("signature")

    monkeypatch.setattr(columnar, "_driver_query", no_signature)
    with open_readonly(path) as conn:
        got = list(columnar.batches(conn, query, known={"id": "integer", "a": "text", "b": "text"}))
        assert all(isinstance(b.columns["a"], columnar.Column) for b in got)
        rows = [tuple(r.values()) for b in got for r in b.rows()]
        assert _typed(rows) == _typed(_sqlite3_rows(path, query))
        assert rows[-1] == (301, "x", None)
        # Wrong: "a" said to be text, but integers: the driver's int64 column is refused.
        wrong = "SELECT id, a, b FROM t WHERE id <= 300 ORDER BY id"
        got = list(columnar.batches(conn, wrong, known={"id": "integer", "a": "text", "b": "text"}))
        assert not isinstance(got[0].columns["a"], columnar.Column)
        assert [tuple(r.values()) for b in got for r in b.rows()] == _sqlite3_rows(path, wrong)
        # A column ``known`` does not name: sqlite3 too.
        got = list(columnar.batches(conn, wrong, known={"id": "integer", "b": "text"}))
        assert not isinstance(got[0].columns["a"], columnar.Column)


def test_invalid_utf8_is_decoded_as_sqlite3_decodes_it(tmp_path: Path) -> None:
    path = _db(tmp_path / "utf8.db", [("ok", 1), ("x", 2)])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE t SET a = CAST(X'61FF62EDA080' AS TEXT) WHERE id = 2")
    conn.commit()
    conn.close()
    got, driver = _read(path)
    assert driver == [True]
    assert got == _sqlite3_rows(path)
    assert got[1][1] == "a\ufffdb\ufffd\ufffd\ufffd"


def test_groups_of_a_key_are_never_split(tmp_path: Path) -> None:
    size = columnar.FETCH_ROWS
    rows = [(n // 3, "x") for n in range(3 * size)]  # a: the key, three rows each
    path = _db(tmp_path / "groups.db", rows)
    query = "SELECT a AS pk, id, b FROM t ORDER BY a, id"
    with open_readonly(path) as conn:
        seen: list[int] = []
        last: set[int] = set()
        for batch in columnar.batches(conn, query, key="pk"):
            keys = list(batch.columns["pk"])
            assert not set(keys) & last  # a key's rows are in one batch
            last = set(keys)
            seen.extend(keys)
    assert seen == [r[0] for r in rows]


def _wal_writer(folder: Path) -> sqlite3.Connection:
    """A WAL-mode ``sms.db`` in ``folder`` with an empty table t, its writer still open."""
    folder.mkdir()
    writer = sqlite3.connect(folder / "sms.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
    writer.commit()
    return writer


def test_the_driver_writes_nothing_next_to_the_evidence(tmp_path: Path) -> None:
    """Read through ``immutable=1``: no -wal, no -shm, not a byte changed, even for a database
    in WAL mode (the trap seen with DuckDB's SQLite reader)."""
    folder = tmp_path / "evidence"
    path = folder / "sms.db"
    conn = _wal_writer(folder)
    conn.executemany("INSERT INTO t (a, b) VALUES (?, ?)", [(n, "x") for n in range(100)])
    conn.commit()
    conn.close()  # the last connection checkpoints the log into the database

    def tree() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    before = tree()
    got, driver = _read(path)
    assert driver == [True] and len(got) == 100
    assert tree() == before


def test_a_wal_is_applied_to_the_private_copy_the_driver_reads(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    writer = _wal_writer(folder)
    writer.executemany("INSERT INTO t (a, b) VALUES (?, ?)", [(n, "in wal") for n in range(50)])
    writer.commit()
    # Keep the -wal: copy the files while the writer is open (as a live phone leaves them).
    copy = tmp_path / "acq"
    copy.mkdir()
    for name in ("sms.db", "sms.db-wal"):
        (copy / name).write_bytes((folder / name).read_bytes())
    writer.close()
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    got, driver = _read(copy / "sms.db")
    assert driver == [True] and len(got) == 50 and got[0][2] == "in wal"
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=5),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(_VALUES, _VALUES), min_size=1, max_size=30),
    st.sampled_from(["a, b", "a TEXT, b REAL", "a INTEGER, b BLOB", "a NUMERIC, b TIMESTAMP"]),
)
def test_any_table_reads_as_sqlite3_reads_it(
    tmp_path: Path, rows: list[tuple[Any, Any]], declared: str
) -> None:
    """The contract on arbitrary values and Apple-like affinities: the rows the row path gets
    equal sqlite3's, value and type; a column the conversions take gives what they give on
    sqlite3's values."""
    path = _db(tmp_path / "any.db", rows, declared)
    expected = _sqlite3_rows(path)
    got, _ = _read(path)
    assert _typed(got) == _typed(expected)
    with open_readonly(path) as conn:
        batches = list(columnar.batches(conn, QUERY))
    for name, number in (("a", 1), ("b", 2)):
        plain = [r[number] for r in expected]
        for convert in (columnar.text, columnar.integers, columnar.numbers):
            try:
                want = convert(plain).to_pylist()
            except columnar.Unclean:
                want = None
            try:
                have = [v for b in batches for v in convert(b.columns[name]).to_pylist()]
            except columnar.Unclean:
                have = None
            if have is not None:  # the driver's columns may decline more, never differ
                assert have == want, (name, convert.__name__)


_NUMBERS = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-100, max_value=100),
    st.floats(allow_nan=False),
    st.sampled_from([2**53 - 1, 2**53, -(2**53), 0.5, "7", b"7"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(_NUMBERS, _VALUES), min_size=1, max_size=40),
    st.sampled_from(["a, b", "a NUMERIC, b TEXT", "a INTEGER, b BLOB"]),
    st.sampled_from([None, "id"]),
)
def test_any_table_in_small_batches_reads_as_sqlite3_reads_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[tuple[Any, Any]],
    declared: str,
    key: str | None,
) -> None:
    """Batches of 4 rows: types that change from batch to batch (the driver's column types
    come from its first batch), integers turning into reals (the driver reads on with that
    column as REAL), values it would change (declined batches), failures part way."""
    monkeypatch.setattr(columnar, "FETCH_ROWS", 4)
    path = _db(tmp_path / "small.db", rows, declared)
    got, _ = _read(path, key=key)
    assert _typed(got) == _typed(_sqlite3_rows(path))


def test_integers_then_reals_read_on_as_doubles_by_the_driver(tmp_path: Path) -> None:
    size = columnar.FETCH_ROWS
    rows: list[tuple[Any, Any]] = [(n, "x") for n in range(size + 5)]
    rows += [(n + 0.5, "y") for n in range(size)]  # Core Data times: whole, then fractions
    path = _db(tmp_path / "late-real.db", rows)
    with open_readonly(path) as conn:
        found = list(columnar.batches(conn, QUERY))
        assert all(isinstance(b.columns["a"], columnar.Column) for b in found)  # all by driver
        assert found[0].columns["a"].array.type == "int64"
        later = found[-1].columns["a"]
        assert isinstance(later, columnar.Column) and later.array.type == "double"
        rows_read = [tuple(r.values()) for b in found for r in b.rows()]
    assert _typed(rows_read) == _typed(_sqlite3_rows(path))


def test_a_value_the_driver_would_change_in_a_wide_query_declines_its_batch(
    tmp_path: Path,
) -> None:
    """More columns than one signature holds: a column past the 15th is checked too."""
    path = tmp_path / "wide.db"
    conn = sqlite3.connect(path)
    names = [f"c{n}" for n in range(20)]
    conn.execute(f"CREATE TABLE w (id INTEGER PRIMARY KEY, {', '.join(names)})")
    values = [[f"t{r}{n}" for n in range(20)] for r in range(10)]
    values[3][17] = 7  # the driver would give "7"
    marks = ", ".join("?" * 20)
    conn.executemany(f"INSERT INTO w ({', '.join(names)}) VALUES ({marks})", values)
    conn.commit()
    conn.close()
    query = f"SELECT id, {', '.join(names)} FROM w ORDER BY id"
    with open_readonly(path) as conn:
        (batch,) = columnar.batches(conn, query)
        assert not isinstance(batch.columns["c17"], columnar.Column)  # sqlite3's values
        assert batch.columns["c17"][3] == 7
        rows = [tuple(r.values()) for r in batch.rows()]
    assert _typed(rows) == _typed(_sqlite3_rows(path, query))


def test_sqlite3_reading_on_in_another_order_than_the_driver_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the driver failed part way after rows in another order than sqlite3's, going on
    after "the rows already given" would lose some and repeat others: that is refused."""
    size = columnar.FETCH_ROWS
    rows: list[tuple[Any, Any]] = [(n, "text") for n in range(10)]
    rows += [(n, None) for n in range(size + 10)]
    path = _db(tmp_path / "order.db", rows)
    plain = columnar._driver_query

    def reversed_order(*args: Any) -> str:  # the driver's first batch: NULLs only, then text
        return f"SELECT * FROM ({plain(*args)}) ORDER BY id DESC"

    monkeypatch.setattr(columnar, "_driver_query", reversed_order)
    with open_readonly(path) as conn, pytest.raises(RuntimeError, match="another order"):
        list(columnar.batches(conn, QUERY))


def test_signature_codes_are_what_sqlite_computes() -> None:
    conn = sqlite3.connect(":memory:")
    got = conn.execute(
        "SELECT unicode(typeof(NULL)) % 13, unicode(typeof(1)) % 13, unicode(typeof(1.5)) % 13, "
        "unicode(typeof('t')) % 13, unicode(typeof(x'00')) % 13"
    ).fetchone()
    conn.close()
    codes = (columnar._NULL, columnar._INTEGER, columnar._REAL, columnar._TEXT_CODE)
    assert got == (*codes, columnar._BLOB)
    assert len(set(got)) == 5 and max(got) < 16  # 4 bits a column
