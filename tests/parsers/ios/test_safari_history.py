from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import safari_history

T0 = datetime(2021, 7, 14, 9, 30, 0, tzinfo=UTC)
C0 = to_cocoa(T0)


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "History.db"
    safari_history.write(
        path,
        items=[
            {"id": 1, "url": "https://www.example.org/news"},
            {"id": 2, "url": "http://yahoo.fr/"},
            {"id": 3, "url": "https://bun54l2b67.get1tn0w.example.com:30495/szev4hz"},
        ],
        visits=[
            {"id": 10, "history_item": 1, "visit_time": C0, "title": "News"},
            {"id": 11, "history_item": 2, "visit_time": C0 + 60.0, "redirect_destination": 12},
            {
                "id": 12,
                "history_item": 3,
                "visit_time": C0 + 60.003,
                "redirect_source": 11,
                "load_successful": 0,
            },
            {"id": 13, "history_item": 1, "visit_time": C0 + 120.25, "origin": 1},
        ],
        tombstones=[{"start_time": C0 - 10, "end_time": C0 - 5, "url": "https://gone.example/"}],
        metadata={"version": 20},
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.safari_history", _db(tmp_path))
    assert ctx.warnings == 0
    assert [r.visit_id for r in records] == [10, 11, 12, 13]
    news, http, exploit, again = records
    assert news.url == "https://www.example.org/news" and news.title == "News"
    assert news.ts == T0 and news.row == 10 and news.item_id == 1
    assert news.visit_count == 2 and news.load_successful is True and news.profile is None
    assert http.url == "http://yahoo.fr/" and http.redirect_destination == 12
    assert http.redirect_source is None
    assert http.ts == datetime(2021, 7, 14, 9, 31, 0, tzinfo=UTC)
    assert exploit.redirect_source == 11 and exploit.load_successful is False
    assert exploit.ts is not None and abs((exploit.ts - http.ts).total_seconds() - 0.003) < 1e-5
    assert again.ts == datetime(2021, 7, 14, 9, 32, 0, 250000, tzinfo=UTC) and again.origin == 1


def test_profile_from_path(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    device = (
        "/private/var/mobile/Library/Safari/Profiles/6A1B2C3D-0000-4000-8000-0123456789AB"
        "/History.db"
    )
    records, _ = parse("ios.safari_history", _db(tmp_path), device)
    assert {r.profile for r in records} == {"6A1B2C3D-0000-4000-8000-0123456789AB"}


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History.db"
    safari_history.write(
        path,
        items=[{"id": 1, "url": "https://ok.example/"}],
        visits=[
            {"id": 1, "history_item": 1, "visit_time": "yesterday", "title": b"\xff\xfe"},
            {"id": 2, "history_item": 99, "visit_time": C0, "redirect_source": "one"},
        ],
    )
    records, ctx = parse("ios.safari_history", path)
    assert len(records) == 2
    assert records[0].ts is None and records[0].title is None
    # the item of visit 2 is gone: the visit is still reported, without a URL
    assert records[1].url is None and records[1].ts == T0 and records[1].redirect_source is None
    assert ctx.warnings == 3


def test_old_schema_without_redirect_columns(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,"
        " visit_count INTEGER NOT NULL);"
        "CREATE TABLE history_visits (id INTEGER PRIMARY KEY, history_item INTEGER NOT NULL,"
        " visit_time REAL NOT NULL, title TEXT);"
        f"INSERT INTO history_items VALUES (1, 'https://old.example/', 1);"
        f"INSERT INTO history_visits VALUES (5, 1, {C0}, 'Old');"
    )
    conn.commit()
    conn.close()
    records, ctx = parse("ios.safari_history", path)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].url == "https://old.example/" and records[0].ts == T0
    assert records[0].redirect_source is None and records[0].load_successful is None


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table history_visits"):
        parse("ios.safari_history", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "History.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x01junk" * 200)
    with pytest.raises(InputError):
        parse("ios.safari_history", path)
