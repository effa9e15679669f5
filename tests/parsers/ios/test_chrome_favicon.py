from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_webkit
from tracehound.demo.ios import chrome_favicon as cf

T0 = datetime(2021, 6, 30, 22, 15, 1, 654321, tzinfo=UTC)
W0 = to_webkit(T0)


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "Favicons"
    cf.write(
        path,
        [
            {
                "url": "https://news.example/favicon.ico",
                "pages": ["https://news.example/", "https://news.example/world"],
                "last_updated": W0,
                "last_requested": W0 + 5_000_000,
                "sizes": [16, 32],
            },
            {  # on-demand icon: never updated, only requested
                "url": "https://shop.example/icon.png",
                "pages": ["https://shop.example/cart"],
                "last_updated": 0,
                "last_requested": W0 + 60_000_000,
            },
            {"url": "https://bare.example/i.png", "pages": ["https://bare.example/"], "sizes": []},
        ],
        old_schema=old_schema,
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.chrome_favicon", _db(tmp_path))
    assert ctx.warnings == 0
    assert [r.page_url for r in records] == [
        "https://news.example/",
        "https://news.example/world",
        "https://shop.example/cart",
        "https://bare.example/",
    ]
    news, world, shop, bare = records
    assert news.ts == T0 and news.last_updated == T0 and news.row == 1
    assert news.last_requested == datetime(2021, 6, 30, 22, 15, 6, 654321, tzinfo=UTC)
    assert news.icon_url == "https://news.example/favicon.ico" and news.bitmaps == 2
    assert news.icon_type == 1 and world.icon_id == news.icon_id == 1
    assert shop.last_updated is None
    assert shop.ts == shop.last_requested == datetime(2021, 6, 30, 22, 16, 1, 654321, tzinfo=UTC)
    assert bare.bitmaps == 0 and bare.ts is None and bare.icon_url == "https://bare.example/i.png"


def test_old_schema_without_last_requested(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.chrome_favicon", _db(tmp_path, old_schema=True))
    assert ctx.warnings == 0 and len(records) == 4
    assert records[0].ts == T0 and records[0].last_requested is None
    assert records[2].ts is None and records[2].page_url == "https://shop.example/cart"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons"
    cf.write(
        path,
        [
            {"url": "https://a.example/i", "pages": ["https://a.example/"], "last_updated": "x"},
            {"url": "https://b.example/i", "pages": [b"\x00bin"], "last_requested": 2**62},
        ],
    )
    records, ctx = parse("ios.chrome_favicon", path)
    assert len(records) == 2
    assert records[0].ts is None and records[0].page_url == "https://a.example/"
    assert records[1].page_url is None and records[1].last_requested is None
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons"
    sqlite3.connect(path).executescript(
        "CREATE TABLE icon_mapping (id INTEGER, page_url TEXT, icon_id INTEGER);"
        "CREATE TABLE favicons (id INTEGER, url TEXT);"
    ).close()
    with pytest.raises(SchemaMismatch, match="table favicon_bitmaps"):
        parse("ios.chrome_favicon", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Favicons"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 300)
    with pytest.raises(InputError):
        parse("ios.chrome_favicon", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.chrome_favicon"]
    globs = GlobSet(list(art.paths))
    rel = "Library/Application Support/Google/Chrome/Default/Favicons"
    assert globs.matches(device_path("AppDomain-com.google.chrome.ios", rel))
    uuid = "6F1C2A3B-0D4E-4F5A-9B8C-7D6E5F4A3B2C"
    assert globs.matches(f"/private/var/mobile/Containers/Data/Application/{uuid}/{rel}")
