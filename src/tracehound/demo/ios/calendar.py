"""Calendar.sqlitedb (the Calendar app's database) with Apple's table and column names.

Facts: tables and columns read by MVT's ``Calendar`` and iLEAPP's ``calendarAll``:
``CalendarItem``, ``Participant`` (entity_type 7 invitee, 8 organizer; email, phone_number,
identity_id, is_self, status), ``Identity`` (display_name), ``Calendar`` (title, store_id),
``Store``, ``Location``; dates in Cocoa seconds; ``start_tz`` ``_float`` for floating events.
The remaining CalendarItem columns are recalled from iOS 15-17 databases, not verified one by
one. ``legacy=True`` writes an older CalendarItem without ``conference`` and the shared-item
columns (iLEAPP notes ``conference`` does not exist in iOS 11) and no ``Identity`` table or
``Participant.identity_id``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

_ITEM = """
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT,
  location_id INTEGER, description TEXT, start_date REAL, start_tz TEXT, end_date REAL,
  all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER DEFAULT 0, orig_date REAL,
  organizer_id INTEGER DEFAULT 0, self_attendee_id INTEGER DEFAULT 0, status INTEGER DEFAULT 0,
  invitation_status INTEGER DEFAULT 0, availability INTEGER DEFAULT 0,
  privacy_level INTEGER DEFAULT 0, url TEXT, last_modified REAL DEFAULT 0,
  sequence_num INTEGER DEFAULT 0, birthday_id INTEGER DEFAULT -1,
  modified_properties INTEGER DEFAULT 0, external_tracking_status INTEGER DEFAULT 0,
  external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT,
  external_rep BLOB, response_comment TEXT, hidden INTEGER DEFAULT 0,
  has_recurrences INTEGER DEFAULT 0, has_attendees INTEGER DEFAULT 0, UUID TEXT,
  entity_type INTEGER DEFAULT 2, priority INTEGER DEFAULT 0, due_date REAL, due_tz TEXT,
  due_all_day INTEGER DEFAULT 0, completion_date REAL, creation_date REAL, {newer}
  display_order INTEGER DEFAULT 0, created_by_id INTEGER DEFAULT -1,
  modified_by_id INTEGER DEFAULT -1, invitation_changed_properties INTEGER DEFAULT 0,
  default_alarm_removed INTEGER DEFAULT 0, phantom_master INTEGER DEFAULT 0,
  calendar_scale TEXT, travel_time INTEGER DEFAULT 0, start_location_id INTEGER DEFAULT 0,
  action TEXT);
"""
_ITEM_NEWER = """conference TEXT, shared_item_created_date REAL, shared_item_created_tz TEXT,
  shared_item_modified_date REAL, shared_item_modified_tz TEXT,"""

_PARTICIPANT = """
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER,
  type INTEGER, status INTEGER, pending_status INTEGER, role INTEGER, {identity}
  owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, phone_number TEXT,
  is_self INTEGER DEFAULT 0, flags INTEGER DEFAULT 0, comment TEXT, last_modified REAL,
  proposed_start_date REAL, proposed_start_date_status INTEGER DEFAULT 0);
"""

_OTHERS = """
CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset
  INTEGER, type INTEGER, constraint_path TEXT, disabled INTEGER DEFAULT 0, external_id TEXT,
  persistent_id TEXT, flags INTEGER DEFAULT 0, UUID TEXT);
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT,
  flags INTEGER, color TEXT, type TEXT, supported_entity_types INTEGER, external_id TEXT,
  external_mod_tag TEXT, display_order INTEGER, UUID TEXT, shared_owner_name TEXT,
  shared_owner_address TEXT, sharing_status INTEGER DEFAULT 0, invitation_status INTEGER);
CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT,
  latitude REAL, longitude REAL, item_owner_id INTEGER, radius REAL, route_type TEXT,
  map_kit_handle BLOB, derived_from_json INTEGER DEFAULT 0);
CREATE INDEX CalendarItemStartDate ON CalendarItem(start_date);
CREATE INDEX ParticipantOwnerId ON Participant(owner_id);
"""

_IDENTITY = """
CREATE TABLE Identity (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, display_name TEXT,
  address TEXT, first_name TEXT, last_name TEXT);
"""

#: Participant.entity_type values (iLEAPP ``calendarAll``).
INVITEE, ORGANIZER = 7, 8

_NEWER_ONLY = frozenset(
    {"conference", "shared_item_created_date", "shared_item_created_tz",
     "shared_item_modified_date", "shared_item_modified_tz", "identity_id"}
)  # fmt: skip


def write(
    path: Path,
    events: Rows,
    participants: Rows = (),
    *,
    calendars: Rows = ({"ROWID": 1, "store_id": 1, "title": "Calendar"},),
    locations: Rows = (),
    identities: Rows = (),
    legacy: bool = False,
) -> None:
    """Write Calendar.sqlitedb.

    ``events``: CalendarItem dicts (``ROWID``, ``summary``, ``description``, ``start_date``/
    ``end_date``/``creation_date``/``last_modified`` in Cocoa seconds, ``organizer_id``,
    ``calendar_id`` (default 1), ``url``...; ``UUID`` and ``unique_identifier`` are generated).
    ``participants``: Participant dicts (``ROWID``, ``email``, ``entity_type`` (default
    ORGANIZER), ``owner_id``, ``identity_id``...). ``identities``: Identity dicts (``ROWID``,
    ``display_name``), not written with ``legacy``.
    """
    item_rows: list[dict[str, Any]] = []
    for index, event in enumerate(events, start=1):
        rid = event.get("ROWID", index)
        ident = str(uuid.uuid5(uuid.NAMESPACE_OID, f"cal-{rid}")).upper()
        row = {"calendar_id": 1, "all_day": 0, "start_tz": "UTC", "end_date": None, **event}
        row.setdefault("UUID", ident)
        row.setdefault("unique_identifier", ident)
        item_rows.append(row)
    part_rows = [{"entity_type": ORGANIZER, "type": 1, "role": 0, "status": 0, **p}
                 for p in participants]  # fmt: skip
    if legacy:
        item_rows = [_old(r) for r in item_rows]
        part_rows = [_old(r) for r in part_rows]
    schema = _ITEM.format(newer="" if legacy else _ITEM_NEWER)
    schema += _PARTICIPANT.format(identity="" if legacy else "identity_id INTEGER,") + _OTHERS
    tables: dict[str, Rows] = {
        "Store": [{"ROWID": 1, "name": "Default", "type": 0}],
        "Calendar": list(calendars),
        "Location": list(locations),
        "CalendarItem": item_rows,
        "Participant": part_rows,
    }
    if not legacy:
        schema += _IDENTITY
        tables["Identity"] = list(identities)
    write_sqlite(path, schema, tables)


def _old(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _NEWER_ONLY}
