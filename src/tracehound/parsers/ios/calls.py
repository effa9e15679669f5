"""Phone, FaceTime and third-party (CallKit) calls from CallHistory.storedata.

Facts: MVT's ``Calls`` module (backup file ``5a4935c7...`` =
SHA1("HomeDomain-Library/CallHistoryDB/CallHistory.storedata")) and iLEAPP's ``callHistory``.
The Core Data table ``ZCALLRECORD`` holds one row per call: ``ZDATE`` (Cocoa seconds),
``ZDURATION`` (seconds), ``ZADDRESS`` (the other party: phone number, e-mail address or app
handle; stored as TEXT or as a BLOB of UTF-8 bytes, which MVT and iLEAPP both decode),
``ZNAME``, ``ZLOCATION`` (e.g. a city for the number), ``ZISO_COUNTRY_CODE``,
``ZSERVICE_PROVIDER`` (``com.apple.Telephony``, ``com.apple.FaceTime`` or a VoIP app's bundle id),
``ZORIGINATED`` (1 outgoing, 0 incoming), ``ZANSWERED`` and ``ZCALLTYPE`` (iLEAPP: 0 third-party
app, 1 phone, 8 FaceTime video, 16 FaceTime audio). Newer iOS releases add columns such as
``ZJUNKCONFIDENCE``; absent columns read as NULL.

The record is for the timeline: it carries no indicator-typed field. Numbers stay as stored text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Record):
    """One call of the call history."""

    TYPE = "ios.calls"
    MEANING = "The call history: a call with this number or account took place."
    PUBLIC_FIELDS = ("direction",)
    TS_DESC = "Call started"

    address: str | None  # the other party as stored: number, e-mail address or app handle
    name: str | None
    direction: str | None  # "outgoing", "incoming", or None when ZORIGINATED is unknown
    answered: bool | None
    duration: float | None  # seconds
    call_type: str | None  # "phone", "facetime_video", "facetime_audio", "third_party"...
    call_type_raw: int | None
    service_provider: str | None
    location: str | None
    country: str | None
    unique_id: str | None
    read: bool | None
    junk_confidence: int | None


PATHS = ("/private/var/mobile/Library/CallHistoryDB/CallHistory.storedata",)

_CALL_TYPES = {0: "third_party", 1: "phone", 8: "facetime_video", 16: "facetime_audio"}

_COLUMNS = {
    "pk": "Z_PK",
    "date": "ZDATE",
    "duration": "ZDURATION",
    "address": "ZADDRESS",
    "name": "ZNAME",
    "location": "ZLOCATION",
    "country": "ZISO_COUNTRY_CODE",
    "provider": "ZSERVICE_PROVIDER",
    "originated": "ZORIGINATED",
    "answered": "ZANSWERED",
    "call_type": "ZCALLTYPE",
    "unique_id": "ZUNIQUE_ID",
    "read": "ZREAD",
    "junk": "ZJUNKCONFIDENCE",
}


def _address(ctx: ParseContext, value: object, row: int) -> str | None:
    """ZADDRESS as text: TEXT as is, a BLOB decoded as UTF-8 (how Apple stores some rows)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    ctx.warn(f"ZADDRESS is neither text nor bytes: {str(value)[:80]!r}", row)
    return None


def _flag(ctx: ParseContext, value: object, row: int, name: str) -> bool | None:
    number = ctx.integer(value, row, name)
    return None if number is None else number != 0


@artifact(record=Call, input="sqlite", paths=PATHS, requires={"ZCALLRECORD": ("Z_PK", "ZDATE")})
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[Call | pa.RecordBatch]:
    """Call history (phone, FaceTime and VoIP apps): number, direction, duration, provider."""
    conn.row_factory = None
    query = (
        f"SELECT {select_optional(conn, 'ZCALLRECORD', _COLUMNS)} FROM ZCALLRECORD ORDER BY Z_PK"
    )
    yield from columnar.read(conn, query, _columns, lambda r: _record(ctx, r))


def _record(ctx: ParseContext, r: dict[str, Any]) -> Call:
    row = r["pk"]
    originated = _flag(ctx, r["originated"], row, "ZORIGINATED")
    call_type = ctx.integer(r["call_type"], row, "ZCALLTYPE")
    return Call(
        ts=ctx.time(from_cocoa, r["date"], row, "ZDATE"),
        row=row,
        address=_address(ctx, r["address"], row),
        name=ctx.text(r["name"], row, "ZNAME"),
        direction=None if originated is None else ("outgoing" if originated else "incoming"),
        answered=_flag(ctx, r["answered"], row, "ZANSWERED"),
        duration=ctx.number(r["duration"], row, "ZDURATION"),
        call_type=None if call_type is None else _CALL_TYPES.get(call_type, "other"),
        call_type_raw=call_type,
        service_provider=ctx.text(r["provider"], row, "ZSERVICE_PROVIDER"),
        location=ctx.text(r["location"], row, "ZLOCATION"),
        country=ctx.text(r["country"], row, "ZISO_COUNTRY_CODE"),
        unique_id=ctx.text(r["unique_id"], row, "ZUNIQUE_ID"),
        read=_flag(ctx, r["read"], row, "ZREAD"),
        junk_confidence=ctx.integer(r["junk"], row, "ZJUNKCONFIDENCE"),
    )


def _columns(c: dict[str, Sequence[Any]]) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each call (columnar.py)."""
    addresses = c["address"]
    if not columnar.storage(addresses) <= {str, bytes, type(None)}:
        raise columnar.Unclean
    address = [v.decode("utf-8", errors="replace") if type(v) is bytes else v for v in addresses]
    call_type = columnar.integers(c["call_type"])
    names = [None if v is None else _CALL_TYPES.get(v, "other") for v in c["call_type"]]
    return columnar.record_batch(
        Call,
        {
            "ts": columnar.cocoa_seconds(c["date"]),
            "row": columnar.integers(c["pk"]),
            "address": columnar.text(address),
            "name": columnar.text(c["name"]),
            "direction": pc.if_else(columnar.truthy(c["originated"]), "outgoing", "incoming"),
            "answered": columnar.truthy(c["answered"]),
            "duration": columnar.numbers(c["duration"]),
            "call_type": pa.array(names, pa.string()),
            "call_type_raw": call_type,
            "service_provider": columnar.text(c["provider"]),
            "location": columnar.text(c["location"]),
            "country": columnar.text(c["country"]),
            "unique_id": columnar.text(c["unique_id"]),
            "read": columnar.truthy(c["read"]),
            "junk_confidence": columnar.integers(c["junk"]),
        },
    )
