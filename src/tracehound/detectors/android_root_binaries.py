"""Root tools on the phone's PATH (su, busybox, Magisk...), as found by androidqf.

Facts: androidqf ``modules/root_binaries.go`` looks for su, busybox, supersu, Superuser.apk,
KingoUser.apk, SuperSu.apk, magisk, magiskhide, magiskinit and magiskpolicy; MVT ``RootBinaries``
raises a HIGH alert for every one found. A stock phone has none of them on its PATH.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.root_binaries import RootBinary

DESCRIPTIONS = {
    "su": "the su command, which gives root (administrator) rights",
    "busybox": "BusyBox, a bundle of Unix tools usually installed together with root",
    "supersu": "SuperSU, a root manager",
    "superuser.apk": "the Superuser root manager app",
    "kingouser.apk": "the KingRoot (Kingo) root manager app",
    "supersu.apk": "the SuperSU root manager app",
    "magisk": "Magisk, a root framework",
    "magiskhide": "MagiskHide, which hides root from apps",
    "magiskinit": "Magisk's replacement init program, which roots the phone at boot",
    "magiskpolicy": "Magisk's SELinux policy patcher",
}


@detector
class RootBinaries(Detector):
    NAME = "android_root_binaries"
    TYPES = (RootBinary.TYPE,)
    DESCRIPTION = "Root tools found on the phone's PATH: su, busybox, magisk... (HIGH)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, RootBinary):
            return
        what = DESCRIPTIONS.get(record.binary.lower(), "a root tool")
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=(
                f"Root tool {record.binary} found at {record.path}: {what}. The phone is "
                "rooted, so any program with root rights can control it completely"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.path,
        )
