from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import netusage
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.netusage import NetUsage

T0 = datetime(2022, 9, 12, 17, 0, 0, tzinfo=UTC)
NEW_PATH = "/private/var/networkd/db/netusage.sqlite"


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "netusage.sqlite"
    netusage.write(
        path,
        processes=[
            {
                "Z_PK": 1,
                "ZPROCNAME": "nehelper",
                "ZBUNDLENAME": None,
                "ZFIRSTTIMESTAMP": to_cocoa(T0),
                "ZTIMESTAMP": to_cocoa(T0) + 30,
            },
            {
                "Z_PK": 2,
                "ZPROCNAME": "BackupAgent/com.apple.backupd",
                "ZBUNDLENAME": "com.apple.backupd",
                "ZFIRSTTIMESTAMP": to_cocoa(T0) + 10.25,
                "ZTIMESTAMP": to_cocoa(T0) + 60,
            },
        ],
        usage=[
            {
                "Z_PK": 5,
                "ZHASPROCESS": 1,
                "ZTIMESTAMP": to_cocoa(T0) + 45,
                "ZWIFIIN": 2048.0,
                "ZWIFIOUT": 100.0,
                "ZWWANIN": 0.0,
                "ZWWANOUT": 0.0,
                "ZWIREDIN": 7.0,
            },
            {  # process row 4 is gone
                "Z_PK": 6,
                "ZHASPROCESS": 4,
                "ZTIMESTAMP": to_cocoa(T0) + 90,
                "ZWIFIIN": 1.0,
                "ZWIFIOUT": 2.0,
                "ZWWANIN": 3.0,
                "ZWWANOUT": 4.0,
            },
        ],
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.netusage", _db(tmp_path), NEW_PATH)
    assert ctx.warnings == 0
    assert len(records) == 3
    assert all(type(r) is NetUsage and isinstance(r, DataUsage) for r in records)
    assert {r.TYPE for r in records} == {"ios.netusage"}
    by_key = {(r.process_pk, r.usage_pk): r for r in records}
    nehelper = by_key[(1, 5)]
    assert nehelper.process_name == "nehelper" and nehelper.bundle_id is None
    assert nehelper.ts == datetime(2022, 9, 12, 17, 0, 45, tzinfo=UTC)
    assert nehelper.first_seen == T0 and nehelper.wifi_in == 2048.0
    agent = by_key[(2, None)]
    assert agent.process_name == "BackupAgent"
    assert agent.process_raw == "BackupAgent/com.apple.backupd"
    assert agent.first_seen == datetime(2022, 9, 12, 17, 0, 10, 250000, tzinfo=UTC)
    assert agent.ts == datetime(2022, 9, 12, 17, 1, tzinfo=UTC) and agent.row == 2
    gone = by_key[(4, 6)]
    assert gone.process_missing and gone.row == 6 and gone.wwan_out == 4.0


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "netusage.sqlite"
    netusage.write(
        path,
        processes=[
            {"Z_PK": 1, "ZPROCNAME": b"\x00\xff", "ZFIRSTTIMESTAMP": "soon", "ZTIMESTAMP": 1.0}
        ],
        usage=[{"Z_PK": 2, "ZHASPROCESS": 1, "ZTIMESTAMP": 5.0, "ZWIFIIN": "x"}],
    )
    records, ctx = parse("ios.netusage", path)
    assert len(records) == 1
    rec = records[0]
    assert rec.process_name is None and rec.first_seen is None and rec.wifi_in is None
    assert rec.ts == datetime(2001, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "netusage.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER, ZHASPROCESS INTEGER);")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table ZPROCESS"):
        parse("ios.netusage", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "netusage.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x01junk" * 200)
    with pytest.raises(InputError):
        parse("ios.netusage", path)


def test_minimal_layout_reads_absent_columns_as_null(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """A netusage database without ZBUNDLENAME/ZFIRSTTIMESTAMP/ZWWAN*: absent columns are NULL."""
    path = tmp_path / "netusage.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZTIMESTAMP TIMESTAMP, ZPROCNAME VARCHAR);"
        "CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, "
        "ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT);"
        f"INSERT INTO ZPROCESS VALUES (3, {to_cocoa(T0)}, 'mDNSResponder');"
        f"INSERT INTO ZLIVEUSAGE VALUES (9, 3, {to_cocoa(T0) + 1}, 10.0, 20.0);"
    )
    conn.commit()
    conn.close()
    records, ctx = parse("ios.netusage", path, "/private/var/networkd/netusage.sqlite")
    assert ctx.warnings == 0 and len(records) == 1
    rec = records[0]
    assert rec.process_name == "mDNSResponder" and rec.bundle_id is None
    assert rec.first_seen is None and rec.wwan_in is None and rec.wifi_out == 20.0
    assert rec.ts == datetime(2022, 9, 12, 17, 0, 1, tzinfo=UTC)
