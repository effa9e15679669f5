"""Security events of an Android 16 intrusion log that an analyst should look at.

Facts: AOSP ``SecurityLog`` (frameworks/base ``core/java/android/app/admin/SecurityLog.java``
and ``SecurityLogTags.logtags``): ``TAG_KEYGUARD_DISMISS_AUTH_ATTEMPT`` (210007) carries
``[success (1 or 0), method strength]``; ``TAG_ADB_SHELL_CMD`` (210002) the command run by
``adb shell``, ``TAG_ADB_SHELL_INTERACTIVE`` (210001) an interactive shell, and
``TAG_SYNC_RECV_FILE``/``TAG_SYNC_SEND_FILE`` (210003/210004) files pushed or pulled over ADB.
The intrusion log forwards these events (``SecurityLogSource``).

Heuristics (ours): repeated failed unlocks (``FAILED_UNLOCKS`` or more in the log) mean someone
tried to get into the phone: MEDIUM, one finding at the first failure. ADB activity is LOW and
reported once, at its first event: an acquisition tool (androidqf, adb bugreport) itself uses ADB,
so the analyst compares the times with the acquisition's.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.intrusion_logs import IntrusionEvent

UNLOCK_ATTEMPT = 210007
ADB_TAGS = frozenset({210001, 210002, 210003, 210004})
FAILED_UNLOCKS = 3


@detector
class IntrusionSecurityEvents(Detector):
    NAME = "android_intrusion_security_events"
    TYPES = (IntrusionEvent.TYPE,)
    DESCRIPTION = (
        f"Intrusion log: {FAILED_UNLOCKS} or more failed unlock attempts (MEDIUM); "
        "ADB shell commands or file transfers (LOW, once)"
    )

    def __init__(self) -> None:
        # Counts and the earliest event only: an intrusion log can hold millions of events, and
        # the detector's memory must not grow with it.
        self.failed = _Earliest()
        self.adb = _Earliest()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, IntrusionEvent) or record.event != "security":
            return
        if record.tag == UNLOCK_ATTEMPT and record.data[:1] == ("0",):
            self.failed.add(record, prov)
        elif record.tag in ADB_TAGS:
            self.adb.add(record, prov)
        yield from ()

    def finish(self) -> Iterator[Finding]:
        if self.failed.count >= FAILED_UNLOCKS and self.failed.first is not None:
            first, prov = self.failed.first
            yield Finding(
                detector=self.NAME, severity=Severity.MEDIUM, ts=first.ts, record=first,
                prov=prov, value="failed_unlocks",
                message=(
                    f"{self.failed.count} failed attempts to unlock the phone in the intrusion "
                    "log (from the time shown): someone may have tried to get into it"
                ),
            )  # fmt: skip
        if self.adb.first is not None:
            first, prov = self.adb.first
            yield Finding(
                detector=self.NAME, severity=Severity.LOW, ts=first.ts, record=first,
                prov=prov, value="adb",
                message=(
                    f"{self.adb.count} ADB shell commands or file transfers in the intrusion log "
                    f"(first: {first.tag_name}); compare with the acquisition's own times"
                ),
            )  # fmt: skip


class _Earliest:
    """How many events were seen, and the earliest (the first seen when none has a time)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[IntrusionEvent, Provenance] | None = None

    def add(self, record: IntrusionEvent, prov: Provenance) -> None:
        self.count += 1
        if self.first is None:
            self.first = (record, prov)
            return
        best = self.first[0].ts
        if record.ts is not None and (best is None or record.ts < best):
            self.first = (record, prov)
