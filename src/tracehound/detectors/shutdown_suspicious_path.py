"""Processes running at shutdown from folders Apple's programs never run from (shutdown.log).

Fact: Kaspersky, "A lightweight method to detect potential iOS malware" (Securelist, Jan 2024)
and its iShutdown_detect.py: in every Pegasus infection Kaspersky analysed, the implant ran from
``/private/var/db/`` (e.g. ``/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd/<UUID>``),
and Predator from ``/private/var/tmp/``; the script reports any client under these two folders.
No exception list: no public source names legitimate daemons that run from there. The
folders (these two, HIGH, and the other data folders, MEDIUM) are the shared list of
``exec_places``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detector
from tracehound.detectors.exec_places import PLACES, Place, place_of
from tracehound.parsers.ios.shutdown_log import ShutdownClient

#: Folders watched (iShutdown's two, then the other data folders).
SUSPICIOUS = tuple(place.folder for place in PLACES)


def suspicious_folder(path: str) -> str | None:
    """The watched folder that ``path`` is in, or None (``/var`` is a link to ``/private/var``)."""
    place = place_of(path)
    return place.folder if place else None


@dataclass
class _Seen:
    record: ShutdownClient
    prov: Provenance
    place: Place
    count: int = 1
    first: datetime | None = None
    last: datetime | None = None


@detector
class ShutdownSuspiciousPath(Detector):
    """One HIGH finding per suspicious client path and log file, with how often it was seen."""

    NAME = "shutdown_suspicious_path"
    TYPES = ("ios.shutdown_log",)
    DESCRIPTION = (
        "Process still running at shutdown from /private/var/db or /private/var/tmp (HIGH), or "
        "from another data folder (/private/var/mobile outside app bundles, /private/var/root, "
        "/tmp: MEDIUM)"
    )

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], _Seen] = {}

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, ShutdownClient):
            place = place_of(record.client) or place_of(record.client_raw)
            if place is not None:
                self._add(record, prov, place)
        return iter(())

    def _add(self, record: ShutdownClient, prov: Provenance, place: Place) -> None:
        key = (prov.path, record.client)
        item = self.seen.get(key)
        if item is None:
            self.seen[key] = _Seen(record, prov, place, 1, record.ts, record.ts)
            return
        item.count += 1
        if record.ts is not None:
            item.first = min(item.first or record.ts, record.ts)
            item.last = max(item.last or record.ts, record.ts)

    def finish(self) -> Iterator[Finding]:
        for (_path, client), item in sorted(self.seen.items()):
            when = ""
            if item.first and item.last:
                when = f" between {item.first.isoformat()} and {item.last.isoformat()}"
            yield Finding(
                detector=self.NAME,
                severity=item.place.severity,
                message=(
                    f"process {client} was still running at {item.count} shutdown(s){when}; "
                    f"it ran from {item.place.folder}, {item.place.why}"
                ),
                ts=item.first or item.record.ts,
                record=item.record,
                prov=item.prov,
                value=client,
            )
