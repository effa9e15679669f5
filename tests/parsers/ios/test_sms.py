from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import sms
from tracehound.parsers.common.typedstream import archive_text
from tracehound.parsers.ios.sms import extract_links

T0 = datetime(2021, 7, 1, 12, 0, 0, tzinfo=UTC)


def ns(value: datetime) -> int:
    """Cocoa nanoseconds, exact to the microsecond."""
    delta = value - datetime(2001, 1, 1, tzinfo=UTC)
    return ((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000


HANDLES = [
    {"ROWID": 1, "id": "+15555550100", "service": "SMS"},
    {"ROWID": 2, "id": "friend@example.com", "service": "iMessage"},
]


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "sms.db"
    sms.write(
        path,
        handles=HANDLES,
        messages=[
            {
                "ROWID": 1,
                "guid": "AAAA-1",
                "handle_id": 1,
                "service": "SMS",
                "account": "P:+15555550199",
                "text": "Your parcel: https://parcel.example.net/t?id=42. Or (see http://b.example.org/x).",
                "date": ns(T0 + timedelta(microseconds=250)),
                "date_read": ns(T0 + timedelta(seconds=30)),
                "date_delivered": 0,
                "is_from_me": 0,
                "is_read": 1,
            },
            {
                "ROWID": 2,
                "handle_id": 2,
                "text": None,
                "attributedBody": archive_text("Seen this? https://news.example.org/a"),
                "date": ns(T0 + timedelta(minutes=5)),
                "date_read": 0,
                "date_delivered": ns(T0 + timedelta(minutes=5, seconds=1)),
                "is_from_me": 1,
                "is_read": 0,
                "cache_has_attachments": 1,
            },
            # iOS 10 database: Cocoa seconds, and a message without handle
            {"ROWID": 3, "handle_id": 0, "text": "hello", "date": int(to_cocoa(T0))},
        ],
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.sms", _db(tmp_path))
    assert ctx.warnings == 0
    assert len(records) == 3
    first, second, third = records
    assert first.row == 1 and first.guid == "AAAA-1"
    assert first.handle == "+15555550100" and first.handle_email is None
    assert first.service == "SMS" and first.account == "P:+15555550199"
    assert first.direction == "received" and first.is_read is True
    assert first.ts == datetime(2021, 7, 1, 12, 0, 0, 250, tzinfo=UTC)
    assert first.read_at == datetime(2021, 7, 1, 12, 0, 30, tzinfo=UTC)
    assert first.delivered_at is None
    assert first.links == ("https://parcel.example.net/t?id=42", "http://b.example.org/x")
    assert not first.has_attachments and not first.has_attributed_body
    assert second.handle_email == "friend@example.com" and second.direction == "sent"
    assert second.text == "Seen this? https://news.example.org/a"
    assert second.text_source == "attributedBody" and second.has_attributed_body
    assert second.links == ("https://news.example.org/a",) and first.text_source == "text"
    assert second.has_attachments and second.read_at is None
    assert second.delivered_at == datetime(2021, 7, 1, 12, 5, 1, tzinfo=UTC)
    assert third.ts == T0 and third.handle is None and third.text == "hello"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    sms.write(
        path,
        handles=HANDLES,
        messages=[
            {"ROWID": 1, "handle_id": 1, "text": b"\xff\xfe", "date": "yesterday"},
            {"ROWID": 2, "handle_id": 9, "text": "ok http://x.example", "date_read": "soon"},
            {"ROWID": 3, "handle_id": 1, "text": None, "attributedBody": b"\x04\x0bstreamtyped?"},
        ],
    )
    records, ctx = parse("ios.sms", path)
    assert len(records) == 3
    assert records[0].text is None and records[0].ts is None
    assert records[2].text is None and records[2].text_source is None
    assert records[1].read_at is None and records[1].handle is None
    assert records[1].links == ("http://x.example",)
    assert ctx.warnings == 4


def test_old_schema_without_optional_columns(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL);"
        "CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT, text TEXT,"
        " handle_id INTEGER, date INTEGER, is_from_me INTEGER);"
        "INSERT INTO handle VALUES (1, '+15555550100');"
        f"INSERT INTO message VALUES (7, 'G', 'hi', 1, {int(to_cocoa(T0))}, 1);"
    )
    conn.commit()
    conn.close()
    records, ctx = parse("ios.sms", path)
    assert ctx.warnings == 0
    assert len(records) == 1
    rec = records[0]
    assert rec.row == 7 and rec.ts == T0 and rec.direction == "sent"
    assert rec.service is None and rec.is_read is None and not rec.has_attributed_body


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE message (text TEXT, date INTEGER, handle_id INTEGER);")
    conn.close()
    with pytest.raises(SchemaMismatch, match="table handle"):
        parse("ios.sms", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00junk" * 200)
    with pytest.raises(InputError):
        parse("ios.sms", path)


def test_extract_links() -> None:
    text = 'a "https://x.example/a_(b)" b <http://y.example/p>, c HTTPS://Z.example/q!) http://'
    assert extract_links(text) == (
        "https://x.example/a_(b)",
        "http://y.example/p",
        "HTTPS://Z.example/q",
    )
    assert extract_links("see https://d.example/ and https://d.example/.") == (
        "https://d.example/",
    )
    assert extract_links("no links here") == ()
    assert extract_links("http://a https://") == ("http://a",)
