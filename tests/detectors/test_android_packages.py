from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_packages import (
    ROOT_PACKAGES,
    DisabledSecurityPackage,
    PackageInstaller,
    RootPackage,
    view,
)
from tracehound.parsers.android.packages import Package

PROV = Provenance(
    source="androidqf",
    path="androidqf:packages.json",
    sha256=None,
    parser="android.packages",
    parser_version="1",
)


def pkg(**changes: Any) -> Package:
    fields: dict[str, Any] = {
        "ts": None,
        "name": "com.example.app",
        "installer": "com.android.vending",
        "uid": 10100,
        "user_id": None,
        "disabled": False,
        "system": False,
        "third_party": True,
        "installed": None,
        "apk_paths": ("/data/app/~~x==/com.example.app-y==/base.apk",),
        "apk_md5": (),
        "apk_sha1": (),
        "apk_sha256": (),
        "apk_sha512": (),
        "cert_md5": (),
        "cert_sha1": (),
        "cert_sha256": (),
        "cert_subjects": (),
        "cert_valid_from": (),
        "trusted_certificate": None,
    }
    fields.update(changes)
    return Package(**fields)


def run(det: Any, record: Record) -> list[Finding]:
    return list(det.feed(record, PROV))


def test_root_packages() -> None:
    assert len(ROOT_PACKAGES) == 25
    findings = run(RootPackage(), pkg(name="com.topjohnwu.magisk"))
    assert [(f.severity, f.value, f.detector) for f in findings] == [
        (Severity.MEDIUM, "com.topjohnwu.magisk", "android_root_package")
    ]
    assert "rooting" in findings[0].message and findings[0].prov is PROV
    assert run(RootPackage(), pkg()) == []


def test_installers() -> None:
    det = PackageInstaller()
    browser = run(det, pkg(installer="com.google.android.packageinstaller"))
    assert [(f.severity, f.value) for f in browser] == [
        (Severity.MEDIUM, "com.google.android.packageinstaller")
    ]
    assert "browser or file manager" in browser[0].message
    adb = run(det, pkg(name="com.apspy.app", installer="null"))
    assert [(f.severity, f.value) for f in adb] == [(Severity.MEDIUM, "null")]
    assert "com.apspy.app" in adb[0].message and "adb" in adb[0].message
    store = run(det, pkg(installer="org.fdroid.fdroid"))
    assert [(f.severity, f.value) for f in store] == [(Severity.INFO, "org.fdroid.fdroid")]


def test_installers_quiet_cases() -> None:
    det = PackageInstaller()
    assert run(det, pkg()) == []  # Play Store
    assert run(det, pkg(installer="null", system=True)) == []  # preinstalled
    assert run(det, pkg(installer="null", system=None)) == []  # unknown: not claimed
    assert run(det, pkg(installer=None)) == []  # pm without -i: installer unknown


def test_disabled_security_and_update_packages() -> None:
    det = DisabledSecurityPackage()
    sec = run(det, pkg(name="com.samsung.android.securitylogagent", disabled=True, system=True))
    assert [f.severity for f in sec] == [Severity.MEDIUM] and "security package" in sec[0].message
    upd = run(det, pkg(name="com.google.android.gms", disabled=True, system=True))
    assert "system update package" in upd[0].message
    assert run(det, pkg(name="com.google.android.gms", disabled=False)) == []
    assert run(det, pkg(name="com.example.app", disabled=True)) == []


@dataclass(frozen=True, slots=True, kw_only=True)
class _DumpsysShaped(Record):
    TYPE = "android.dumpsys_packages"
    package: str
    installer: str | None
    system: bool


def test_view_reads_dumpsys_shaped_records() -> None:
    record = _DumpsysShaped(ts=None, package="com.apspy.app", installer=None, system=False)
    seen = view(record)
    assert seen is not None and seen.name == "com.apspy.app" and seen.no_installer
    assert seen.installer is None and seen.disabled is None
    assert view(pkg(installer="null")) == view(pkg(installer="null"))
    other = pkg(installer=None)
    assert view(other) is not None and not view(other).no_installer  # type: ignore[union-attr]
