from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import tcc

T0 = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)
U0 = int(T0.timestamp())


def test_v3(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    tcc.write(
        path,
        [
            {
                "service": "kTCCServiceCamera",
                "client": "com.example.chat",
                "client_type": 0,
                "auth_value": 2,
                "auth_reason": 2,
                "last_modified": U0,
            },
            {
                "service": "kTCCServiceMicrophone",
                "client": "/usr/libexec/odd_daemon",
                "client_type": 1,
                "auth_value": 0,
                "auth_reason": 4,
                "last_modified": U0 + 60,
            },
            {
                "service": "kTCCServicePhotos",
                "client": "com.example.photos",
                "auth_value": 3,
                "auth_reason": 3,
                "last_modified": U0 + 120,
            },
            {
                "service": "kTCCServiceLiverpool",
                "client": "com.example.sync",
                "auth_value": 1,
                "auth_reason": 11,
                "last_modified": 0,
            },
        ],
        version=3,
    )
    records, ctx = parse("ios.tcc", path)
    assert ctx.warnings == 0
    assert len(records) == 4
    cam, mic, photos, other = records
    assert cam.schema == "v3" and cam.service == "kTCCServiceCamera"
    assert cam.client_bundle == "com.example.chat" and cam.client_path is None
    assert cam.client_name == "com.example.chat"
    assert cam.allowed is True and cam.access == "allowed" and cam.reason == "user_consent"
    assert cam.ts == T0 and cam.row == 1 and cam.indirect_object == "UNUSED"
    assert mic.client_path == "/usr/libexec/odd_daemon" and mic.client_bundle is None
    assert mic.client_name == "odd_daemon" and mic.allowed is False and mic.access == "denied"
    assert mic.reason == "system_set" and mic.ts == datetime(2022, 3, 4, 5, 7, 7, tzinfo=UTC)
    assert photos.allowed is True and photos.access == "limited" and photos.auth_value == 3
    assert other.allowed is None and other.access == "unknown" and other.ts is None
    assert other.reason == "entitled" and other.prompt_count is None


def test_v2(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    tcc.write(
        path,
        [
            {
                "service": "kTCCServiceMicrophone",
                "client": "com.example.voice",
                "allowed": 1,
                "prompt_count": 1,
                "last_modified": U0,
            },
            {
                "service": "kTCCServiceCamera",
                "client": "com.example.voice",
                "allowed": 0,
                "prompt_count": 2,
                "last_modified": U0,
            },
        ],
        version=2,
    )
    records, ctx = parse("ios.tcc", path)
    assert ctx.warnings == 0
    assert [(r.schema, r.service, r.allowed, r.access, r.prompt_count, r.ts) for r in records] == [
        ("v2", "kTCCServiceMicrophone", True, "allowed", 1, T0),
        ("v2", "kTCCServiceCamera", False, "denied", 2, T0),
    ]
    assert records[0].auth_value is None and records[0].reason is None


def test_v1(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    tcc.write(
        path,
        [
            {
                "service": "kTCCServiceAddressBook",
                "client": "com.example.old",
                "allowed": 1,
                "prompt_count": 1,
            }
        ],
        version=1,
    )
    records, ctx = parse("ios.tcc", path)
    assert ctx.warnings == 0
    assert len(records) == 1
    rec = records[0]
    assert rec.schema == "v1" and rec.ts is None and rec.allowed is True
    assert rec.client_bundle == "com.example.old" and rec.indirect_object is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    tcc.write(
        path,
        [
            {
                "service": "kTCCServiceCamera",
                "client": "com.example.a",
                "auth_value": "yes",
                "last_modified": "last week",
            },
            {"service": "kTCCServiceCamera", "client": b"\xff", "client_type": "bundle"},
        ],
        version=3,
    )
    records, ctx = parse("ios.tcc", path)
    assert len(records) == 2
    assert records[0].allowed is None and records[0].ts is None
    assert records[1].client is None and records[1].client_name is None
    assert ctx.warnings == 4


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    sqlite3.connect(path).executescript("CREATE TABLE admin (key TEXT, value INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table access"):
        parse("ios.tcc", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "TCC.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xffbroken" * 64)
    with pytest.raises(InputError):
        parse("ios.tcc", path)
