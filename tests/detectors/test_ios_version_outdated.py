"""ios_version_outdated: the checked iOS version against the bundled build table."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.detectors.records_kit import at, make, prov
from tracehound.core.ios_builds import BuildTable
from tracehound.core.records import Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.ios_version_outdated import IosVersionOutdated
from tracehound.parsers.ios.ios_version_history import IosVersionSeen
from tracehound.parsers.ios.keychain_analytics import KeychainAnalyticsEvent
from tracehound.parsers.ios.system_version import SystemVersion

BACKED_UP = datetime(2021, 7, 20, 9, 0, tzinfo=UTC)
TABLE = BuildTable.from_json(
    {
        "built": "2026-12-02",
        "builds": [
            {"build": "18F72", "version": "14.6", "released": "2021-05-24"},
            {"build": "18G69", "version": "14.7", "released": "2021-07-19"},
            {"build": "20A362", "version": "16.0", "released": "2022-09-12",
             "security": True, "cves": 11, "advisory": "https://support.apple.com/x"},
            {"build": "20A371", "version": "16.0.1", "released": "2022-09-22",
             "security": False, "cves": 0},
        ],
    }
)  # fmt: skip


INFO_PLIST = "backup:Info.plist"
SYSTEM_PLIST = "/System/Library/CoreServices/SystemVersion.plist"


def run(*records: Record, table: BuildTable = TABLE) -> list[Finding]:
    det = IosVersionOutdated(table)
    for record in records:
        path = INFO_PLIST if isinstance(record, SystemVersion) and record.acquired else SYSTEM_PLIST
        assert list(det.feed(record, prov(record.TYPE, path))) == []
    return list(det.finish())


def info(version: str | None, build: str | None) -> SystemVersion:
    """The version record read from a backup's Info.plist (with its last backup date)."""
    return make(SystemVersion, product_version=version, build_version=build, acquired=BACKED_UP)


def test_behind_a_security_release_is_low_with_table_and_acquisition_dates() -> None:
    [finding] = run(info("14.6", "18F72"))
    assert finding.severity is Severity.LOW and finding.value == "14.6 (18F72)"
    assert finding.ts is None and finding.record.TYPE == "ios.system_version"
    assert finding.message == (
        "iOS 14.6 (18F72), from the backup's Info.plist, is older than the newest release of "
        "the bundled build table built 2026-12-02 (4 builds, newest iOS 16.0.1 (20A371) of "
        "2022-09-22): 3 newer versions, 1 of them security releases with published CVE entries "
        "(the first: 16.0 of 2022-09-12, 11 CVEs, https://support.apple.com/x). When acquired "
        "(2021-07-20), 1 of them had come out, the first 14.7 of 2021-07-19. Outdated means as of "
        "the table: later releases are unknown to it, and an old model may be unable to run "
        "the newest versions"
    )


def test_behind_only_releases_without_cves_is_info() -> None:
    [finding] = run(make(SystemVersion, product_version="16.0", build_version="20A362"))
    assert finding.severity is Severity.INFO
    assert "from SystemVersion.plist" in finding.message
    assert "none of them known to fix CVEs" in finding.message
    assert "When acquired" not in finding.message  # no acquisition date known


def test_up_to_date_newer_or_unknown_is_never_outdated() -> None:
    assert run(info("16.0.1", "20A371")) == []
    assert run(info("17.0", "21A329")) == []  # newer than the table
    assert run(info(None, "99Z999")) == []  # unknown build, no version
    assert run(info("beta", None)) == []
    assert run(info(None, None)) == []
    assert run() == []


def test_build_alone_is_looked_up() -> None:
    [finding] = run(info(None, "18f72"))
    assert finding.value == "14.6 (18f72)"


def test_device_facts_win_over_analytics_and_the_newest_analytics_build_is_used() -> None:
    journal = make(IosVersionSeen, ts=at(0), version="14.6", build="18F72")
    later = make(KeychainAnalyticsEvent, ts=at(60), build="20A362", first_of_build=True)
    not_first = make(KeychainAnalyticsEvent, ts=at(90), build="18F72", first_of_build=False)
    [from_analytics] = run(journal, later, not_first)
    assert from_analytics.value == "16.0 (20A362)"
    assert "the newest build in keychain analytics" in from_analytics.message
    assert run(journal, later, info("16.0.1", "20A371")) == []  # Info.plist: up to date


def test_bundled_table_on_the_demo_phone() -> None:
    det = IosVersionOutdated()
    assert list(det.feed(info("14.6", "18F72"), prov("ios.system_version", INFO_PLIST))) == []
    [found] = det.finish()
    assert found.severity is Severity.LOW
    assert "newest iOS 26.6.1 (23G83) of 2026-08-17" in found.message
    assert det.table.built == date(2026, 12, 2)
