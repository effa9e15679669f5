"""android_infection_sequence: a received link, then an install, accessibility op or crash."""

from __future__ import annotations

import pytest

from tests.detectors.records_kit import at, make, prov
from tracehound.core.records import Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_infection_sequence import AndroidInfectionSequence
from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.parsers.android.dumpsys_appops import AppOp
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage
from tracehound.parsers.android.sms_backup import BackupMessage
from tracehound.parsers.android.tombstones import Tombstone


def run(*records: Record, index: IndicatorIndex | None = None) -> list[Finding]:
    det = AndroidInfectionSequence(window=300)
    if index is not None:
        det.use_indicators(index)
    for record in records:
        assert list(det.feed(record, prov(record.TYPE))) == []
    return list(det.finish())


def sms(t: float, direction: str | None = None) -> Record:
    return make(
        BackupMessage, ts=at(t), row=1, kind="sms", direction=direction,
        links=("https://movingstinger.link/c/8Hq2",),
    )  # fmt: skip


def install(t: float, installer: str | None = None, system: bool = False) -> Record:
    return make(
        DumpsysPackage, ts=at(t), package="com.apspy.app", first_install=at(t),
        installer=installer, system=system,
    )  # fmt: skip


def accessibility(t: float, access: str = "Access") -> Record:
    return make(AppOp, ts=at(t), package="com.evil", op="ACCESS_ACCESSIBILITY", access=access)


def crash(t: float, uid: int = 1000) -> Record:
    return make(Tombstone, ts=at(t), uid=uid, process_name="mediaserver", file_name="tombstone_00")


FOLLOW_UPS = {
    "install": (install, "install of com.apspy.app with no installer recorded"),
    "accessibility": (accessibility, "accessibility used by com.evil (ACCESS_ACCESSIBILITY)"),
    "crash": (crash, "crash of mediaserver running as system"),
}


@pytest.mark.parametrize("kind", FOLLOW_UPS)
def test_link_then_follow_up_is_a_chain(kind: str) -> None:
    build, label = FOLLOW_UPS[kind]
    found = run(build(40), sms(0))
    assert [f.severity for f in found] == [Severity.HIGH]
    assert found[0].message == (
        "Possible infection sequence (2 events within 40 s): SMS received with link "
        f"https://movingstinger.link/c/8Hq2, 40 s later {label}"
    )
    assert found[0].record.TYPE == "android.sms_backup"


@pytest.mark.parametrize("kind", FOLLOW_UPS)
def test_near_miss_outside_window(kind: str) -> None:
    build, _ = FOLLOW_UPS[kind]
    assert run(sms(0), build(400)) == []
    assert run(sms(0), build(-10)) == []


def test_near_misses_of_each_follow_up() -> None:
    assert run(sms(0), install(40, installer="com.android.vending")) == []  # Play Store
    assert run(sms(0), install(40, system=True)) == []
    assert run(sms(0), accessibility(40, access="Reject")) == []
    assert run(sms(0), crash(40, uid=10123)) == []  # an app, not a privileged process
    assert run(sms(0, direction="sent"), install(40)) == []


def test_browser_install_minutes_later_is_medium_and_indicators_make_it_critical() -> None:
    browser = install(200, installer="com.google.android.packageinstaller")
    assert [f.severity for f in run(sms(0), browser)] == [Severity.MEDIUM]
    index = IndicatorIndex.build(load_bundled().indicators)
    found = run(sms(0), install(40), index=index)
    assert found[0].severity is Severity.CRITICAL
    assert "movingstinger.link" in found[0].message and "com.apspy.app" in found[0].message


def test_mms_download_url_is_a_delivery() -> None:
    mms = make(BackupMessage, ts=at(0), row=2, kind="mms", content_location="http://mms.test/x")
    found = run(mms, crash(10))
    assert found[0].message.startswith(
        "Possible infection sequence (2 events within 10 s): MMS received with link "
        "http://mms.test/x, 10 s later crash of mediaserver"
    )
    assert run(make(BackupMessage, ts=at(0), kind="mms"), crash(10)) == []  # no link
