from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.calendar_quadream_event import CalendarQuadreamEvent
from tracehound.parsers.ios.calendar import CalendarEvent

START = datetime(2021, 1, 15, 9, 0, tzinfo=UTC)
CREATED = datetime(2021, 2, 14, 9, 0, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/Calendar/Calendar.sqlitedb",
    sha256=None,
    parser="ios.calendar",
    parser_version="1",
)


def event(**changes: Any) -> CalendarEvent:
    fields: dict[str, Any] = {
        "ts": START,
        "row": 2,
        "summary": "Meeting",
        "description": "Notes",
        "location": None,
        "calendar": "Calendar",
        "all_day": False,
        "floating": False,
        "hidden": None,
        "uuid": "5A1D3C2B-0000-4000-8000-000000000002",
        "unique_identifier": "uid-2",
        "external_id": None,
        "url": None,
        "organizer_email": "organizer@icloud.example",
        "organizer_name": None,
        "organizer_phone": None,
        "organizer_comment": None,
        "invitation_status": None,
        "ended": None,
        "created": CREATED,
        "modified": None,
        "created_after_start": (CREATED - START).total_seconds(),
    }
    fields.update(changes)
    return CalendarEvent(**fields)


def run(record: CalendarEvent) -> list[Finding]:
    return list(CalendarQuadreamEvent().feed(record, PROV))


def test_quadream_pattern_is_high() -> None:
    (finding,) = run(event())
    assert finding.severity is Severity.HIGH and finding.detector == "calendar_quadream_event"
    assert finding.ts == CREATED and finding.value == "5A1D3C2B-0000-4000-8000-000000000002"
    assert "QuaDream" in finding.message and "30 days after" in finding.message
    assert "organizer@icloud.example" in finding.message


def test_pattern_without_creation_gap_or_organizer_still_fires() -> None:
    (finding,) = run(event(created=None, created_after_start=None, organizer_email=None))
    assert finding.severity is Severity.HIGH and finding.ts == START
    assert "days after" not in finding.message and "organizer" not in finding.message


def test_surrounding_white_space_is_ignored() -> None:
    assert len(run(event(summary=" Meeting", description="Notes\n"))) == 1


def test_other_events_are_quiet() -> None:
    assert run(event(summary="Meeting", description="Agenda")) == []
    assert run(event(summary="Team meeting", description="Notes")) == []
    assert run(event(summary="meeting", description="notes")) == []  # exact case, as MVT
    assert run(event(summary="Meeting", description=None)) == []
    assert run(event(summary=None, description="Notes")) == []
