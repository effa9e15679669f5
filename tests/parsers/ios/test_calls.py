from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import calls

T0 = datetime(2023, 2, 14, 9, 30, 15, 250000, tzinfo=UTC)


def _db(tmp_path: Path, legacy: bool = False) -> Path:
    path = tmp_path / "CallHistory.storedata"
    calls.write(
        path,
        [
            {
                "Z_PK": 1,
                "ZDATE": to_cocoa(T0),
                "ZDURATION": 125.5,
                "ZADDRESS": "+15550100001",
                "ZORIGINATED": 1,
                "ZANSWERED": 1,
                "ZLOCATION": "Springfield, IL",
                "ZISO_COUNTRY_CODE": "us",
            },
            {
                "Z_PK": 2,
                "ZDATE": to_cocoa(T0) + 3600,
                "ZADDRESS": b"friend@example.org",  # FaceTime handle stored as a BLOB
                "ZCALLTYPE": calls.FACETIME_VIDEO,
                "ZSERVICE_PROVIDER": "com.apple.FaceTime",
                "ZANSWERED": 0,
                "ZREAD": 0,
            },
            {
                "Z_PK": 3,
                "ZDATE": to_cocoa(T0) + 7200,
                "ZADDRESS": "vxJ3kq9@whatsapp",
                "ZCALLTYPE": calls.THIRD_PARTY,
                "ZSERVICE_PROVIDER": "net.whatsapp.WhatsApp",
                "ZDURATION": 12.0,
            },
        ],
        legacy=legacy,
    )
    return path


@pytest.mark.parametrize("legacy", [False, True])
def test_good(tmp_path: Path, parse, legacy: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.calls", _db(tmp_path, legacy))
    assert ctx.warnings == 0
    assert [r.row for r in records] == [1, 2, 3]
    out, facetime, voip = records
    assert out.ts == T0 and out.address == "+15550100001" and out.direction == "outgoing"
    assert out.answered is True and out.duration == 125.5 and out.call_type == "phone"
    assert out.location == "Springfield, IL" and out.country == "us"
    assert out.service_provider == "com.apple.Telephony" and out.unique_id
    assert facetime.ts == datetime(2023, 2, 14, 10, 30, 15, 250000, tzinfo=UTC)
    assert facetime.address == "friend@example.org" and facetime.direction == "incoming"
    assert facetime.answered is False and facetime.read is False
    assert facetime.call_type == "facetime_video" and facetime.call_type_raw == 8
    assert voip.call_type == "third_party" and voip.service_provider == "net.whatsapp.WhatsApp"
    # the legacy schema has no junk column: it reads as None, not as an error
    assert out.junk_confidence == (None if legacy else 0)


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "CallHistory.storedata"
    calls.write(
        path,
        [
            {"Z_PK": 1, "ZDATE": "yesterday", "ZCALLTYPE": "video", "ZORIGINATED": "out"},
            {"Z_PK": 2, "ZDATE": 1e300, "ZDURATION": "long", "ZADDRESS": None},
            {"Z_PK": 3, "ZDATE": None, "ZADDRESS": "+15550100002"},
        ],
    )
    records, ctx = parse("ios.calls", path)
    assert len(records) == 3
    first, second, third = records
    assert first.ts is None and first.call_type is None and first.direction is None
    assert second.ts is None and second.duration is None
    assert third.ts is None and third.address == "+15550100002"
    assert ctx.warnings == 5  # ZDATE, ZCALLTYPE, ZORIGINATED; ZDATE, ZDURATION


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "CallHistory.storedata"
    sqlite3.connect(path).executescript("CREATE TABLE ZHANDLE (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table ZCALLRECORD"):
        parse("ios.calls", path)
    path.unlink()
    sqlite3.connect(path).executescript("CREATE TABLE ZCALLRECORD (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match=r"column ZCALLRECORD\.ZDATE"):
        parse("ios.calls", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "CallHistory.storedata"
    path.write_bytes(b"SQLite format 3\x00" + b"\x01broken" * 200)
    with pytest.raises(InputError):
        parse("ios.calls", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.calls"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(device_path("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"))
    assert globs.matches("/private/var/mobile/Library/CallHistoryDB/CallHistory.storedata")
