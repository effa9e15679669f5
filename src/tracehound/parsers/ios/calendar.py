"""Calendar events and their organizers from Calendar.sqlitedb.

Facts: MVT's ``Calendar`` module (backup file ``2041457d...`` =
SHA1("HomeDomain-Library/Calendar/Calendar.sqlitedb")) reads ``CalendarItem`` (ROWID, summary,
description, start_date, end_date, all_day, calendar_id, organizer_id, url, last_modified,
external_id, unique_identifier, hidden, UUID, creation_date...) left-joined with ``Participant``
(ROWID = organizer_id: UUID, email, phone_number, comment, last_modified); dates are Cocoa
seconds. iLEAPP's ``calendarAll`` adds ``Calendar.title`` (calendar_id), ``Location.title``
(location_id), ``Identity.display_name`` (Participant.identity_id) and the ``start_tz`` value
``_float`` for floating (time-zone-less) events. MVT matches the organizer's e-mail against
indicators and flags the QuaDream pattern (see the ``calendar_quadream_event`` detector).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Email, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common.sqlite import columns, select_optional, tables


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEvent(Record):
    """One calendar item with its organizer; ``ts`` is its start."""

    TYPE = "ios.calendar"
    MEANING = "A calendar event: QuaDream's spyware was delivered through calendar invitations."
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    TS_DESC = "Calendar event starts"
    EXTRA_TIMES = (("created", "Calendar event created on the device"),)

    summary: str | None
    description: str | None
    location: str | None
    calendar: str | None
    all_day: bool | None
    floating: bool  # start_tz "_float": a wall-clock time without time zone
    hidden: bool | None
    uuid: str | None
    unique_identifier: str | None
    external_id: str | None
    url: Url | None
    organizer_email: Email | None
    organizer_name: str | None
    organizer_phone: str | None
    organizer_comment: str | None
    invitation_status: int | None
    ended: datetime | None
    created: datetime | None
    modified: datetime | None
    created_after_start: float | None  # seconds from start to creation (> 0: made afterwards)


PATHS = ("/private/var/mobile/Library/Calendar/Calendar.sqlitedb",)

_ITEM = {
    "summary": "summary",
    "description": "description",
    "start": "start_date",
    "start_tz": "start_tz",
    "end": "end_date",
    "all_day": "all_day",
    "hidden": "hidden",
    "uuid": "UUID",
    "unique_identifier": "unique_identifier",
    "external_id": "external_id",
    "url": "url",
    "created": "creation_date",
    "modified": "last_modified",
    "invitation_status": "invitation_status",
}
_ORGANIZER = {"email": "email", "phone": "phone_number", "comment": "comment"}


_LOOKUPS = (  # table, column, referencing table, referencing column, alias
    ("Calendar", "title", "CalendarItem", "calendar_id", "calendar"),
    ("Location", "title", "CalendarItem", "location_id", "location"),
    ("Identity", "display_name", "Participant", "identity_id", "organizer_name"),
)


def _query(conn: sqlite3.Connection) -> str:
    parts = [
        "CalendarItem.rowid AS rid",
        select_optional(conn, "CalendarItem", _ITEM),
        select_optional(conn, "Participant", _ORGANIZER),
    ]
    joins = ["LEFT JOIN Participant ON Participant.rowid = CalendarItem.organizer_id"]
    present = tables(conn)
    for table, column, ref_table, ref_column, alias in _LOOKUPS:
        if (
            table in present
            and column in columns(conn, table)
            and ref_column in columns(conn, ref_table)
        ):
            parts.append(f"{table}.{column} AS {alias}")
            joins.append(f"LEFT JOIN {table} ON {table}.rowid = {ref_table}.{ref_column}")
        else:
            parts.append(f"NULL AS {alias}")
    return (
        f"SELECT {', '.join(parts)} FROM CalendarItem {' '.join(joins)} ORDER BY CalendarItem.rowid"
    )


def _flag(ctx: ParseContext, value: object, row: int, name: str) -> bool | None:
    number = ctx.integer(value, row, name)
    return None if number is None else number != 0


@artifact(
    record=CalendarEvent,
    input="sqlite",
    paths=PATHS,
    requires={
        "CalendarItem": ("summary", "description", "start_date", "organizer_id"),
        "Participant": ("email",),
    },
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[CalendarEvent]:
    """Calendar events: title, notes, dates, creation time and the organizer's e-mail address."""
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["rid"]
        start = ctx.time(from_cocoa, r["start"], row, "start_date")
        created = ctx.time(from_cocoa, r["created"], row, "creation_date")
        yield CalendarEvent(
            ts=start,
            row=row,
            summary=ctx.text(r["summary"], row, "summary"),
            description=ctx.text(r["description"], row, "description"),
            location=ctx.text(r["location"], row, "Location.title"),
            calendar=ctx.text(r["calendar"], row, "Calendar.title"),
            all_day=_flag(ctx, r["all_day"], row, "all_day"),
            floating=r["start_tz"] == "_float",
            hidden=_flag(ctx, r["hidden"], row, "hidden"),
            uuid=ctx.text(r["uuid"], row, "UUID"),
            unique_identifier=ctx.text(r["unique_identifier"], row, "unique_identifier"),
            external_id=ctx.text(r["external_id"], row, "external_id"),
            url=ctx.text(r["url"], row, "url"),
            organizer_email=ctx.text(r["email"], row, "Participant.email"),
            organizer_name=ctx.text(r["organizer_name"], row, "Identity.display_name"),
            organizer_phone=ctx.text(r["phone"], row, "Participant.phone_number"),
            organizer_comment=ctx.text(r["comment"], row, "Participant.comment"),
            invitation_status=ctx.integer(r["invitation_status"], row, "invitation_status"),
            ended=ctx.time(from_cocoa, r["end"], row, "end_date"),
            created=created,
            modified=ctx.time(from_cocoa, r["modified"], row, "last_modified", unset=(0,)),
            created_after_start=(created - start).total_seconds() if created and start else None,
        )
