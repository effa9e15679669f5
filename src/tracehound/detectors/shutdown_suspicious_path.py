"""Processes running from /private/var/db/ or /private/var/tmp/ at shutdown (shutdown.log).

Fact: Kaspersky, "A lightweight method to detect potential iOS malware" (Securelist, Jan 2024)
and its iShutdown_detect.py: in every Pegasus infection Kaspersky analysed, the implant ran from
``/private/var/db/`` (e.g. ``/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd/<UUID>``),
and Predator from ``/private/var/tmp/``; the script reports any client under these two folders.
No exception list: no public source names legitimate daemons that run from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.shutdown_log import ShutdownClient

#: Folders watched by iShutdown.
SUSPICIOUS = ("/private/var/db/", "/private/var/tmp/")


def suspicious_folder(path: str) -> str | None:
    """The watched folder that ``path`` is in, or None (``/var`` is a link to ``/private/var``)."""
    full = "/private" + path if path.startswith("/var/") else path
    return next((prefix for prefix in SUSPICIOUS if full.startswith(prefix)), None)


@dataclass
class _Seen:
    record: ShutdownClient
    prov: Provenance
    folder: str
    count: int = 1
    first: datetime | None = None
    last: datetime | None = None


@detector
class ShutdownSuspiciousPath(Detector):
    """One HIGH finding per suspicious client path and log file, with how often it was seen."""

    NAME = "shutdown_suspicious_path"
    TYPES = ("ios.shutdown_log",)
    DESCRIPTION = (
        "Process still running at shutdown from /private/var/db or /private/var/tmp (HIGH)"
    )

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], _Seen] = {}

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, ShutdownClient):
            folder = suspicious_folder(record.client) or suspicious_folder(record.client_raw)
            if folder is not None:
                self._add(record, prov, folder)
        return iter(())

    def _add(self, record: ShutdownClient, prov: Provenance, folder: str) -> None:
        key = (prov.path, record.client)
        item = self.seen.get(key)
        if item is None:
            self.seen[key] = _Seen(record, prov, folder, 1, record.ts, record.ts)
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
            actor = "Pegasus" if item.folder.endswith("/db/") else "Predator"
            yield Finding(
                detector=self.NAME,
                severity=Severity.HIGH,
                message=(
                    f"process {client} was still running at {item.count} shutdown(s){when}; "
                    f"it ran from {item.folder}, where Kaspersky (iShutdown) found {actor} "
                    "implants running"
                ),
                ts=item.first or item.record.ts,
                record=item.record,
                prov=item.prov,
                value=client,
            )
