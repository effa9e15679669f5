from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import sms
from tracehound.parsers.ios.sms_attachments import device_path

T0 = datetime(2021, 9, 1, 8, 30, 0, tzinfo=UTC)
HANDLES = [
    {"ROWID": 1, "id": "+15555550100", "service": "SMS"},
    {"ROWID": 2, "id": "stranger@example.com", "service": "iMessage"},
]
MESSAGES = [
    {"ROWID": 10, "handle_id": 1, "service": "SMS", "is_from_me": 0, "date": 1},
    {"ROWID": 11, "handle_id": 2, "service": "iMessage", "is_from_me": 0, "date": 2},
    {"ROWID": 12, "handle_id": 2, "service": "iMessage", "is_from_me": 1, "date": 3},
]


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "sms.db"
    sms.write(
        path,
        handles=HANDLES,
        messages=MESSAGES,
        attachments=[
            {
                "ROWID": 1,
                "guid": "AT-1",
                "message_id": 10,
                "created_date": int(to_cocoa(T0)),
                "start_date": 0,
                "filename": "~/Library/SMS/Attachments/0a/10/AT-1/IMG_0001.HEIC",
                "uti": "public.heic",
                "mime_type": "image/heic",
                "transfer_name": "IMG_0001.HEIC",
                "total_bytes": 123456,
                "is_outgoing": 0,
                "transfer_state": 5,
            },
            {
                "ROWID": 2,
                "message_id": 11,
                "created_date": int(to_cocoa(T0)) + 60,
                "filename": "/var/tmp/com.apple.messages/ABCDEF-1",
                "mime_type": "image/gif",
                "transfer_name": "image.gif",
                "total_bytes": 748,
                "is_outgoing": 0,
            },
            # an attachment whose message row is gone
            {"ROWID": 3, "created_date": 0, "filename": None, "is_outgoing": 1},
        ],
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.sms_attachments", _db(tmp_path))
    assert ctx.warnings == 0
    assert len(records) == 3
    photo, gif, orphan = records
    assert photo.row == 1 and photo.guid == "AT-1" and photo.message_row == 10
    assert photo.filename == "/private/var/mobile/Library/SMS/Attachments/0a/10/AT-1/IMG_0001.HEIC"
    assert photo.filename_raw == "~/Library/SMS/Attachments/0a/10/AT-1/IMG_0001.HEIC"
    assert photo.transfer_name == "IMG_0001.HEIC" and photo.mime_type == "image/heic"
    assert photo.total_bytes == 123456 and photo.transfer_state == 5
    assert photo.direction == "received" and photo.service == "SMS"
    assert photo.handle == "+15555550100" and photo.handle_email is None
    assert photo.ts == T0 and photo.started_at is None
    assert gif.filename == "/private/var/tmp/com.apple.messages/ABCDEF-1"
    assert gif.handle_email == "stranger@example.com" and gif.service == "iMessage"
    assert gif.ts == datetime(2021, 9, 1, 8, 31, 0, tzinfo=UTC)
    assert orphan.message_row is None and orphan.handle is None and orphan.service is None
    assert orphan.filename is None and orphan.direction == "sent" and orphan.ts is None


def test_nanoseconds_and_direction_fallback(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    cocoa_ns = int(to_cocoa(T0)) * 1_000_000_000 + 500_000
    sms.write(
        path,
        handles=HANDLES,
        messages=MESSAGES,
        attachments=[
            {
                "ROWID": 5,
                "message_id": 12,
                "created_date": cocoa_ns,
                "is_outgoing": None,
                "filename": "/private/var/mobile/Library/SMS/Attachments/x/y.pdf",
            },
        ],
    )
    records, ctx = parse("ios.sms_attachments", path)
    assert ctx.warnings == 0
    assert records[0].ts == datetime(2021, 9, 1, 8, 30, 0, 500, tzinfo=UTC)
    assert records[0].direction == "sent"  # from message.is_from_me
    assert records[0].filename == "/private/var/mobile/Library/SMS/Attachments/x/y.pdf"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    sms.write(
        path,
        handles=HANDLES,
        messages=MESSAGES,
        attachments=[
            {
                "ROWID": 1,
                "message_id": 10,
                "created_date": "today",
                "total_bytes": "lots",
                "filename": b"\x00\xff",
            },
        ],
    )
    records, ctx = parse("ios.sms_attachments", path)
    assert len(records) == 1
    assert records[0].ts is None and records[0].total_bytes is None and records[0].filename is None
    assert ctx.warnings == 3


def test_missing_join_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE attachment (filename TEXT); CREATE TABLE message (handle_id INTEGER);"
        "CREATE TABLE handle (id TEXT);"
    )
    conn.close()
    with pytest.raises(SchemaMismatch, match="table message_attachment_join"):
        parse("ios.sms_attachments", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    path.write_bytes(b"not sqlite at all")
    with pytest.raises(InputError, match="not a SQLite"):
        parse("ios.sms_attachments", path)


def test_device_path() -> None:
    assert (
        device_path("~/Library/SMS/Attachments/a")
        == "/private/var/mobile/Library/SMS/Attachments/a"
    )
    assert device_path("/var/tmp/x-1") == "/private/var/tmp/x-1"
    assert device_path("/private/var/tmp/x-1") == "/private/var/tmp/x-1"
    assert device_path("relative/name") is None
