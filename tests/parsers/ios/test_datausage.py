from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import datausage

T0 = datetime(2021, 7, 1, 12, 0, 0, tzinfo=UTC)


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "DataUsage.sqlite"
    datausage.write(
        path,
        processes=[
            {
                "Z_PK": 1,
                "ZPROCNAME": "locationd/com.apple.locationd",
                "ZBUNDLENAME": "com.apple.locationd",
                "ZFIRSTTIMESTAMP": to_cocoa(T0),
                "ZTIMESTAMP": to_cocoa(T0),
            },
            {
                "Z_PK": 2,
                "ZPROCNAME": "nsurlsessiond",
                "ZBUNDLENAME": None,
                "ZFIRSTTIMESTAMP": None,
                "ZTIMESTAMP": to_cocoa(T0),
            },
        ],
        usage=[
            {
                "Z_PK": 10,
                "ZHASPROCESS": 1,
                "ZTIMESTAMP": to_cocoa(T0) + 60.5,
                "ZWIFIIN": 1024.0,
                "ZWIFIOUT": 12.0,
                "ZWWANIN": 0.0,
                "ZWWANOUT": 0.0,
            },
            # process row 7 was deleted: the usage row survives
            {
                "Z_PK": 11,
                "ZHASPROCESS": 7,
                "ZTIMESTAMP": to_cocoa(T0) + 120,
                "ZWIFIIN": 5.0,
                "ZWIFIOUT": 1.0,
                "ZWWANIN": 0.0,
                "ZWWANOUT": 0.0,
            },
        ],
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.datausage", _db(tmp_path))
    assert ctx.warnings == 0
    assert len(records) == 3
    by_row = {(r.process_pk, r.usage_pk): r for r in records}
    loc = by_row[(1, 10)]
    assert loc.process_name == "locationd"
    assert loc.process_raw == "locationd/com.apple.locationd"
    assert loc.bundle_id == "com.apple.locationd"
    assert loc.ts == datetime(2021, 7, 1, 12, 1, 0, 500000, tzinfo=UTC)
    assert loc.first_seen == T0
    assert loc.wifi_in == 1024.0 and not loc.process_missing
    nsurl = by_row[(2, None)]
    assert nsurl.process_name == "nsurlsessiond" and nsurl.ts == T0 and nsurl.first_seen is None
    gone = by_row[(7, 11)]
    assert gone.process_missing and gone.process_name is None and gone.row == 11
    assert gone.ts == datetime(2021, 7, 1, 12, 2, 0, tzinfo=UTC)


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "DataUsage.sqlite"
    datausage.write(
        path,
        processes=[{"Z_PK": 1, "ZPROCNAME": b"\xff\x00bin", "ZTIMESTAMP": "not a time"}],
        usage=[{"Z_PK": 3, "ZHASPROCESS": 1, "ZWIFIIN": "lots", "ZTIMESTAMP": None}],
    )
    records, ctx = parse("ios.datausage", path)
    assert len(records) == 1
    assert records[0].process_name is None and records[0].wifi_in is None
    assert records[0].ts is None
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "DataUsage.sqlite"
    sqlite3.connect(path).executescript(
        "CREATE TABLE ZPROCESS (Z_PK INTEGER, ZPROCNAME TEXT);"
    ).close()
    with pytest.raises(SchemaMismatch, match="table ZLIVEUSAGE"):
        parse("ios.datausage", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "DataUsage.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 100)
    with pytest.raises(InputError):
        parse("ios.datausage", path)
    path.write_bytes(b"hello")
    with pytest.raises(InputError, match="not a SQLite"):
        parse("ios.datausage", path)
