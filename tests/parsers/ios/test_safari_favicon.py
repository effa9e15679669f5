from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import safari_favicon as demo

T0 = datetime(2021, 7, 11, 21, 4, 33, tzinfo=UTC)
APP = (
    "/private/var/mobile/Containers/Data/Application/5B0C/Library/Image Cache/Favicons/Favicons.db"
)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons.db"
    demo.write(
        path,
        icons=[
            {
                "page_url": "https://news.example.org/a",
                "icon_url": "https://news.example.org/favicon.ico",
                "timestamp": T0,
                "width": 64,
                "height": 64,
            },
            {
                "page_url": "https://news.example.org/b",
                "icon_url": "https://news.example.org/favicon.ico",
                "timestamp": T0 + timedelta(hours=1),
            },
        ],
        rejected=[
            {
                "page_url": "https://abc.def.free247downloads.com:30495/x",
                "icon_url": "https://abc.def.free247downloads.com:30495/favicon.ico",
                "timestamp": T0 + timedelta(minutes=3),
            }
        ],
    )
    records, ctx = parse("ios.safari_favicon", path)
    assert ctx.warnings == 0
    assert [(r.status, r.url) for r in records] == [
        ("valid", "https://news.example.org/a"),
        ("valid", "https://news.example.org/b"),
        ("rejected", "https://abc.def.free247downloads.com:30495/x"),
    ]
    a, b, bad = records
    assert a.ts == T0 and b.ts == T0  # one icon row for both pages: the first timestamp
    assert a.icon_url == "https://news.example.org/favicon.ico" and (a.width, a.height) == (64, 64)
    assert a.icon_uuid == demo.icon_uuid("https://news.example.org/favicon.ico") and a.row == 1
    assert bad.ts == datetime(2021, 7, 11, 21, 7, 33, tzinfo=UTC) and bad.row == 1
    assert bad.icon_url == "https://abc.def.free247downloads.com:30495/favicon.ico"
    assert bad.icon_uuid is None and bad.width is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons.db"
    demo.write(
        path,
        icons=[{"page_url": b"\xff", "icon_url": "https://x.example/i.png", "timestamp": "x"}],
        rejected=[{"page_url": "https://y.example/", "icon_url": "z", "timestamp": 1e300}],
    )
    records, ctx = parse("ios.safari_favicon", path, APP)
    assert len(records) == 2
    assert records[0].url is None and records[0].ts is None
    assert records[1].ts is None and records[1].url == "https://y.example/"
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE page_url (url TEXT, uuid TEXT)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table icon_info"):
        parse("ios.safari_favicon", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons.db"
    path.write_bytes(b"SQLite format 3\x00\x10\x00" + b"\x00" * 80 + b"broken" * 50)
    with pytest.raises(InputError):
        parse("ios.safari_favicon", path)


def test_schema_version_1_has_no_rejected_table(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons.db"
    demo.write(
        path,
        icons=[
            {"page_url": "https://a.example/", "icon_url": "https://a.example/i", "timestamp": T0}
        ],
        schema_version=1,
    )
    records, ctx = parse("ios.safari_favicon", path, APP)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].status == "valid" and records[0].width is None and records[0].ts == T0
