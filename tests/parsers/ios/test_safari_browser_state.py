from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import safari_browser_state as bs

T0 = datetime(2021, 6, 30, 22, 5, 1, 500000, tzinfo=UTC)
C0 = to_cocoa(T0)
EXPLOIT = "https://shortener.example/Xy12"


def _tabs() -> list[dict[str, object]]:
    return [
        {
            "id": 1,
            "title": "Weather",
            "url": "https://weather.example/today",
            "user_visible_url": "https://weather.example/today",
            "last_viewed_time": C0,
            "session_entries": [
                {"url": "https://news.example/", "title": "News"},
                {"url": "https://landing.example/", "original_url": EXPLOIT, "title": "Landing"},
                {"url": "https://weather.example/today", "title": "Weather"},
                {"url": "https://news.example/", "title": "News"},
            ],
        },
        {
            "id": 2,
            "title": None,
            "url": "https://private.example/",
            "user_visible_url": "https://private.example/",
            "last_viewed_time": C0 + 30,
            "private_browsing": 1,
            "profile_uuid": "2F1E0D9C-0000-4000-8000-00000000ABCD",
            "session_data": bs.session_data([], provisional_url="https://loading.example/p"),
        },
        {"id": 3, "title": "Blank", "url": "", "last_viewed_time": None},
    ]


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BrowserState.db"
    bs.write(path, _tabs())
    records, ctx = parse("ios.safari_browser_state", path)
    assert ctx.warnings == 0
    assert [r.row for r in records] == [1, 2, 3]
    first, private, blank = records
    assert first.ts == T0 and first.url == "https://weather.example/today"
    assert first.title == "Weather" and first.tab_uuid == "00000000-0000-0000-0000-000000000001"
    assert first.session_urls == (
        "https://news.example/",
        "https://landing.example/",
        EXPLOIT,
        "https://weather.example/today",
    )
    assert first.session_titles == ("News", "Landing", "Weather")
    assert first.private_browsing is False and first.profile is None
    assert private.ts == datetime(2021, 6, 30, 22, 5, 31, 500000, tzinfo=UTC)
    assert private.private_browsing is True
    assert private.profile == "2F1E0D9C-0000-4000-8000-00000000ABCD"
    assert private.session_urls == ("https://loading.example/p",)
    # a tab without a session row is still reported
    assert blank.url is None and blank.ts is None and blank.session_urls == ()


def test_legacy_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BrowserState.db"
    bs.write(path, _tabs()[:1], legacy=True)
    device = "/private/var/mobile/Library/Safari/Profiles/AB12/BrowserState.db"
    records, ctx = parse("ios.safari_browser_state", path, device)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].ts == T0 and records[0].profile == "AB12"
    assert EXPLOIT in records[0].session_urls and records[0].private_browsing is False


def test_damaged_session_is_a_warning(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BrowserState.db"
    bs.write(
        path,
        [
            {"id": 1, "url": "https://a.example/", "session_data": b"\x00\x00\x00\x02bplist00\xff"},
            {
                "id": 2,
                "url": "https://b.example/",
                "last_viewed_time": "noon",
                "session_data": b"\x00\x00\x00\x02"
                + bs.session_data([{"url": "https://c.example/"}])[4:],
            },
            {"id": 3, "url": b"\x00\xff", "session_data": b"\x00\x00\x00\x02" + b"\x01" * 40},
        ],
    )
    records, ctx = parse("ios.safari_browser_state", path)
    assert len(records) == 3
    assert records[0].url == "https://a.example/" and records[0].session_urls == ()
    assert records[1].ts is None and records[1].session_urls == ("https://c.example/",)
    assert records[2].url is None and records[2].session_urls == ()
    assert ctx.warnings == 4  # two damaged blobs, one bad time, one non-text URL


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BrowserState.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY, tab_uuid TEXT)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table tabs"):
        parse("ios.safari_browser_state", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "BrowserState.db"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    with pytest.raises(InputError):
        parse("ios.safari_browser_state", path)
