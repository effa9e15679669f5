"""Accessibility services that do not agree with what is installed.

Facts: ``dumpsys accessibility`` lists the services the system found installed and, separately,
the ``Enabled services`` of the secure setting (``parsers/android/dumpsys_accessibility.py``,
AOSP ``AccessibilityUserState.dump``). Heuristics (ours): an enabled service that is not among
the installed ones belongs to an app that was removed or hides itself, while its access stays
configured (MEDIUM). The reverse, a service the accessibility manager sees installed whose app is
absent from the package list of the same acquisition (androidqf ``packages.json``, ``dumpsys
package``), may be an app hidden from the package list; it is LOW, since a package list can be
partial (MVT's androidqf sample lists 7 packages, and Samsung's own services are missing from it).
That second check runs only when a package list was read: absence from a list that was never read
proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_accessibility import AccessibilityService
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage
from tracehound.parsers.android.packages import Package


@detector
class AccessibilityMismatch(Detector):
    NAME = "android_accessibility_mismatch"
    TYPES = (AccessibilityService.TYPE, Package.TYPE, DumpsysPackage.TYPE)
    DESCRIPTION = (
        "Accessibility service enabled but not installed, or installed for the accessibility "
        "manager but its app missing from the package list (LOW)"
    )

    def __init__(self) -> None:
        self.installed: dict[str, tuple[AccessibilityService, Provenance]] = {}
        self.packages: set[str] = set()
        self.listed = False

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, Package | DumpsysPackage):
            self.listed = True
            self.packages.add(record.name if isinstance(record, Package) else record.package)
        elif isinstance(record, AccessibilityService):
            if record.installed:
                self.installed.setdefault(record.service, (record, prov))
            elif record.enabled:
                yield self._finding(
                    record, prov, Severity.MEDIUM,
                    f"Accessibility service {record.service} is enabled but not installed: its "
                    "app was removed or hides itself, and its access is still configured",
                )  # fmt: skip

    def finish(self) -> Iterator[Finding]:
        if not self.listed:
            return
        for service, (record, prov) in sorted(self.installed.items()):
            if record.package not in self.packages:
                yield self._finding(
                    record, prov, Severity.LOW,
                    f"Accessibility service {service} is installed but its app "
                    f"{record.package} is not in the package list: the app may hide itself",
                )  # fmt: skip

    def _finding(
        self, record: AccessibilityService, prov: Provenance, severity: Severity, msg: str
    ) -> Finding:
        return Finding(
            detector=self.NAME, severity=severity, message=msg, ts=record.ts,
            record=record, prov=prov, value=record.service,
        )  # fmt: skip
