from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import cache_files
from tracehound.parsers.ios.cache_files import cache_folder, from_sqlite_timestamp

T0 = datetime(2021, 6, 30, 22, 14, 5, tzinfo=UTC)
CT_PATH = "/private/var/mobile/Library/Caches/com.apple.coretelephony/Cache.db"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Cache.db"
    cache_files.write(
        path,
        [
            {
                "request_key": "https://carrier.example.net/config.plist",
                "time_stamp": T0,
                "hash_value": 7366274791171153819,
                "storage_policy": 1,
            },
            {
                "request_key": "https://x.y.urlpush.example/a?b=c",
                "time_stamp": "2021-07-01 00:00:01",
                "partition": "https_example.org",
            },
        ],
    )
    records, ctx = parse("ios.cache_files", path, CT_PATH)
    assert ctx.warnings == 0
    assert len(records) == 2
    first, second = records
    assert first.url == "https://carrier.example.net/config.plist"
    assert first.ts == T0 and first.row == 1 and first.entry_id == 1
    assert first.hash_value == 7366274791171153819 and first.storage_policy == 1
    assert first.cache_folder == "com.apple.coretelephony" and first.partition is None
    assert second.ts == datetime(2021, 7, 1, 0, 0, 1, tzinfo=UTC)
    assert second.partition == "https_example.org" and second.version == 0


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Cache.db"
    cache_files.write(
        path,
        [
            {"request_key": "https://a.example/", "time_stamp": "yesterday"},
            {"request_key": b"\xff\x00", "time_stamp": 12345, "version": "one"},
        ],
    )
    records, ctx = parse("ios.cache_files", path, CT_PATH)
    assert len(records) == 2
    assert records[0].url == "https://a.example/" and records[0].ts is None
    assert records[1].url is None and records[1].version is None and records[1].ts is None
    assert ctx.warnings == 4  # bad stamp, url not text, stamp not text, version not integer


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Cache.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cfurl_cache_blob_data (entry_ID INTEGER)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table cfurl_cache_response"):
        parse("ios.cache_files", path, CT_PATH)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cfurl_cache_response (entry_ID INTEGER, time_stamp TEXT)")
    conn.close()
    with pytest.raises(SchemaMismatch, match=r"column cfurl_cache_response\.request_key"):
        parse("ios.cache_files", path, CT_PATH)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Cache.db"
    path.write_bytes(b"not sqlite at all")
    with pytest.raises(InputError):
        parse("ios.cache_files", path, CT_PATH)


def test_legacy_layout_without_partition(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Cache.db"
    cache_files.write(path, [{"request_key": "http://old.example/x", "time_stamp": T0}], True)
    conn = sqlite3.connect(path)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(cfurl_cache_response)")}
    conn.close()
    assert "partition" not in cols
    app = "/private/var/mobile/Containers/Data/Application/0A1B/Library/Caches/com.x.app/Cache.db"
    records, ctx = parse("ios.cache_files", path, app)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].partition is None and records[0].cache_folder == "com.x.app"
    assert records[0].url == "http://old.example/x" and records[0].ts == T0


def test_helpers() -> None:
    assert from_sqlite_timestamp("2021-01-12 09:01:10") == datetime(
        2021, 1, 12, 9, 1, 10, tzinfo=UTC
    )
    assert from_sqlite_timestamp("2021-01-12 09:01:10.250") == datetime(
        2021, 1, 12, 9, 1, 10, 250000, tzinfo=UTC
    )
    assert from_sqlite_timestamp("12/01/2021") is None and from_sqlite_timestamp(5) is None
    assert cache_folder("/Cache.db") is None
