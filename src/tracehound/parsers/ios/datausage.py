"""Per-process network usage from DataUsage.sqlite (ZPROCESS and ZLIVEUSAGE).

Facts: Amnesty's 2021 Pegasus forensic methodology and MVT's ``Datausage``/``NetBase`` modules.
``ZPROCESS(Z_PK, ZPROCNAME, ZBUNDLENAME, ZFIRSTTIMESTAMP, ZTIMESTAMP)`` lists every process that
used the network; ``ZLIVEUSAGE(Z_PK, ZHASPROCESS -> ZPROCESS.Z_PK, ZTIMESTAMP, ZWIFIIN, ZWIFIOUT,
ZWWANIN, ZWWANOUT)`` its traffic. Times are Cocoa seconds. ``ZPROCNAME`` often reads
``process/bundle``. Pegasus deleted its ZPROCESS rows and left the ZLIVEUSAGE rows pointing at
them, so usage rows whose process row is gone are yielded too (``process_missing``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class DataUsage(Record):
    """One process row with one of its usage rows, or a usage row whose process row is gone."""

    TYPE = "ios.datausage"
    MEANING = (
        "DataUsage.sqlite lists every process that used the network, with when it was first and"
        " last seen: a name here means a program of that name ran on the phone."
    )
    TS_DESC = "Network usage"

    first_seen: datetime | None
    process_name: ProcessName | None  # the part of ZPROCNAME before "/"
    process_raw: str | None  # ZPROCNAME as stored
    bundle_id: AppId | None
    process_pk: int | None  # ZPROCESS.Z_PK, or ZLIVEUSAGE.ZHASPROCESS for a deleted process
    usage_pk: int | None
    process_missing: bool
    wifi_in: float | None
    wifi_out: float | None
    wwan_in: float | None
    wwan_out: float | None


PATHS = (
    "/private/var/wireless/Library/Databases/DataUsage.sqlite",
    "/private/var/wireless/Library/Databases/DataUsage-watch.sqlite",
)

_PROCESS_COLUMNS = {
    "p_pk": "Z_PK",
    "p_name": "ZPROCNAME",
    "p_bundle": "ZBUNDLENAME",
    "p_first": "ZFIRSTTIMESTAMP",
    "p_ts": "ZTIMESTAMP",
}
_USAGE_COLUMNS = {
    "u_pk": "Z_PK",
    "u_proc": "ZHASPROCESS",
    "u_ts": "ZTIMESTAMP",
    "wifi_in": "ZWIFIIN",
    "wifi_out": "ZWIFIOUT",
    "wwan_in": "ZWWANIN",
    "wwan_out": "ZWWANOUT",
}


def _query(conn: sqlite3.Connection) -> str:
    proc = select_optional(conn, "ZPROCESS", _PROCESS_COLUMNS)
    usage = select_optional(conn, "ZLIVEUSAGE", _USAGE_COLUMNS)
    # Every process with its usage rows, plus usage rows whose process row does not exist.
    return (
        f"SELECT {proc}, {usage} FROM ZPROCESS "
        "LEFT JOIN ZLIVEUSAGE ON ZLIVEUSAGE.ZHASPROCESS = ZPROCESS.Z_PK "
        f"UNION ALL SELECT {proc}, {usage} FROM ZLIVEUSAGE "
        "LEFT JOIN ZPROCESS ON ZLIVEUSAGE.ZHASPROCESS = ZPROCESS.Z_PK "
        "WHERE ZPROCESS.Z_PK IS NULL ORDER BY p_pk, u_pk"
    )


@artifact(
    record=DataUsage,
    input="sqlite",
    paths=PATHS,
    requires={"ZPROCESS": ("Z_PK", "ZPROCNAME"), "ZLIVEUSAGE": ("Z_PK", "ZHASPROCESS")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[DataUsage | pa.RecordBatch]:
    """Processes that used the network, their traffic, and usage rows of deleted processes."""
    return read_usage(conn, ctx, DataUsage)


U = TypeVar("U", bound=DataUsage)


def read_usage(
    conn: sqlite3.Connection, ctx: ParseContext, cls: type[U]
) -> Iterator[U | pa.RecordBatch]:
    """The ZPROCESS/ZLIVEUSAGE rows as ``cls`` records (DataUsage, or netusage's subclass: the
    two databases share Apple's NetBase model): each fetched batch as columns, or row by row
    when it holds a value the columnar path does not take."""
    conn.row_factory = None
    return columnar.read(
        conn, _query(conn), lambda c: _columns(c, cls), lambda r: _record(r, ctx, cls)
    )


def _record(r: dict[str, Any], ctx: ParseContext, cls: type[U]) -> U:
    """One row as a record, with a warning for every odd value (the row path)."""
    missing = r["p_pk"] is None
    raw = r["p_name"] if isinstance(r["p_name"], str) else None
    if r["p_name"] is not None and raw is None:
        ctx.warn(f"ZPROCNAME is not text: {r['p_name']!r:.80}", r["p_pk"])
    name = raw.split("/", 1)[0] if raw else None
    row_id = r["u_pk"] if missing else r["p_pk"]
    ts = ctx.time(from_cocoa, r["u_ts"] if r["u_ts"] is not None else r["p_ts"], row_id)
    return cls(
        ts=ts,
        row=row_id,
        first_seen=ctx.time(from_cocoa, r["p_first"], row_id, "ZFIRSTTIMESTAMP"),
        process_name=name or None,
        process_raw=raw,
        bundle_id=r["p_bundle"] if isinstance(r["p_bundle"], str) else None,
        process_pk=r["u_proc"] if missing else r["p_pk"],
        usage_pk=r["u_pk"],
        process_missing=missing,
        wifi_in=ctx.number(r["wifi_in"], row_id, "ZWIFIIN"),
        wifi_out=ctx.number(r["wifi_out"], row_id, "ZWIFIOUT"),
        wwan_in=ctx.number(r["wwan_in"], row_id, "ZWWANIN"),
        wwan_out=ctx.number(r["wwan_out"], row_id, "ZWWANOUT"),
    )


def _columns(c: dict[str, Sequence[Any]], cls: type[U]) -> pa.RecordBatch:
    """A fetched batch as columns (the fast path): Unclean for any value the row path would
    warn about or convert otherwise."""
    names = c["p_name"]
    names_column = columnar.text(names)
    p_pk, u_pk = columnar.integers(c["p_pk"]), columnar.integers(c["u_pk"])
    missing = pc.is_null(p_pk)
    times = columnar.first_number(c["u_ts"], c["p_ts"])
    short = [(n.split("/", 1)[0] or None) if n else None for n in names]
    arrays = {
        "ts": columnar.cocoa_seconds(times),
        "row": pc.if_else(missing, u_pk, p_pk),
        "first_seen": columnar.cocoa_seconds(c["p_first"]),
        "process_name": pa.array(short, pa.string()),
        "process_raw": names_column,
        "bundle_id": columnar.text(c["p_bundle"]),
        "process_pk": pc.if_else(missing, columnar.integers(c["u_proc"]), p_pk),
        "usage_pk": u_pk,
        "process_missing": missing,
        "wifi_in": columnar.numbers(c["wifi_in"]),
        "wifi_out": columnar.numbers(c["wifi_out"]),
        "wwan_in": columnar.numbers(c["wwan_in"]),
        "wwan_out": columnar.numbers(c["wwan_out"]),
    }
    return columnar.record_batch(cls, arrays)
