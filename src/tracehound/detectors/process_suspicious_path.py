"""Processes running, or crashing, from folders Apple's programs never run from (sysdiagnose
``ps.txt`` and ``ps_thread.txt``, and ``.ips`` crash reports).

Fact: Kaspersky, "A lightweight method to detect potential iOS malware" (Securelist, Jan 2024):
the Pegasus implants it analysed ran from ``/private/var/db/`` and Predator from
``/private/var/tmp/``; Apple's own executables live under the system volume (``/System``,
``/usr``, ``/sbin``...), app bundles and cryptexes, never in these data folders. The same
folders as ``shutdown_suspicious_path`` (one list, ``exec_places``: also the temporary
folders, root's home and the mobile user's folder outside app bundles, MEDIUM), applied to
the process lists a sysdiagnose keeps and to crash reports (a crashing implant leaves its path
in the report).
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detector
from tracehound.detectors.exec_places import place_of
from tracehound.parsers.ios.crash_reports import CrashReport
from tracehound.parsers.ios.sysdiagnose_ps import SysdiagnoseProcess
from tracehound.parsers.ios.sysdiagnose_ps_thread import SysdiagnoseThreadProcess


@detector
class ProcessSuspiciousPath(Detector):
    """One finding per suspicious executable path and file."""

    NAME = "process_suspicious_path"
    TYPES = ("ios.sysdiagnose_ps", "ios.sysdiagnose_ps_thread", "ios.crash_reports")
    DESCRIPTION = (
        "Process running (ps.txt, ps_thread.txt) or crashing (.ips) from /private/var/db or "
        "/private/var/tmp (HIGH), or from another data folder (/private/var/mobile outside app "
        "bundles, /private/var/root, /tmp: MEDIUM)"
    )

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, SysdiagnoseProcess | SysdiagnoseThreadProcess):
            path, what = record.path, "was running when the sysdiagnose was taken"
        elif isinstance(record, CrashReport) and record.path:
            path, what = record.path, f"crashed (report bug type {record.bug_type})"
        else:
            return
        place = place_of(path)
        if place is None or (prov.path, path) in self.seen:
            return
        self.seen.add((prov.path, path))
        yield Finding(
            detector=self.NAME,
            severity=place.severity,
            message=f"process {path} {what}; it ran from {place.folder}, {place.why}",
            ts=record.ts,
            record=record,
            prov=prov,
            value=path,
        )
