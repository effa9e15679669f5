"""When each process a phone's network records name first appeared, and the installed apps.

Shared by ``unknown_process`` and ``infection_sequence`` (each keeps its own tracker). Facts:
DataUsage.sqlite and netusage.sqlite keep one ZPROCESS row per process that used the network,
with ``ZFIRSTTIMESTAMP`` (first use) and ``ZTIMESTAMP`` (last use) (MVT ``NetBase``; plaso
``ios_netusage``); OSAnalyticsADDaily's ``netUsageBaseline`` keeps one dated entry per process
(MVT ``OSAnalyticsADDaily``). Only one small summary per distinct process name is kept, at most
``MAX_PROCESSES`` of them (the rest are counted), and the set of installed apps' bundle ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.process_baseline import ProcessBaseline
from tracehound.core.records import Provenance, Record
from tracehound.parsers.ios.applications import Application
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage

PROCESS_TYPES = ("ios.datausage", "ios.netusage", "ios.osanalytics_addaily")
APP_TYPES = ("ios.applications", "ios.applications_fs")
MAX_PROCESSES = 20_000
_WHERE = {
    "ios.datausage": "DataUsage",
    "ios.netusage": "netusage",
    "ios.osanalytics_addaily": "OS analytics",
}


@dataclass
class Appearance:
    """A process name and, per artifact naming it, its earliest record (first network use)."""

    name: str  # ZPROCNAME as stored (``process`` or ``process/bundle``), or the addaily name
    bundle: str | None
    by_type: dict[str, tuple[datetime | None, Record, Provenance]] = field(default_factory=dict)

    def _earliest(self) -> tuple[datetime | None, Record, Provenance]:
        return min(self.by_type.values(), key=lambda v: (v[0] is None, v[0] or datetime.max))

    @property
    def first(self) -> datetime | None:
        return self._earliest()[0]

    @property
    def record(self) -> Record:
        return self._earliest()[1]

    @property
    def prov(self) -> Provenance:
        return self._earliest()[2]

    @property
    def others(self) -> list[tuple[Record, Provenance]]:
        """The earliest record of each other artifact naming the process."""
        main = self.record
        return [(r, p) for _, r, p in self.by_type.values() if r is not main]

    @property
    def short(self) -> str:
        """The process part of the name (``Music`` of ``Music/com.apple.Music``)."""
        return self.name.split("/", 1)[0] or self.name

    @property
    def where(self) -> str:
        return where_of(self.record)


def first_rows(keys: pa.Array, eligible: pa.Array) -> pa.Array:
    """Per distinct key of the eligible rows, its first row (a boolean column): the rows a
    detector that keeps the first record of each key (``dict.setdefault``) can keep."""
    return _mask(len(keys), _first(_rows(keys, None, eligible)))


def tracked_rows(keys: pa.Array, times: pa.Array, eligible: pa.Array) -> pa.Array:
    """Per distinct key of the eligible rows, its first row and the first of its rows with the
    earliest time (nulls never earliest): the only rows a tracker that creates an entry from a
    key's first record and replaces it by a strictly earlier one can keep (ProcessTracker,
    ``binary_not_found``), whatever came in earlier batches. The cap on entries
    (MAX_PROCESSES) creates the same entries: keys come first in the same order."""
    table = _rows(keys, times, eligible)
    chosen = [_first(table)]
    timed = table.filter(pc.is_valid(table["t"]))
    if timed.num_rows:
        earliest = timed.group_by("k").aggregate([("t", "min")])
        joined = timed.join(earliest, "k")
        at_min = joined.filter(pc.equal(joined["t"], joined["t_min"]))
        chosen.append(_first(at_min))
    return _mask(len(keys), pa.concat_arrays(chosen))


def _rows(keys: pa.Array, times: pa.Array | None, eligible: pa.Array) -> pa.Table:
    columns = {"k": keys, "i": pa.array(range(len(keys)), pa.int64())}
    if times is not None:
        columns["t"] = times
    return pa.table(columns).filter(pc.fill_null(eligible, False))


def _first(table: pa.Table) -> pa.Array:
    if not table.num_rows:
        return pa.array([], pa.int64())
    return table.group_by("k").aggregate([("i", "min")])["i_min"].combine_chunks()


def _mask(count: int, rows: pa.Array) -> pa.Array:
    return pc.is_in(pa.array(range(count), pa.int64()), value_set=rows)


def text_or_null(column: pa.Array) -> pa.Array:
    """ "" as null: the detectors treat an empty name as no name."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)


def process_rows(type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
    """The rows of a batch of ``type_name`` that ``ProcessTracker.feed`` can keep (see
    :func:`tracked_rows`; the key and time are ``_named``'s), or None (every row: apps)."""
    if type_name in ("ios.datausage", "ios.netusage"):
        name = pc.coalesce(
            text_or_null(batch.column("process_raw")), text_or_null(batch.column("process_name"))
        )
        eligible = pc.and_(pc.invert(batch.column("process_missing")), pc.is_valid(name))
        time = pc.coalesce(batch.column("first_seen"), batch.column("ts"))
        return tracked_rows(name, time, eligible)
    if type_name == "ios.osanalytics_addaily":
        name = text_or_null(batch.column("process"))
        return tracked_rows(name, batch.column("ts"), pc.is_valid(name))
    return None


def where_of(record: Record) -> str:
    """Where a process record comes from, in words (``DataUsage``, ``OS analytics``)."""
    return _WHERE.get(record.TYPE, record.TYPE)


def _named(record: Record) -> tuple[str, str | None, datetime | None] | None:
    """(name, bundle id, first time) of a record naming a process, or None."""
    if isinstance(record, DataUsage):
        name = record.process_raw or record.process_name
        if record.process_missing or not name:
            return None
        return name, record.bundle_id, record.first_seen or record.ts
    if isinstance(record, OsAnalyticsNetUsage) and record.process:
        return record.process, None, record.ts
    return None


def _earlier(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and (b is None or a < b)


class ProcessTracker:
    """Feed it the records of PROCESS_TYPES and APP_TYPES; ask for the unknown ones at the end."""

    def __init__(self) -> None:
        self.apps: set[str] = set()
        self.seen: dict[str, Appearance] = {}
        self.dropped = 0

    def feed(self, record: Record, prov: Provenance) -> None:
        if isinstance(record, Application):
            self.apps.add(record.bundle_id)
            return
        named = _named(record)
        if named is None:
            return
        name, bundle, first = named
        entry = self.seen.get(name)
        if entry is None:
            if len(self.seen) >= MAX_PROCESSES:
                self.dropped += 1
                return
            entry = self.seen[name] = Appearance(name, bundle)
        kept = entry.by_type.get(record.TYPE)
        if kept is None or _earlier(first, kept[0]):
            entry.by_type[record.TYPE] = (first, record, prov)

    def unknown(self, baseline: ProcessBaseline) -> list[Appearance]:
        """The processes neither iOS's nor an app's, earliest first. An app's executable name
        is learnt from the rows that name it with a known bundle id (``WhatsApp`` from
        ``WhatsApp/net.whatsapp.WhatsApp``), so OS analytics, which keeps names only, knows it."""
        known = {
            a.short
            for a in self.seen.values()
            if a.bundle and baseline.why_known(a.name, a.bundle, self.apps) is not None
        }
        apps = self.apps | known
        found = [
            a for a in self.seen.values() if baseline.why_known(a.name, a.bundle, apps) is None
        ]
        return sorted(found, key=lambda a: (a.first is None, a.first or datetime.min, a.name))
