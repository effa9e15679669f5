"""Processes running, or crashing, from /private/var/db/ or /private/var/tmp/ (sysdiagnose
``ps.txt`` and ``ps_thread.txt``, and ``.ips`` crash reports).

Fact: Kaspersky, "A lightweight method to detect potential iOS malware" (Securelist, Jan 2024):
the Pegasus implants it analysed ran from ``/private/var/db/`` and Predator from
``/private/var/tmp/``; Apple's own executables live under the system volume (``/System``,
``/usr``, ``/sbin``...), app bundles and cryptexes, never in these data folders. The same
folders as ``shutdown_suspicious_path`` (one list, imported), applied to the process lists a
sysdiagnose keeps and to crash reports (a crashing implant leaves its path in the report).
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.detectors.shutdown_suspicious_path import suspicious_folder
from tracehound.parsers.ios.crash_reports import CrashReport
from tracehound.parsers.ios.sysdiagnose_ps import SysdiagnoseProcess
from tracehound.parsers.ios.sysdiagnose_ps_thread import SysdiagnoseThreadProcess


@detector
class ProcessSuspiciousPath(Detector):
    """One HIGH finding per suspicious executable path and file."""

    NAME = "process_suspicious_path"
    TYPES = ("ios.sysdiagnose_ps", "ios.sysdiagnose_ps_thread", "ios.crash_reports")
    DESCRIPTION = (
        "Process running (ps.txt, ps_thread.txt) or crashing (.ips) from /private/var/db or "
        "/private/var/tmp (HIGH)"
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
        folder = suspicious_folder(path)
        if folder is None or (prov.path, path) in self.seen:
            return
        self.seen.add((prov.path, path))
        actor = "Pegasus" if folder.endswith("/db/") else "Predator"
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=(
                f"process {path} {what}; it ran from {folder}, where Apple's own programs never "
                f"run and Kaspersky (iShutdown) found {actor} implants running"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=path,
        )
