"""Chains of events: a delivery, then within a window a follow-up, then optional clean-up.

Shared by ``infection_sequence`` (iOS) and ``android_infection_sequence``. Facts: Amnesty
International, "Forensic Methodology Report: How to catch NSO Group's Pegasus" (2021), put
every timestamped record on one timeline and found each infection as a sequence: a delivery (an
SMS or iMessage link, an iMessage lookup of an attacker's iCloud account in IDStatusCache, an
HTTP page redirected in milliseconds to an exploit server), then seconds later a process never
seen before using the network (``bh`` 5 s after the redirect on Omar Radi's phone; lookups
seconds to minutes before the first Pegasus process), then clean-up (process rows deleted from
DataUsage). The default window (five minutes) covers the published gaps; ``FAST_SECONDS`` is what
"seconds later" means here.

A chain is a connected group of events: a follow-up joins every delivery at most ``window``
seconds before it; a clean-up joins a follow-up at most ``window`` seconds after it. Groups
without a follow-up are not chains. Events are small tuples; the records behind them are kept
by reference, at most ``MAX_EVENTS`` deliveries and clean-ups (the rest are counted).
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

import pyarrow as pa

from tracehound.core.columns import batch_records
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Finding, Severity

if TYPE_CHECKING:
    from tracehound.iocs.index import IndicatorIndex

WINDOW_SECONDS = 300.0
FAST_SECONDS = 60.0
ENV_WINDOW = "TRACEHOUND_SEQUENCE_WINDOW"
MAX_EVENTS = 100_000
DELIVERY, FOLLOW_UP, CLEANUP = "delivery", "follow-up", "clean-up"
_ORDER = {DELIVERY: 0, FOLLOW_UP: 1, CLEANUP: 2}

Source = tuple[Record, Provenance]


class Deferred:
    """A record not made yet: row ``row`` of ``batch`` (records of ``cls`` as Arrow columns,
    ``core.columns``), made when a chain shows it. A phone holds tens of thousands of received
    links; only the few in a chain need an object."""

    __slots__ = ("batch", "cls", "row")

    def __init__(self, cls: type[Record], batch: pa.RecordBatch, row: int) -> None:
        self.cls, self.batch, self.row = cls, batch, row

    def source(self) -> Source:
        return next(batch_records(self.cls, self.batch.slice(self.row, 1)))


def window_from_env() -> float:
    """The window in seconds: $TRACEHOUND_SEQUENCE_WINDOW if a positive number, else 300."""
    try:
        value = float(os.environ.get(ENV_WINDOW, ""))
    except ValueError:
        return WINDOW_SECONDS
    return value if 0 < value <= 86_400 else WINDOW_SECONDS


class Event(NamedTuple):
    ts: float
    order: int
    seq: int
    kind: str  # DELIVERY, FOLLOW_UP or CLEANUP
    what: str  # one line, e.g. "HTTP redirect from http://a/ to https://b/ in 3 ms"
    refs: tuple[int, ...]  # indexes into Chains.refs of the records behind the event


@dataclass
class Chains:
    """Collects events and groups them into chains."""

    window: float = WINDOW_SECONDS
    refs: list[Source | Deferred] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    dropped: int = 0
    names: dict[int, str] = field(default_factory=dict)  # follow-up event -> what it names

    def follow_up(self, name: str, when: datetime | None, what: str, source: Source) -> None:
        """Add a follow-up event (an unknown process, an install...) that names ``name``."""
        seq = self.add(FOLLOW_UP, when, what, source)
        if seq >= 0:
            self.names[seq] = name

    def named(self, chain: list[Event]) -> str:
        """The names the chain's follow-ups carry, each once, in chain order."""
        return ", ".join(dict.fromkeys(self.names[e.seq] for e in chain if e.seq in self.names))

    def add(self, kind: str, when: datetime | None, what: str, *sources: Source) -> int:
        """Add an event and return its number; -1 if skipped (no time, or past ``MAX_EVENTS``
        deliveries and clean-ups, counted)."""
        if when is None:
            return -1
        if kind != FOLLOW_UP and len(self.events) >= MAX_EVENTS:
            self.dropped += 1
            return -1
        refs = []
        for source in sources:
            last = self.refs[-1] if self.refs else None
            if not isinstance(last, tuple) or last[0] is not source[0]:
                self.refs.append(source)
            refs.append(len(self.refs) - 1)
        seq = len(self.events)
        self.events.append(Event(when.timestamp(), _ORDER[kind], seq, kind, what, tuple(refs)))
        return seq

    def add_deferred(self, kind: str, micros: int | None, what: str, source: Deferred) -> int:
        """As :meth:`add` for one record not made yet (``micros``: its time in microseconds
        since 1970, UTC; the event time is the same float as ``datetime.timestamp()``)."""
        if micros is None:
            return -1
        if kind != FOLLOW_UP and len(self.events) >= MAX_EVENTS:
            self.dropped += 1
            return -1
        self.refs.append(source)
        seq = len(self.events)
        ref = (len(self.refs) - 1,)
        self.events.append(Event(micros / 10**6, _ORDER[kind], seq, kind, what, ref))
        return seq

    def source(self, ref: int) -> Source:
        """The record (and provenance) behind ``refs[ref]``, made now if it was deferred."""
        item = self.refs[ref]
        if isinstance(item, Deferred):
            item = self.refs[ref] = item.source()
        return item

    def type_of(self, ref: int) -> str:
        item = self.refs[ref]
        return item.cls.TYPE if isinstance(item, Deferred) else item[0].TYPE

    def chains(self) -> list[list[Event]]:
        """Connected groups holding a delivery and a follow-up, each in time order."""
        events = sorted(self.events)
        parent = list(range(len(events)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def link(before: str, after: str, lo: float, hi: float) -> None:
            starts = [e.ts for e in events]
            for i, event in enumerate(events):
                if event.kind != after:
                    continue
                first = bisect.bisect_left(starts, event.ts - hi)
                last = bisect.bisect_right(starts, event.ts - lo)
                for j in range(first, last):
                    if events[j].kind == before and j != i:
                        parent[find(j)] = find(i)

        link(DELIVERY, FOLLOW_UP, 0.0, self.window)
        link(FOLLOW_UP, CLEANUP, 0.0, self.window)
        groups: dict[int, list[Event]] = {}
        for i, event in enumerate(events):
            groups.setdefault(find(i), []).append(event)
        return [
            g
            for g in groups.values()
            if {e.kind for e in g} >= {DELIVERY, FOLLOW_UP} and _linked(g, self.window)
        ]

    def sources(self, chain: list[Event]) -> list[Source]:
        """The records behind a chain, in time order, each once."""
        seen: dict[int, None] = {}
        for event in chain:
            for ref in event.refs:
                seen.setdefault(ref, None)
        return [self.source(r) for r in seen]


def _linked(group: list[Event], window: float) -> bool:
    """A clean-up alone never starts a chain: some follow-up must have a delivery before it."""
    deliveries = [e.ts for e in group if e.kind == DELIVERY]
    return any(
        any(0 <= e.ts - d <= window for d in deliveries) for e in group if e.kind == FOLLOW_UP
    )


def gap_text(seconds: float) -> str:
    """``3 ms``, ``5 s``, ``2 min 10 s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def fastest(chain: list[Event]) -> float:
    """The shortest time from a delivery to a follow-up after it in the chain."""
    best = float("inf")
    for event in chain:
        if event.kind == FOLLOW_UP:
            before = [event.ts - d.ts for d in chain if d.kind == DELIVERY and d.ts <= event.ts]
            best = min([best, *before])
    return best


def indicator_hits(index: IndicatorIndex | None, sources: list[Source]) -> list[str]:
    """The indicator values that records of the chain match (empty without an index)."""
    if index is None:
        return []
    found: dict[str, None] = {}
    for record, _ in sources:
        for match in index.match_record(record):
            found.setdefault(match.indicator.value, None)
    return list(found)


def narrate(chain: list[Event]) -> str:
    """``A, 5 s later B, 11 s later C``."""
    parts = [chain[0].what]
    for before, event in itertools.pairwise(chain):
        parts.append(f"{gap_text(event.ts - before.ts)} later {event.what}")
    return ", ".join(parts)


def chain_finding(
    name: str, chains: Chains, chain: list[Event], index: IndicatorIndex | None, value: str
) -> Finding:
    """One finding for a chain: CRITICAL with an indicator in it, HIGH when a follow-up came
    within ``FAST_SECONDS`` of a delivery, else MEDIUM; its records in time order."""
    sources = chains.sources(chain)
    hits = indicator_hits(index, sources)
    fast = fastest(chain)
    if hits:
        severity = Severity.CRITICAL
    elif fast <= FAST_SECONDS:
        severity = Severity.HIGH
    else:
        severity = Severity.MEDIUM
    shown = ", ".join(hits[:5]) + (" ..." if len(hits) > 5 else "")
    tail = f"; indicators in the chain: {shown}" if hits else ""
    message = (
        f"Possible infection sequence ({len(chain)} events within "
        f"{gap_text(chain[-1].ts - chain[0].ts)}): {narrate(chain)}{tail}"
    )
    steps = tuple(
        (
            datetime.fromtimestamp(e.ts, UTC),
            chains.type_of(e.refs[0]) if e.refs else "",
            e.what,
        )
        for e in chain
    )
    record, prov = sources[0]
    return Finding(
        detector=name,
        severity=severity,
        message=message[:4000],
        ts=datetime.fromtimestamp(chain[0].ts, UTC),
        record=record,
        prov=prov,
        value=value,
        related=tuple(sources[1:]),
        steps=steps,
    )


def dropped_finding(name: str, chains: Chains) -> Iterator[Finding]:
    """An INFO finding when events were left out (the bound on kept events was reached)."""
    if chains.dropped and chains.refs:
        record, prov = chains.source(len(chains.refs) - 1)
        yield Finding(
            detector=name,
            severity=Severity.INFO,
            message=(
                f"{chains.dropped} deliveries or clean-up events were not kept for sequence "
                f"checks (at most {MAX_EVENTS}); chains involving them are not reported"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=str(chains.dropped),
        )
