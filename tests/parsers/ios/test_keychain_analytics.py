from __future__ import annotations

import plistlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import keychain_analytics as demo
from tracehound.parsers.ios.keychain_analytics import classify

T0 = datetime(2021, 5, 4, 8, 30, 0, tzinfo=UTC)
DB = "/private/var/Keychains/Analytics/ckks_analytics.db"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ckks_analytics.db"
    demo.write(
        path,
        [
            demo.event(
                "soft_failures",
                T0 + timedelta(minutes=5),
                "CKKSEventProcessIncomingQueue",
                build="18F72",
                errorDomain="CKErrorDomain",
                errorCode=3,
            ),
            demo.event(
                "hard_failures",
                T0,
                "CKKSEventFetchChanges",
                build="18E212",
                attributes={"client": "bh", "origin": "https://evil.example/x"},
                peer="cdn.evil.example",
                zone="com.apple.security.ckks",
            ),
            demo.event("notes", T0 + timedelta(days=1), "SOSCKKSStatus", build="18F72"),
        ],
    )
    records, ctx = parse("ios.keychain_analytics", path, DB)
    assert ctx.warnings == 0
    assert [(r.table, r.row) for r in records] == [
        ("hard_failures", 1),
        ("soft_failures", 1),
        ("notes", 1),
    ]
    hard, soft, note = records
    assert hard.ts == T0 and hard.event_type == "CKKSEventFetchChanges" and hard.event_class == 1
    assert hard.build == "18E212" and hard.product == "iPhone OS" and hard.first_of_build
    assert "bh" in hard.names and "com.apple.security.ckks" in hard.names
    assert hard.urls == ("https://evil.example/x",) and hard.hosts == ("cdn.evil.example",)
    assert "iPhone OS" not in hard.names and "iPhone12,1" not in hard.names
    assert soft.ts == T0 + timedelta(minutes=5) and soft.first_of_build and soft.build == "18F72"
    assert "CKErrorDomain" in soft.names and soft.urls == () and soft.hosts == ()
    assert note.ts == datetime(2021, 5, 5, 8, 30, tzinfo=UTC) and not note.first_of_build


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.db"
    demo.write(
        path,
        [
            {"table": "hard_failures", "timestamp": T0, "data": b"not a plist"},
            {"table": "soft_failures", "timestamp": "later", "data": {"eventType": "X"}},
            {
                "table": "notes",
                "timestamp": None,
                "data": plistlib.dumps(["a", "list"], fmt=plistlib.FMT_BINARY),
            },
            {"table": "notes", "timestamp": None, "data": {"eventTime": 1620117000000.0}},
        ],
    )
    records, ctx = parse("ios.keychain_analytics", path, DB)
    assert len(records) == 4
    by_table = {(r.table, r.row): r for r in records}
    assert by_table[("hard_failures", 1)].ts == T0 and by_table[("hard_failures", 1)].names == ()
    assert by_table[("soft_failures", 1)].ts is None
    assert by_table[("notes", 2)].ts == datetime(2021, 5, 4, 8, 30, tzinfo=UTC)
    assert ctx.warnings == 3  # not a plist, bad timestamp, plist is a list


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE hard_failures (id INTEGER PRIMARY KEY, timestamp REAL, data BLOB)")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table soft_failures"):
        parse("ios.keychain_analytics", path, DB)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xee" * 600)
    with pytest.raises(InputError):
        parse("ios.keychain_analytics", path, DB)


def test_legacy_all_events_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """The older SFAnalyticsLogger wrote every event to all_events (no notes table)."""
    path = tmp_path / "old.db"
    demo.write(
        path,
        [
            demo.event("all_events", T0, "SOSAccountCheckIn", build="15A372", topic="KeySyncTopic"),
            demo.event("hard_failures", T0 + timedelta(seconds=1), "SOSAccountCheckIn"),
        ],
        legacy=True,
    )
    records, ctx = parse("ios.keychain_analytics", path, DB)
    assert ctx.warnings == 0
    assert [(r.table, r.build, r.first_of_build) for r in records] == [
        ("all_events", "15A372", True),
        ("hard_failures", "18F72", True),
    ]
    assert "KeySyncTopic" in records[0].names


def test_classify() -> None:
    names, urls, hosts = classify(
        [
            "roleaccountd",
            "http://a.example:8080/p",
            "free247downloads.com",
            "com.apple.ckks",
            "org.example.thing",
            "12345",
            "two words",
            "iPhone10,3",
        ]
    )
    assert names == ("roleaccountd", "com.apple.ckks", "org.example.thing")
    assert urls == ("http://a.example:8080/p",)
    assert hosts == ("free247downloads.com",)
