"""App ops that let a package install apps, and any op used by the ADB shell package.

Facts: MVT ``DumpsysAppopsArtifact.check_indicators`` raises MEDIUM alerts for the risky op
``REQUEST_INSTALL_PACKAGES`` (an app allowed to install other apps: how droppers bring in their
payload) and for any op of the risky package ``com.android.shell`` (the identity of commands run
over ADB, e.g. by someone with brief physical access); MVT alerts once per entry. Here one
finding is given per package and op, with the time of its latest recorded entry, and
``REQUEST_INSTALL_PACKAGES`` counts only when its mode is ``allow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_appops import AppOp

INSTALL_OP = "REQUEST_INSTALL_PACKAGES"
SHELL_PACKAGE = "com.android.shell"


def _later(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and (b is None or a > b)


@detector
class AndroidAppopsInstallOrShell(Detector):
    NAME = "android_appops_install_or_shell"
    TYPES = (AppOp.TYPE,)
    DESCRIPTION = "Packages allowed to install apps, and app ops used by the ADB shell"

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], tuple[AppOp, Provenance]] = {}

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, AppOp):
            return iter(())
        install = record.op == INSTALL_OP and record.mode == "allow"
        if install or record.package == SHELL_PACKAGE:
            key = (record.package, record.op)
            kept = self._latest.get(key)
            if kept is None or _later(record.ts, kept[0].ts):
                self._latest[key] = (record, prov)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for (package, op), (record, prov) in self._latest.items():
            if package == SHELL_PACKAGE:
                message = f"The ADB shell package {package} used the app op {op}"
            else:
                message = f"Package {package} is allowed to install other apps ({op})"
            yield Finding(
                detector=self.NAME,
                severity=Severity.MEDIUM,
                message=message,
                ts=record.ts,
                record=record,
                prov=prov,
                value=f"{package} {op}",
            )
