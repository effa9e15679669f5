from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_sms_receivers import AndroidSmsReceivers
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage
from tracehound.parsers.android.dumpsys_receivers import PackageReceiver

PROV = Provenance(
    source="androidqf",
    path="androidqf:dumpsys.txt",
    sha256=None,
    parser="android.dumpsys_receivers",
    parser_version="1",
)
SMS = "android.provider.Telephony.SMS_RECEIVED"
CALL = "android.intent.action.NEW_OUTGOING_CALL"


def receiver(package: str, intent: str = SMS) -> PackageReceiver:
    return PackageReceiver(ts=None, intent=intent, package=package, receiver=f"{package}/.Rx")


def package(name: str, system: bool) -> DumpsysPackage:
    return DumpsysPackage(
        ts=None, package=name, uid=1000, version_name=None, version_code=None, target_sdk=None,
        first_install=None, last_update=None, installer=None, system=system, code_path=None,
        requested_permissions=(), install_permissions=(), runtime_permissions=(),
        denied_permissions=(),
    )  # fmt: skip


def run(*records: PackageReceiver | DumpsysPackage) -> list[Finding]:
    det = AndroidSmsReceivers()
    for record in records:
        assert list(det.feed(record, PROV)) == []
    return list(det.finish())


def test_third_party_receivers_are_info() -> None:
    findings = run(
        receiver("com.spy.monitor"),
        receiver("com.spy.monitor", CALL),
        package("com.spy.monitor", False),
    )
    assert [f.severity for f in findings] == [Severity.INFO, Severity.INFO]
    assert "intercept incoming SMS" in findings[0].message
    assert "monitor outgoing calls" in findings[1].message
    assert findings[0].value == "com.spy.monitor/.Rx"


def test_system_packages_are_left_out() -> None:
    # The package record may come after the receiver record: the detector waits for finish().
    assert run(receiver("com.android.phone", CALL), package("com.android.phone", True)) == []


def test_without_package_list_every_receiver_is_reported() -> None:
    assert len(run(receiver("com.android.phone", CALL))) == 1
