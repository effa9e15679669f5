"""Fast redirect of a plain-HTTP Safari visit to another domain: a network injection sign.

Facts: Amnesty International, "Forensic Methodology Report: How to catch NSO Group's Pegasus"
(2021): on the phones of Maati Monjib and Omar Radi, a visit to an ``http://`` page was
redirected within milliseconds to a Pegasus exploit domain, which Safari's History.db records
as a ``redirect_destination`` link between two visits. MVT's ``SafariHistory._find_injections``
flags such a redirect to a different domain taking under one second; domains are compared as
registrable domains (Public Suffix List), so ``http://news.bbc.co.uk`` -> ``https://www.bbc.co.uk``
is not a finding while a redirect to any other site is.

Visits stream in visit-id order per database but are never all held in memory: only visits that
take part in a redirect are kept, keyed by (database path, visit id), until both ends of each of
their links have been seen.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
from publicsuffixlist import PublicSuffixList

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.iocs.normalise import parse_ip, split_url
from tracehound.parsers.ios.safari_history import SafariVisit

#: A redirect faster than this is not something a person clicked.
MAX_DELAY = timedelta(seconds=1)

_Key = tuple[str, int]


@dataclass
class _Visit:
    """A visit taking part in a redirect, and which of its links are still unresolved."""

    record: SafariVisit
    prov: Provenance
    open_source: bool  # redirect_source points at a visit not seen yet
    open_destination: bool  # redirect_destination points at a visit not seen yet


#: Roles of a visit waiting for another: it redirected *to* it, or was redirected *from* it.
_TO = "to"
_FROM = "from"


@functools.cache
def _suffixes() -> PublicSuffixList:
    """The Public Suffix List bundled with the publicsuffixlist package (read offline, once)."""
    return PublicSuffixList()


def _site(url: str | None) -> str | None:
    """The registrable domain of ``url``'s host (``news.bbc.co.uk`` -> ``bbc.co.uk``), as MVT
    compares them; an IP address or a host with no registrable part is kept whole. None if the
    URL has no host."""
    parts = split_url(url) if url else None
    if parts is None:
        return None
    host = parts.host.removeprefix("www.")
    if parse_ip(host) is not None:
        return host
    return _suffixes().privatesuffix(host) or host


def _delay_text(delay: timedelta) -> str:
    ms = delay.total_seconds() * 1000
    return f"{ms:.0f} ms" if ms >= 1 else "under 1 ms"


@detector
class SafariRedirect(Detector):
    """Plain-HTTP Safari visits redirected in under a second to a visit on another domain."""

    NAME = "safari_redirect"
    TYPES = (SafariVisit.TYPE,)
    DESCRIPTION = (
        "An http:// page in Safari history redirected in under one second to another domain, "
        "as in the network injection attacks that delivered Pegasus (Amnesty 2021)"
    )

    def __init__(self) -> None:
        self._pending: dict[_Key, _Visit] = {}
        # target key -> visits that point at it: ("to", visit redirected to target) or
        # ("from", visit was redirected from target)
        self._expect: dict[_Key, list[tuple[_Visit, str]]] = {}
        self._named: dict[str, set[int]] = {}  # path -> visit ids named by redirects (wants)

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        """Visits that redirect or were redirected, and visits that a visit of this batch or
        of an earlier one names as its source or destination: a visit with neither link nor
        waiter is dropped at once by ``feed``. It remembers the ids named by the batches it
        was shown (not by ``feed``), so an instance that is never fed (a worker's, when the
        heuristics run in the parent) wants the same rows."""
        src, dst = batch.column("redirect_source"), batch.column("redirect_destination")
        linked = pc.or_(pc.is_valid(src), pc.is_valid(dst))
        if not batch.num_rows:
            return linked
        path = batch.column("_path")[0].as_py()
        named = self._named.setdefault(path, set())
        named.update(v for v in pc.unique(src).to_pylist() if v is not None)
        named.update(v for v in pc.unique(dst).to_pylist() if v is not None)
        wanted = pc.is_in(batch.column("visit_id"), value_set=pa.array(sorted(named), pa.int64()))
        return pc.or_(linked, wanted)

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, SafariVisit):
            return
        key = (prov.path, record.visit_id)
        waiters = self._expect.pop(key, [])
        src, dst = record.redirect_source, record.redirect_destination
        if src is None and dst is None and not waiters:
            return
        visit = _Visit(record, prov, open_source=src is not None, open_destination=dst is not None)
        for other, role in waiters:
            if role == _TO:
                yield from self._pair(other, visit)
            else:
                yield from self._pair(visit, other)
        if dst is not None and visit.open_destination:
            yield from self._link(visit, (prov.path, dst), _TO)
        if src is not None and visit.open_source:
            yield from self._link(visit, (prov.path, src), _FROM)
        if visit.open_source or visit.open_destination:
            self._pending[key] = visit

    def finish(self) -> Iterator[Finding]:
        # Links whose other end never appeared cannot be judged; drop the state.
        self._pending.clear()
        self._expect.clear()
        return iter(())

    def _link(self, visit: _Visit, target: _Key, role: str) -> Iterator[Finding]:
        """Pair ``visit`` with the visit ``target`` if already seen, else wait for it."""
        seen = self._pending.get(target)
        if seen is None:
            self._expect.setdefault(target, []).append((visit, role))
        elif role == _TO:
            yield from self._pair(visit, seen)
        else:
            yield from self._pair(seen, visit)

    def _pair(self, origin: _Visit, target: _Visit) -> Iterator[Finding]:
        """Judge the redirect ``origin`` -> ``target`` once, then forget resolved visits."""
        if origin.record.redirect_destination == target.record.visit_id:
            origin.open_destination = False
        if target.record.redirect_source == origin.record.visit_id:
            target.open_source = False
        for visit in (origin, target):
            if not (visit.open_source or visit.open_destination):
                self._pending.pop((visit.prov.path, visit.record.visit_id), None)
        finding = self._judge(origin, target)
        if finding is not None:
            yield finding

    def _judge(self, origin: _Visit, target: _Visit) -> Finding | None:
        first, second = origin.record, target.record
        if not first.url or not first.url.strip().lower().startswith("http://"):
            return None
        here, there = _site(first.url), _site(second.url)
        if here is None or there is None or here == there:
            return None  # same site: most likely an upgrade to HTTPS or a regional redirect
        if first.ts is None or second.ts is None:
            return None
        delay = second.ts - first.ts
        if not timedelta(0) <= delay < MAX_DELAY:
            return None
        return Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Safari visit to plain-HTTP page {first.url} was redirected to {second.url} "
                f"on another domain after {_delay_text(delay)}; redirects this fast to a "
                "different domain are a sign of network injection"
            ),
            ts=first.ts,
            record=first,
            prov=origin.prov,
            value=second.url,
            related=((second, target.prov),),
        )
