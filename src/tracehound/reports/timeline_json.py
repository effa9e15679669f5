"""The timeline as Timesketch JSON lines: one JSON object a line, the same rows as
``timeline.csv`` in the same order (``tracehound export timesketch``).

Timesketch's import of JSONL (google/timesketch, ``docs/guides/user/import-from-json-csv.md``)
requires ``message`` (text), ``datetime`` (ISO 8601 with an offset, e.g.
``2015-07-24T19:01:01+00:00``) and ``timestamp_desc`` (what the time means), takes any other key
as an attribute of the event, wants the file name to end in ``.jsonl``, and streams JSONL from
disk (unlike a JSON array); ``timestamp`` is microseconds since the Unix epoch (the older
``docs/CreateTimelineFromJSONorCSV.md``: "Timestamp as microseconds since Unix epoch").

Each line holds ``message``, ``datetime``, ``timestamp``, ``timestamp_desc``, ``artifact``,
``detection``, ``device_path`` and ``row`` (the CSV's columns; the message is the record's
``describe()`` text without the CSV's spreadsheet guard, since JSON is not evaluated), then the
record's fields as ``<artifact>__<field>`` (dots of the artifact as ``_``: ``ios_sms__text``).
The prefix is needed: Timesketch keeps a timeline in one OpenSearch index, whose dynamic mapping
gives each field name one type, and eight field names have two types across artifacts
(``status``, ``uid``, ``mode`` are text in one and integers in another), so unprefixed fields
would get events rejected. A null field is left out; text is JSON-escaped (``json.dumps``,
non-ASCII kept as UTF-8). This module holds the Python encoders; ``timeline_columns`` builds the
same bytes on Arrow columns (a test compares both).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from tracehound.core.records import Record, field_names
from tracehound.core.timeutil import iso_text

#: Width of the byte count that ends a staged JSONL row (see ``TimelineWriter``).
LENGTH_WIDTH = 10

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def json_text(text: str) -> str:
    """A JSON string: ``json.dumps`` with non-ASCII kept (a lone surrogate stays one, and
    ``timeline._encode`` writes it as the JSON escape ``\\udcxx``)."""
    return _ENCODE(text)


def json_value(value: Any) -> str:
    """A field value as JSON text (not None): strings, integers of any size, booleans,
    doubles as Python prints them (a NaN or infinity, which JSON cannot hold, as a string),
    times as ISO 8601 strings, lists and tuples of these."""
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else json_text(repr(value))
    if isinstance(value, datetime):
        return f'"{iso_text(value)}"'
    if isinstance(value, list | tuple):
        return "[" + ",".join("null" if v is None else json_value(v) for v in value) + "]"
    return json_text(str(value))


def field_key(record_type: str, name: str) -> str:
    """The JSON key of a record field: ``ios.sms`` + ``text`` -> ``ios_sms__text``."""
    return f"{record_type.replace('.', '_')}__{name}"


def json_field_names(cls: type[Record]) -> tuple[str, ...]:
    """The fields a line carries: all but ``row`` (a column of its own)."""
    return tuple(n for n in field_names(cls) if n != "row")


def record_fields(record: Record) -> str:
    """The record's non-null fields as ``,"key":value`` pairs (empty when none)."""
    parts: list[str] = []
    for name in json_field_names(type(record)):
        value = getattr(record, name)
        if value is not None:
            parts.append(f',"{field_key(record.TYPE, name)}":{json_value(value)}')
    return "".join(parts)


def json_line(
    when: str,
    us: int,
    desc: str,
    message: str,
    artifact: str,
    severity: str,
    path: str,
    row: int | None,
    fields: str,
) -> str:
    """One line (no newline): ``when`` is the ISO text of the time, ``us`` its microseconds,
    ``fields`` the ``record_fields`` pairs."""
    return (
        f'{{"message":{json_text(message)},"datetime":"{when}","timestamp":{us},'
        f'"timestamp_desc":{json_text(desc)},"artifact":{json_text(artifact)},'
        f'"detection":{json_text(severity)},"device_path":{json_text(path)},'
        f'"row":{"null" if row is None else row}{fields}}}'
    )
