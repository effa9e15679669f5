"""Android infection sequences: a link received, then within minutes an install from an unknown
source, an accessibility service used, or a crash of a privileged process.

Facts: the delivery and the follow-ups are those the other Android detectors judge one at a
time, here put on one timeline as Amnesty's 2021 method does for iOS (``detectors/sequences.py``):
- delivery: a received SMS/MMS with a link or an MMS download URL (Amnesty Tech, "Sophisticated
  Android spyware attack" (2023): a link sent by SMS delivered the 2023 campaign's exploit chain);
- install from an unknown source (``android_package_installer``: the system package installer,
  no installer recorded, a third-party store; MVT ``AQFPackages``), at its ``firstInstallTime``;
- an accessibility op used by a package (stalkerware reads the screen through an accessibility
  service; ``dumpsys accessibility`` records no time, so the dated app-op access is the trace);
- a native crash of a root, system or shell process (``android_tombstone_privileged_crash``:
  failed exploits crash privileged processes; MVT ``TombstoneCrashArtifact``).
WhatsApp backups and notifications are not read by tracehound on Android yet, so they are not
deliveries here.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detector
from tracehound.detectors.android_packages import (
    BROWSER_INSTALLERS,
    THIRD_PARTY_STORE_INSTALLERS,
    view,
)
from tracehound.detectors.android_tombstone_privileged_crash import PRIVILEGED
from tracehound.detectors.sequences import (
    DELIVERY,
    Chains,
    chain_finding,
    dropped_finding,
    window_from_env,
)
from tracehound.iocs.index import IndicatorIndex
from tracehound.parsers.android.dumpsys_appops import AppOp
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage
from tracehound.parsers.android.sms_backup import BackupMessage
from tracehound.parsers.android.tombstones import Tombstone

#: App ops of accessibility services (AOSP ``AppOpsManager``: OPSTR_ACCESS_ACCESSIBILITY,
#: OPSTR_BIND_ACCESSIBILITY_SERVICE).
ACCESSIBILITY_OPS = frozenset({"ACCESS_ACCESSIBILITY", "BIND_ACCESSIBILITY_SERVICE"})


def unknown_source(record: DumpsysPackage) -> str | None:
    """How a non-system package came from outside a store, or None."""
    pkg = view(record)
    if pkg is None or pkg.system:
        return None
    if pkg.installer in BROWSER_INSTALLERS:
        return f"by the system package installer ({pkg.installer})"
    if pkg.installer in THIRD_PARTY_STORE_INSTALLERS:
        return f"from a third-party store ({pkg.installer})"
    if pkg.no_installer:
        return "with no installer recorded"
    return None


@detector
class AndroidInfectionSequence(Detector):
    NAME = "android_infection_sequence"
    TYPES = (
        BackupMessage.TYPE,
        DumpsysPackage.TYPE,
        AppOp.TYPE,
        Tombstone.TYPE,
    )
    DESCRIPTION = (
        "A link received by SMS/MMS followed within minutes by an install from an unknown "
        "source, an accessibility op or a privileged crash (HIGH within a minute, CRITICAL "
        "with an indicator in the chain)"
    )

    def __init__(self, window: float = 0.0) -> None:
        self.chains = Chains(window or window_from_env())
        self.index: IndicatorIndex | None = None

    def use_indicators(self, index: IndicatorIndex) -> None:
        self.index = index

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        source = (record, prov)
        # A message whose box is not recorded counts as received: sent ones carry their box.
        if isinstance(record, BackupMessage) and record.direction in (None, "received"):
            links = record.links or ((record.content_location,) if record.content_location else ())
            if links:
                what = f"{record.kind.upper()} received with link {links[0]}"
                self.chains.add(DELIVERY, record.ts, what, source)
        elif isinstance(record, DumpsysPackage):
            how = unknown_source(record)
            if how:
                what = f"install of {record.package} {how}"
                self.chains.follow_up(record.package, record.first_install, what, source)
        elif isinstance(record, AppOp) and record.op in ACCESSIBILITY_OPS:
            if record.access == "Access":
                what = f"accessibility used by {record.package} ({record.op})"
                self.chains.follow_up(record.package, record.ts, what, source)
        elif isinstance(record, Tombstone) and record.uid in PRIVILEGED:
            process = record.process_name or record.binary_path or "a process"
            what = f"crash of {process} running as {PRIVILEGED[record.uid]}"
            self.chains.follow_up(process, record.ts, what, source)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for chain in self.chains.chains():
            value = self.chains.named(chain)
            yield chain_finding(self.NAME, self.chains, chain, self.index, value)
        yield from dropped_finding(self.NAME, self.chains)
