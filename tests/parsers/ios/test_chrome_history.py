from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_webkit
from tracehound.demo.ios import chrome_history as ch

T0 = datetime(2022, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
W0 = to_webkit(T0)


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "History"
    ch.write(
        path,
        urls=[
            {"id": 1, "url": "https://search.example/?q=weather", "title": "weather - Search"},
            {"id": 2, "url": "http://link.example/a", "title": None},
            {"id": 3, "url": "https://landing.example/x", "title": "Landing"},
        ],
        visits=[
            {
                "id": 1,
                "url": 1,
                "visit_time": W0,
                "transition": ch.TYPED | ch.CHAIN_START | ch.CHAIN_END,
                "visit_duration": 2_500_000,
            },
            {
                "id": 2,
                "url": 2,
                "visit_time": W0 + 1_000_000,
                "from_visit": 1,
                "transition": ch.LINK | ch.CHAIN_START,
            },
            {
                "id": 3,
                "url": 3,
                "visit_time": W0 + 1_004_000,
                "from_visit": 2,
                "transition": ch.signed(ch.LINK | ch.SERVER_REDIRECT | ch.CHAIN_END),
            },
        ],
        old_schema=old_schema,
    )
    return path


@pytest.mark.parametrize("old_schema", [False, True])
def test_good(tmp_path: Path, parse, old_schema: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.chrome_history", _db(tmp_path, old_schema))
    assert ctx.warnings == 0
    assert [r.visit_id for r in records] == [1, 2, 3]
    typed, link, landing = records
    assert typed.ts == T0 and typed.row == 1 and typed.url == "https://search.example/?q=weather"
    assert typed.title == "weather - Search" and typed.transition_type == "typed"
    assert typed.from_visit is None and typed.redirect is None and typed.duration == 2.5
    assert link.ts == datetime(2022, 3, 2, 8, 15, 31, 123456, tzinfo=UTC)
    assert link.from_visit == 1 and link.title is None and link.duration is None
    assert landing.ts == datetime(2022, 3, 2, 8, 15, 31, 127456, tzinfo=UTC)
    assert landing.url == "https://landing.example/x" and landing.url_id == 3
    assert landing.redirect == "server" and landing.transition == 0xA0000000
    assert landing.transition_type == "link" and landing.from_visit == 2


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History"
    ch.write(
        path,
        urls=[{"id": 1, "url": b"\x00\x01", "title": "t"}],
        visits=[
            {"id": 1, "url": 1, "visit_time": "later", "transition": 77},
            {"id": 2, "url": 42, "visit_time": W0, "transition": "x"},
        ],
    )
    records, ctx = parse("ios.chrome_history", path)
    assert len(records) == 2
    assert records[0].ts is None and records[0].url is None
    assert records[0].transition_type == "unknown_77"
    assert records[1].url is None and records[1].ts == T0 and records[1].transition is None
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table visits"):
        parse("ios.chrome_history", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History"
    path.write_bytes(b"not a database at all")
    with pytest.raises(InputError):
        parse("ios.chrome_history", path)
