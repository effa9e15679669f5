"""Shutdowns delayed three or more times by processes that would not stop (shutdown.log).

Fact: Kaspersky's iShutdown_detect.py (Securelist, Jan 2024) counts the ``these clients are still
here`` lines before each ``SIGTERM`` and reports reboots with 3 or more such delays as an anomaly
seen in infected phones: "sticky" processes that delay the reboot. Busy but clean phones can do
this too, hence MEDIUM.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.shutdown_log import ShutdownClient

#: iShutdown's threshold of "still here" delays before one SIGTERM.
THRESHOLD = 3
_MAX_NAMES = 10


@dataclass
class _Reboot:
    record: ShutdownClient
    prov: Provenance
    sticky: list[str] = field(default_factory=list)  # clients listed in every delay
    clients: int = 0


@detector
class ShutdownStickyReboot(Detector):
    """One MEDIUM finding per shutdown with 3 or more "clients are still here" delays."""

    NAME = "shutdown_sticky_reboot"
    TYPES = ("ios.shutdown_log",)
    DESCRIPTION = "Shutdown delayed 3 or more times by processes still running (MEDIUM)"

    def __init__(self) -> None:
        self.reboots: dict[tuple[str, int], _Reboot] = {}

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if (
            isinstance(record, ShutdownClient)
            and record.ts is not None
            and record.times_delayed >= THRESHOLD
        ):
            item = self.reboots.setdefault((prov.path, record.reboot), _Reboot(record, prov))
            item.clients += 1
            name = record.process or record.client
            if record.times_listed >= record.times_delayed and len(item.sticky) < _MAX_NAMES:
                item.sticky.append(name)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for (_path, _number), item in sorted(self.reboots.items()):
            rec = item.record
            stuck = ", ".join(item.sticky) if item.sticky else "none listed every time"
            yield Finding(
                detector=self.NAME,
                severity=Severity.MEDIUM,
                message=(
                    f"shutdown at {rec.ts.isoformat() if rec.ts else '?'} was delayed "
                    f"{rec.times_delayed} times by {item.clients} process(es) still running "
                    f"(still there at every delay: {stuck}); Kaspersky's iShutdown reports "
                    f"{THRESHOLD} or more delays as an anomaly seen in infected phones"
                ),
                ts=rec.ts,
                record=rec,
                prov=item.prov,
                value=str(rec.times_delayed),
            )
