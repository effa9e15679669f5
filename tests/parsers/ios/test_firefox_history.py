from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.demo.ios import firefox_history as ff
from tracehound.parsers.ios.firefox_history import from_unix_us

T0 = datetime(2022, 11, 3, 16, 45, 9, 987654, tzinfo=UTC)
US0 = int(T0.timestamp()) * 1_000_000 + 987654


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "browser.db"
    ff.write(
        path,
        history=[
            {"id": 1, "url": "https://www.example.com/", "title": "Example"},
            {"id": 2, "url": "http://short.example/x", "title": ""},
            {"id": 3, "url": "https://landing.example/p?id=1", "title": "Landing"},
        ],
        visits=[
            {"id": 1, "siteID": 1, "date": US0, "type": ff.TYPED},
            {"id": 2, "siteID": 2, "date": US0 + 2_000_000, "type": ff.LINK},
            {"id": 3, "siteID": 3, "date": US0 + 2_150_000, "type": ff.TEMPORARY_REDIRECT},
            {"id": 4, "siteID": 1, "date": US0 - 86_400_000_000, "is_local": 0},
        ],
        old_schema=old_schema,
    )
    return path


@pytest.mark.parametrize("old_schema", [False, True])
def test_good(tmp_path: Path, parse, old_schema: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.firefox_history", _db(tmp_path, old_schema))
    assert ctx.warnings == 0
    assert [r.visit_id for r in records] == [1, 2, 3, 4]
    typed, link, redirect, synced = records
    assert typed.ts == T0 and typed.url == "https://www.example.com/" and typed.title == "Example"
    assert typed.visit_type == "typed" and typed.site_id == 1 and typed.row == 1
    assert link.ts == datetime(2022, 11, 3, 16, 45, 11, 987654, tzinfo=UTC)
    assert redirect.ts == datetime(2022, 11, 3, 16, 45, 12, 137654, tzinfo=UTC)
    assert redirect.visit_type == "temporary_redirect" and redirect.visit_type_raw == 6
    assert synced.ts == datetime(2022, 11, 2, 16, 45, 9, 987654, tzinfo=UTC)
    if old_schema:
        assert typed.is_local is None and synced.is_local is None
    else:
        assert typed.is_local is True and synced.is_local is False


def test_converter() -> None:
    assert from_unix_us(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert from_unix_us(1.5e6) == datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    assert from_unix_us(None) is None and from_unix_us(2**80) is None
    assert from_unix_us(float("nan")) is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    ff.write(
        path,
        history=[{"id": 1, "url": "https://a.example/", "title": b"\xff"}],
        visits=[
            {"id": 1, "siteID": 1, "date": "today", "type": "link"},
            {"id": 2, "siteID": 9, "date": 1e300},  # page row gone, absurd date
        ],
    )
    records, ctx = parse("ios.firefox_history", path)
    assert len(records) == 2
    assert records[0].ts is None and records[0].visit_type is None and records[0].title is None
    assert records[0].url == "https://a.example/"
    assert records[1].ts is None and records[1].url is None and records[1].site_id == 9
    assert ctx.warnings == 4  # date, type, title; date


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    sqlite3.connect(path).executescript("CREATE TABLE history (id INTEGER, url TEXT);").close()
    with pytest.raises(SchemaMismatch, match="table visits"):
        parse("ios.firefox_history", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "browser.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00\x10" + b"junk" * 100)
    with pytest.raises(InputError):
        parse("ios.firefox_history", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.firefox_history"]
    globs = GlobSet(list(art.paths))
    domain = "AppDomainGroup-group.org.mozilla.ios.Firefox"
    assert globs.matches(device_path(domain, "profile.profile/browser.db"))
    uuid = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"
    assert globs.matches(
        f"/private/var/mobile/Containers/Shared/AppGroup/{uuid}/profile.profile/browser.db"
    )
