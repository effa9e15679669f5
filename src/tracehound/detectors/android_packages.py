"""Installed packages that point at rooting, sideloading or disabled protections.

Facts (MVT ``src/mvt/android/utils.py`` lists and ``AQFPackages.check_indicators``):
- ``ROOT_PACKAGES``: 25 package names of root managers and root-hiding tools → MEDIUM.
- ``BROWSER_INSTALLERS`` (``com.google.android.packageinstaller``,
  ``com.android.packageinstaller``): the system package installer, i.e. an APK opened from a
  browser or file manager → MEDIUM.
- installer ``null`` on a non-system package: installed over adb or by another method that
  records no installer → MEDIUM.
- ``THIRD_PARTY_STORE_INSTALLERS`` (``com.aurora.store``, ``org.fdroid.fdroid``) → INFO (MVT
  only logs them).
- ``SECURITY_PACKAGES`` and ``SYSTEM_UPDATE_PACKAGES`` disabled → MEDIUM (MVT logs a warning).

Records: ``android.packages`` (androidqf packages.json, where ``installer`` is ``"null"`` when no
installer is recorded and None when unknown). ``view()`` also reads ``android.dumpsys_packages``
records (``package``, ``installer`` None when none is recorded, ``system``), so adding that TYPE to
a detector's TYPES is all it takes to check dumpsys output too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector

ROOT_PACKAGES = frozenset(
    {
        "com.noshufou.android.su",
        "com.noshufou.android.su.elite",
        "eu.chainfire.supersu",
        "com.koushikdutta.superuser",
        "com.thirdparty.superuser",
        "com.yellowes.su",
        "com.koushikdutta.rommanager",
        "com.koushikdutta.rommanager.license",
        "com.dimonvideo.luckypatcher",
        "com.chelpus.lackypatch",
        "com.ramdroid.appquarantine",
        "com.ramdroid.appquarantinepro",
        "com.devadvance.rootcloak",
        "com.devadvance.rootcloakplus",
        "de.robv.android.xposed.installer",
        "com.saurik.substrate",
        "com.zachspong.temprootremovejb",
        "com.amphoras.hidemyroot",
        "com.amphoras.hidemyrootadfree",
        "com.formyhm.hiderootPremium",
        "com.formyhm.hideroot",
        "me.phh.superuser",
        "eu.chainfire.supersu.pro",
        "com.kingouser.com",
        "com.topjohnwu.magisk",
    }
)
SECURITY_PACKAGES = frozenset(
    {
        "com.policydm",
        "com.samsung.android.app.omcagent",
        "com.samsung.android.securitylogagent",
        "com.sec.android.soagent",
    }
)
SYSTEM_UPDATE_PACKAGES = frozenset(
    {
        "com.android.updater",
        "com.google.android.gms",
        "com.huawei.android.hwouc",
        "com.lge.lgdmsclient",
        "com.motorola.ccc.ota",
        "com.oneplus.opbackup",
        "com.oppo.ota",
        "com.transsion.systemupdate",
        "com.wssyncmldm",
    }
)
BROWSER_INSTALLERS = frozenset(
    {"com.google.android.packageinstaller", "com.android.packageinstaller"}
)
THIRD_PARTY_STORE_INSTALLERS = frozenset({"com.aurora.store", "org.fdroid.fdroid"})


@dataclass(frozen=True)
class PackageView:
    """What the package detectors need, whatever record type it came from."""

    name: str
    installer: str | None  # None: none recorded or unknown (see no_installer)
    no_installer: bool  # the package manager recorded no installer
    system: bool | None
    disabled: bool | None


def view(record: Record) -> PackageView | None:
    """The package facts of an ``android.packages`` or ``android.dumpsys_packages`` record."""
    if record.TYPE == "android.packages":
        installer = getattr(record, "installer", None)
        return PackageView(
            name=getattr(record, "name", ""),
            installer=None if installer in (None, "null") else installer,
            no_installer=installer == "null",
            system=getattr(record, "system", None),
            disabled=getattr(record, "disabled", None),
        )
    if record.TYPE == "android.dumpsys_packages":
        installer = getattr(record, "installer", None)
        return PackageView(
            name=getattr(record, "package", ""),
            installer=installer,
            no_installer=installer is None,
            system=getattr(record, "system", None),
            disabled=getattr(record, "disabled", None),
        )
    return None


def _finding(
    name: str, severity: Severity, message: str, record: Record, prov: Provenance, value: str
) -> Finding:
    return Finding(
        detector=name,
        severity=severity,
        message=message,
        ts=record.ts,
        record=record,
        prov=prov,
        value=value,
    )


@detector
class RootPackage(Detector):
    NAME = "android_root_package"
    TYPES = ("android.packages",)
    DESCRIPTION = "Installed root manager or root-hiding app (MVT ROOT_PACKAGES) (MEDIUM)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        pkg = view(record)
        if pkg is None or pkg.name not in ROOT_PACKAGES:
            return
        yield _finding(
            self.NAME,
            Severity.MEDIUM,
            f"Package {pkg.name} is a known rooting or root-hiding tool: the phone is probably "
            "rooted, which removes Android's protection between apps",
            record,
            prov,
            pkg.name,
        )


@detector
class PackageInstaller(Detector):
    NAME = "android_package_installer"
    TYPES = ("android.packages",)
    DESCRIPTION = (
        "Apps sideloaded from a browser or file (MEDIUM), installed with no installer such as "
        "over adb (MEDIUM), or from a third-party store (INFO)"
    )

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        pkg = view(record)
        if pkg is None:
            return
        if pkg.installer in BROWSER_INSTALLERS:
            yield _finding(
                self.NAME,
                Severity.MEDIUM,
                f"Package {pkg.name} was installed by the system package installer "
                f"({pkg.installer}): an APK file opened from a browser or file manager, "
                "outside any app store",
                record,
                prov,
                pkg.installer,
            )
        elif pkg.no_installer and pkg.system is False:
            yield _finding(
                self.NAME,
                Severity.MEDIUM,
                f"Non-system package {pkg.name} has no recorded installer: it was installed "
                "over adb (USB debugging) or by another method that bypasses app stores",
                record,
                prov,
                "null",
            )
        elif pkg.installer in THIRD_PARTY_STORE_INSTALLERS:
            yield _finding(
                self.NAME,
                Severity.INFO,
                f"Package {pkg.name} was installed from a third-party app store ({pkg.installer})",
                record,
                prov,
                pkg.installer,
            )


@detector
class DisabledSecurityPackage(Detector):
    NAME = "android_disabled_security_package"
    TYPES = ("android.packages",)
    DESCRIPTION = "Disabled security or system update package (MEDIUM)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        pkg = view(record)
        if pkg is None or not pkg.disabled:
            return
        if pkg.name in SECURITY_PACKAGES:
            what = "security package"
        elif pkg.name in SYSTEM_UPDATE_PACKAGES:
            what = "system update package"
        else:
            return
        yield _finding(
            self.NAME,
            Severity.MEDIUM,
            f"The {what} {pkg.name} is disabled: the phone may no longer receive protections "
            "or updates that depend on it",
            record,
            prov,
            pkg.name,
        )
