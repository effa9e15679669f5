from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.demo.ios import firefox_favicon as ff

T0 = datetime(2022, 11, 3, 16, 45, 9, 500000, tzinfo=UTC)


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "browser.db"
    ff.write(
        path,
        history=[
            {"id": 1, "url": "https://www.example.com/", "title": "Example"},
            {"id": 2, "url": "https://www.example.com/news", "title": "News"},
        ],
        favicons=[
            {"id": 1, "url": "https://www.example.com/favicon.ico", "date": T0.timestamp()},
            {"id": 2, "url": "https://cdn.example/orphan.png", "date": T0.timestamp() + 60},
        ],
        favicon_sites=[{"siteID": 1, "faviconID": 1}, {"siteID": 2, "faviconID": 1}],
        old_schema=old_schema,
    )
    return path


@pytest.mark.parametrize("old_schema", [False, True])
def test_good(tmp_path: Path, parse, old_schema: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.firefox_favicon", _db(tmp_path, old_schema))
    assert ctx.warnings == 0
    assert [(r.row, r.page_url) for r in records] == [
        (1, "https://www.example.com/"),
        (1, "https://www.example.com/news"),
        (2, None),
    ]
    first, second, orphan = records
    assert first.ts == T0 and first.icon_url == "https://www.example.com/favicon.ico"
    assert first.site_id == 1 and second.site_id == 2 and first.width == 32
    assert first.icon_type == 0
    assert orphan.ts == datetime(2022, 11, 3, 16, 46, 9, 500000, tzinfo=UTC)
    assert orphan.icon_url == "https://cdn.example/orphan.png" and orphan.site_id is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    ff.write(
        path,
        history=[{"id": 1, "url": "https://a.example/"}],
        favicons=[{"id": 1, "url": "https://a.example/i.png", "date": "never", "width": "big"}],
        favicon_sites=[{"siteID": 1, "faviconID": 1}],
    )
    records, ctx = parse("ios.firefox_favicon", path)
    assert len(records) == 1
    assert records[0].ts is None and records[0].width is None
    assert records[0].page_url == "https://a.example/"
    assert ctx.warnings == 2


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    sqlite3.connect(path).executescript(
        "CREATE TABLE history (id INTEGER, url TEXT); CREATE TABLE favicons (id INTEGER, url TEXT);"
    ).close()
    with pytest.raises(SchemaMismatch, match="table favicon_sites"):
        parse("ios.firefox_favicon", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    path.write_bytes(b"bplist00" + b"\x00" * 64)
    with pytest.raises(InputError):
        parse("ios.firefox_favicon", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.firefox_favicon"]
    globs = GlobSet(list(art.paths))
    domain = "AppDomainGroup-group.org.mozilla.ios.Firefox"
    assert globs.matches(device_path(domain, "profile.profile/browser.db"))
