"""The checked phone's iOS version is older than the newest release of the bundled build table.

Fact: MVT's ``BackupInfo`` calls ``is_ios_version_outdated`` (``mvt/ios/versions.py``): a
version (or a build, looked up in ``ios_versions.json``) below the table's last entry is logged
as a warning, not an alert; an unknown build is never called outdated. Here the version comes
from the acquisition itself (``ios.system_version``: the backup's Info.plist, SystemVersion.plist
of a dump or a sysdiagnose; not ``ios.backup_info``, whose identifiers a redacted report must not
show) or, when neither is there, from the newest OS build the phone wrote in its analytics
(journal headers, keychain analytics). Behind by a release that Apple's security releases page
lists with CVE entries -> LOW (known vulnerabilities are open); behind by other releases only ->
INFO. The table knows only what was released before it was built, so the message gives its date:
"outdated" means "as of the table", and the acquisition date, when known, tells what the phone
had missed when it was acquired. The finding has no time: it describes a state, not an event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.ios_builds import BuildTable, Release, bundled_table, version_key
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.ios_version_history import IosVersionSeen
from tracehound.parsers.ios.keychain_analytics import KeychainAnalyticsEvent
from tracehound.parsers.ios.system_version import SystemVersion


@dataclass(frozen=True)
class Claim:
    """A version the phone reported, where it was read, and how much it is trusted."""

    rank: int  # 0: the acquisition's own device facts; 1: the newest build in analytics
    ts: datetime | None
    version: str | None
    build: str | None
    where: str
    acquired: datetime | None
    record: Record
    prov: Provenance


def claim_of(record: Record, prov: Provenance) -> Claim | None:
    """The version claim a record makes, if any."""
    if isinstance(record, SystemVersion):
        return Claim(0, None, record.product_version, record.build_version,
                     record.where(prov.path), record.acquired, record, prov)  # fmt: skip
    if isinstance(record, IosVersionSeen) and record.ts and (record.version or record.build):
        return Claim(1, record.ts, record.version, record.build,
                     "the newest analytics journal header", None, record, prov)  # fmt: skip
    if isinstance(record, KeychainAnalyticsEvent) and record.first_of_build and record.ts:
        return Claim(1, record.ts, None, record.build,
                     "the newest build in keychain analytics", None, record, prov)  # fmt: skip
    return None


def _better(new: Claim, old: Claim | None) -> bool:
    if old is None or new.rank != old.rank:
        return old is None or new.rank < old.rank
    return new.rank == 1 and new.ts is not None and old.ts is not None and new.ts > old.ts


def _when(release: Release) -> str:
    return f" of {release.released.isoformat()}" if release.released else ""


def describe(claim: Claim, version: str, newer: list[Release], table: BuildTable) -> str:
    """The finding's message."""
    build = f" ({claim.build})" if claim.build else ""
    fixes = [r for r in newer if r.security]
    head = (
        f"iOS {version}{build}, from {claim.where}, is older than the newest release of the "
        f"bundled build {table.label()}: {len(newer)} newer versions"
    )
    if fixes:
        first = fixes[0]
        head += (
            f", {len(fixes)} of them security releases with published CVE entries (the first: "
            f"{first.version}{_when(first)}, {first.cves} CVEs, {first.advisory})"
        )
    else:
        head += ", none of them known to fix CVEs (security facts known from iOS 16 on)"
    if claim.acquired is not None:
        day = claim.acquired.date()
        out = [r for r in newer if r.released and r.released <= day]
        head += f". When acquired ({day.isoformat()}), {len(out)} of them had come out" + (
            f", the first {out[0].version}{_when(out[0])}" if out else ""
        )
    return head + (
        ". Outdated means as of the table: later releases are unknown to it, and an old model "
        "may be unable to run the newest versions"
    )


@detector
class IosVersionOutdated(Detector):
    NAME = "ios_version_outdated"
    TYPES = (SystemVersion.TYPE, IosVersionSeen.TYPE, KeychainAnalyticsEvent.TYPE)
    DESCRIPTION = (
        "iOS older than the newest release of the bundled build table (LOW when a newer "
        "release fixed CVEs, else INFO; as of the table's date)"
    )

    def __init__(self, table: BuildTable | None = None) -> None:
        self.table = table or bundled_table()
        self.best: Claim | None = None

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        claim = claim_of(record, prov)
        if claim is not None and (claim.version or claim.build) and _better(claim, self.best):
            self.best = claim
        return iter(())

    def finish(self) -> Iterator[Finding]:
        claim = self.best
        if claim is None:
            return
        known = self.table.find(claim.build)
        version = claim.version if version_key(claim.version) else None
        version = version or (known.version if known else None)
        if version is None:
            return  # an unknown build and no usable version: never called outdated
        newer = self.table.newer_than(version)
        if not newer:
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.LOW if any(r.security for r in newer) else Severity.INFO,
            message=describe(claim, version, newer, self.table),
            ts=None,
            record=claim.record,
            prov=claim.prov,
            value=f"{version} ({claim.build})" if claim.build else version,
        )
