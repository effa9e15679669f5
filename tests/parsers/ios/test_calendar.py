from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.records import Kind, semantic_values
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import calendar as cal

START = datetime(2021, 1, 15, 9, 0, 0, tzinfo=UTC)
CREATED = datetime(2021, 2, 14, 3, 21, 7, 500000, tzinfo=UTC)


def _db(tmp_path: Path, legacy: bool = False) -> Path:
    path = tmp_path / "Calendar.sqlitedb"
    cal.write(
        path,
        events=[
            {
                "ROWID": 1,
                "summary": "Dentist",
                "description": "bring card",
                "start_date": to_cocoa(START),
                "end_date": to_cocoa(START) + 1800,
                "creation_date": to_cocoa(START) - 86400,
                "last_modified": to_cocoa(START) - 3600,
                "location_id": 1,
            },
            {  # an invitation created a month after its start date
                "ROWID": 2,
                "summary": "Meeting",
                "description": "Notes",
                "start_date": to_cocoa(START),
                "start_tz": "_float",
                "creation_date": to_cocoa(CREATED),
                "organizer_id": 1,
                "url": "https://meet.example/j/1",
                "hidden": 1,
            },
        ],
        participants=[
            {"ROWID": 1, "email": "organizer@icloud.example", "owner_id": 2, "identity_id": 1},
            {"ROWID": 2, "email": "me@example.org", "owner_id": 2, "entity_type": cal.INVITEE},
        ],
        identities=[{"ROWID": 1, "display_name": "Org Anizer"}],
        locations=[{"ROWID": 1, "title": "Clinic"}],
        legacy=legacy,
    )
    return path


@pytest.mark.parametrize("legacy", [False, True])
def test_good(tmp_path: Path, parse, legacy: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.calendar", _db(tmp_path, legacy))
    assert ctx.warnings == 0
    assert [r.row for r in records] == [1, 2]
    dentist, invite = records
    assert dentist.ts == START and dentist.ended == datetime(2021, 1, 15, 9, 30, tzinfo=UTC)
    assert dentist.created == datetime(2021, 1, 14, 9, 0, tzinfo=UTC)
    assert dentist.modified == datetime(2021, 1, 15, 8, 0, tzinfo=UTC)
    assert dentist.location == "Clinic" and dentist.calendar == "Calendar"
    assert dentist.organizer_email is None and dentist.all_day is False
    assert dentist.created_after_start == -86400.0 and not dentist.floating
    assert invite.summary == "Meeting" and invite.description == "Notes"
    assert invite.created == CREATED and invite.modified is None and invite.floating
    assert invite.created_after_start == (CREATED - START).total_seconds()
    assert invite.organizer_email == "organizer@icloud.example" and invite.hidden is True
    assert invite.organizer_name == (None if legacy else "Org Anizer")
    assert invite.uuid and invite.uuid == invite.unique_identifier
    kinds = {(k, v) for _, k, v in semantic_values(invite)}
    assert kinds == {
        (Kind.EMAIL, "organizer@icloud.example"),
        (Kind.URL, "https://meet.example/j/1"),
    }


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Calendar.sqlitedb"
    cal.write(
        path,
        events=[
            {"ROWID": 1, "summary": b"\x01", "start_date": "tomorrow", "all_day": "yes"},
            {"ROWID": 2, "summary": "ok", "start_date": 0.0, "organizer_id": 7},  # no such row
        ],
    )
    records, ctx = parse("ios.calendar", path)
    assert len(records) == 2
    assert records[0].summary is None and records[0].ts is None and records[0].all_day is None
    assert records[1].ts == datetime(2001, 1, 1, tzinfo=UTC) and records[1].organizer_email is None
    assert ctx.warnings == 3


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Calendar.sqlitedb"
    sqlite3.connect(path).executescript(
        "CREATE TABLE CalendarItem (summary TEXT, description TEXT, start_date REAL,"
        " organizer_id INTEGER);"
    ).close()
    with pytest.raises(SchemaMismatch, match="table Participant"):
        parse("ios.calendar", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Calendar.sqlitedb"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\xee" * 500)
    with pytest.raises(InputError):
        parse("ios.calendar", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.calendar"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(device_path("HomeDomain", "Library/Calendar/Calendar.sqlitedb"))
    assert globs.matches("/private/var/mobile/Library/Calendar/Calendar.sqlitedb")
