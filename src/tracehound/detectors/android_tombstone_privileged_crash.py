"""Native crashes of privileged processes (root, system, shell), from tombstones.

Facts: MVT ``TombstoneCrashArtifact.check_indicators`` raises a MEDIUM alert for a crash of a
process running as uid 0 (root), 1000 (system) or 2000 (shell): exploitation attempts often crash
privileged processes (a failed exploit of a system service leaves a tombstone). The uids are
AOSP's ``AID_ROOT``, ``AID_SYSTEM`` and ``AID_SHELL`` (``private/android_filesystem_config.h``).
Benign crashes of system services happen too, so this is a lead to look at, not a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.tombstones import Tombstone

PRIVILEGED = {0: "root", 1000: "system", 2000: "shell"}


@detector
class TombstonePrivilegedCrash(Detector):
    NAME = "android_tombstone_privileged_crash"
    TYPES = (Tombstone.TYPE,)
    DESCRIPTION = "Native crash of a process running as root, system or shell (MEDIUM)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, Tombstone) or record.uid not in PRIVILEGED:
            return
        process = record.process_name or record.binary_path or "an unknown process"
        program = record.binary_path if record.binary_path not in (None, process) else None
        signal = record.signal or (
            f"signal {record.signal_number}" if record.signal_number is not None else "no signal"
        )
        where = f" ({program})" if program else ""
        yield Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Process {process}{where} crashed with {signal} while running as uid "
                f"{record.uid} ({PRIVILEGED[record.uid]}), tombstone {record.file_name}. "
                "Exploitation attempts often crash privileged processes; check what else "
                "happened around this time"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=process,
        )
