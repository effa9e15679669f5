from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Severity
from tracehound.detectors.triangulation_cluster import TriangulationCluster
from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.locationd_clients import LocationdClient
from tracehound.parsers.ios.manifest import ManifestFile, device_path
from tracehound.parsers.ios.netusage import NetUsage
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage

T0 = datetime(2022, 9, 12, 17, 6, 21, tzinfo=UTC)
IMAGEIO = ("RootDomain", "Library/Preferences/com.apple.ImageIO.plist")


def prov(parser: str, path: str = "/x") -> Provenance:
    return Provenance(
        source="ios_backup", path=path, sha256=None, parser=parser, parser_version="1"
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def manifest(
    domain: str,
    rel: str,
    m: float | None = None,
    c: float | None = None,
    b: float | None = None,
    is_dir: bool = False,
) -> ManifestFile:
    return ManifestFile(
        ts=None if m is None else at(m),
        row=1,
        file_id="0" * 40,
        domain=domain,
        relative_path=rel,
        path=device_path(domain, rel),
        flags=2 if is_dir else 1,
        is_dir=is_dir,
        mode=None,
        size=None,
        uid=None,
        gid=None,
        inode=None,
        protection_class=None,
        created=None if b is None else at(b),
        status_changed=None if c is None else at(c),
        has_metadata=True,
        url_hosts=(),
    )


def usage(
    raw: str | None, first: float | None, last: float | None, cls: type[DataUsage] = DataUsage
) -> DataUsage:
    return cls(
        ts=None if last is None else at(last),
        row=1,
        first_seen=None if first is None else at(first),
        process_name=raw.split("/")[0] if raw else None,
        process_raw=raw,
        bundle_id=None,
        process_pk=1,
        usage_pk=2,
        process_missing=False,
        wifi_in=None,
        wifi_out=None,
        wwan_in=None,
        wwan_out=None,
    )


def location(bundle: str, stopped: float) -> LocationdClient:
    key = f"com.apple.locationd.bundle-/System/Library/LocationBundles/{bundle}"
    times = dict.fromkeys(
        (
            "consumption_period_begin",
            "receiving_location_information_time_stopped",
            "visit_time_stopped",
            "background_location_time_stopped",
            "significant_time_stopped",
            "non_persistent_significant_time_stopped",
            "fence_time_stopped",
            "beacon_region_time_stopped",
        )
    )
    return LocationdClient(
        ts=at(stopped),
        key=key,
        bundle_id=None,
        process=bundle,
        bundle_path=None,
        executable=None,
        registered=None,
        authorization=None,
        location_time_stopped=at(stopped),
        **times,
    )


def run(records: list[Record]) -> list:  # type: ignore[type-arg]
    det = TriangulationCluster()
    for r in records:
        assert list(det.feed(r, prov(r.TYPE))) == []
    return list(det.finish())


def test_file_and_traffic_within_five_minutes() -> None:
    found = run([manifest(*IMAGEIO, m=0, c=0, b=-86400), usage("nehelper", 120, 4000)])
    assert len(found) == 1
    f = found[0]
    assert f.severity is Severity.MEDIUM and f.detector == "triangulation_cluster"
    assert f.value == "file, net" and f.ts == T0
    assert isinstance(f.record, ManifestFile) and f.record.relative_path == IMAGEIO[1]
    assert [type(r).__name__ for r, _ in f.related] == ["DataUsage"]
    assert "first traffic by process nehelper" in f.message and "triangle_check" in f.message


def test_sms_folder_and_location() -> None:
    records: list[Record] = [
        manifest("MediaDomain", "Library/SMS/Attachments/0a", m=0, c=5, is_dir=True),
        manifest("MediaDomain", "Library/SMS/Attachments/0a/10", m=1, c=6, b=1, is_dir=True),
        location("IonosphereHarvest.bundle", 60),
        location("SomethingElse.bundle", 61),
        OsAnalyticsNetUsage(
            ts=at(7200), process="BackupAgent", wifi_in=1.0, wifi_out=1.0, wwan_in=0.0, wwan_out=0.0
        ),
    ]
    found = run(records)
    assert [(f.value, f.ts) for f in found] == [("location, sms", T0)]
    assert isinstance(found[0].record, LocationdClient) and found[0].related == ()
    assert "Library/SMS/Attachments/0a/10" in found[0].message


def test_real_attachment_in_window_cancels() -> None:
    records: list[Record] = [
        manifest("MediaDomain", "Library/SMS/Attachments/0a/10", m=0, c=1, is_dir=True),
        manifest("MediaDomain", "Library/SMS/Attachments/0a/10/ABC/IMG_0001.HEIC", m=2, c=2, b=2),
        location("WRMLinkSelection.bundle", 30),
    ]
    assert run(records) == []
    # without the attachment file the same traces are suspicious
    assert len(run([records[0], records[2]])) == 1


def test_negative_cases() -> None:
    # more than 5 minutes apart
    assert run([manifest(*IMAGEIO, m=0), usage("nehelper", 301, None)]) == []
    # one class only
    only_files = [
        manifest(*IMAGEIO, m=0, c=1, b=2),
        manifest("HomeDomain", "Library/Preferences/com.apple.imservice.ids.FaceTime.plist", m=3),
    ]
    assert run(only_files) == []
    # a process triangle_check does not watch, and a ZPROCNAME that is not exactly the name
    assert run([manifest(*IMAGEIO, m=0), usage("mobilesafari", 10, 20)]) == []
    assert run([manifest(*IMAGEIO, m=0), usage("nehelper/com.apple.nehelper", 10, 20)]) == []
    # an SMS folder with a modification but no status change cancels the window
    folder = manifest("MediaDomain", "Library/SMS/Attachments/0b", m=0, is_dir=True)
    assert run([folder, location("IonosphereHarvest.bundle", 10)]) == []
    # a watched file name in another domain
    assert run([manifest("HomeDomain", IMAGEIO[1], m=0), usage("nehelper", 5, None)]) == []


def test_overlapping_windows_are_one_finding_and_distant_ones_two() -> None:
    records: list[Record] = [
        manifest(*IMAGEIO, m=0, c=10, b=20),
        usage("com.apple.WebKit.WebContent", 30, 40),
        usage("com.apple.WebKit.WebContent", 30, 50, NetUsage),  # same first_seen: deduplicated
        location("IonosphereHarvest.bundle", 86400),
        usage("lockdownd/com.apple.datausage.security", 86400 + 100, None),
    ]
    found = run(records)
    assert [(f.ts, f.value) for f in found] == [
        (T0, "file, net"),
        (at(86400), "location, net"),
    ]
    assert found[0].message.count("com.apple.WebKit.WebContent") == 3  # first, 40 s, 50 s
    assert [r.TYPE for r, _ in found[0].related] == ["ios.datausage", "ios.netusage"]


@pytest.fixture(scope="module")
def index() -> IndicatorIndex:
    return IndicatorIndex.build(load_bundled().indicators)


def test_backupagent_matches_bundled_triangulation_indicator(index: IndicatorIndex) -> None:
    for cls in (DataUsage, NetUsage):
        matches = index.match_record(usage("BackupAgent", 0, 10, cls))
        hits = {(m.field, m.indicator.value) for m in matches}
        assert ("process_name", "BackupAgent") in hits
        assert any("triangulation" in m.indicator.source for m in matches)
    assert index.match_record(usage("backupd", 0, 10)) == []
