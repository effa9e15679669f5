"""The bundled indicator files load completely, with the totals of data/iocs/SOURCES.md."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tracehound.core.records import Kind
from tracehound.iocs.bundled import BUNDLED_DIR, bundled_stix_paths, source_label
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.load import load_iocs
from tracehound.iocs.stix import IocKind, IocSet


@pytest.fixture(scope="module")
def iocs() -> IocSet:
    return load_iocs(bundled_stix_paths(), source_label)


@pytest.fixture(scope="module")
def index(iocs: IocSet) -> IndicatorIndex:
    return IndicatorIndex.build(iocs.indicators)


def test_bundled_stix_paths() -> None:
    paths = bundled_stix_paths()
    assert paths == sorted(paths)
    assert [f"{p.parent.name}/{p.name}" for p in paths] == [
        "android_campaign_2023/malware.stix2",
        "candiru/candiru.stix2",
        "cellebrite/cellebrite.stix2",
        "coruna/coruna.stix2",
        "darksword/darksword.stix2",
        "novispy/novispy.stix2",
        "pegasus/pegasus.stix2",
        "predator/predator.stix2",
        "quadream_kingspawn/kingspawn.stix2",
        "rcs_lab/rcs.stix2",
        "residentbat/residentbat.stix2",
        "stalkerware/stalkerware.stix2",
        "triangulation/operation_triangulation.stix2",
        "wintego_helios/wintego_helios.stix2",
        "wyrmspy_dragonegg/wyrmspy_dragonegg.stix2",
    ]
    assert all((p.parent / "LICENSE.txt").is_file() for p in paths)
    assert (BUNDLED_DIR / "SOURCES.md").is_file() and (BUNDLED_DIR / "indicators.yaml").is_file()
    assert sum(p.stat().st_size for p in paths) == 8_863_974  # SOURCES.md, "Sizes"


def test_object_totals_in_the_files() -> None:
    """The raw files hold the numbers of the SOURCES.md table."""
    types: Counter[str] = Counter()
    for path in bundled_stix_paths():
        types.update(obj["type"] for obj in json.loads(path.read_bytes())["objects"])
    assert types == {"indicator": 10365, "malware": 151, "relationship": 10366}


def test_totals_after_loading(iocs: IocSet, index: IndicatorIndex) -> None:
    # 10365 indicator objects - 38 repeated stalkerware objects (same id, same pattern)
    # - 1 rejected domain ("despachosnegocios" in predator.stix2 has no dot) = 10326.
    assert len(iocs.indicators) == 10326
    assert len(index) == 10326
    assert len({i.id for i in iocs.indicators}) == 10326
    assert [f.duplicates for f in iocs.files if f.duplicates] == [38]
    assert all(f.error is None for f in iocs.files)
    assert sum(f.indicators for f in iocs.files) == 10326


def test_counts_per_kind(index: IndicatorIndex) -> None:
    # domain-name:value 6403 - 16 repeated - 1 rejected = 6386, of which 8 are IP addresses
    # (7 in novispy.stix2, 1 in stalkerware.stix2) and become IP indicators: 6378 domains and
    # 32 + 8 = 40 IPs. Hashes: 2966 sha256 + 20 'SHA-256'. app:id 615 - 22 repeated = 593.
    # app:cert: 99 sha1 + 11 sha256.
    assert index.counts() == {
        "domain": 6378,
        "url": 0,
        "ip": 40,
        "email": 65,
        "process": 83,
        "file_name": 15,
        "file_path": 52,
        "file_hash": 2986,
        "app_id": 593,
        "cert_hash": 110,
        "profile_id": 1,
        "android_property": 3,
    }


def test_per_file_summaries(iocs: IocSet) -> None:
    assert all(f.path.startswith("bundled:") for f in iocs.files)
    by_name = {f.path.removeprefix("bundled:").split("/")[0]: f for f in iocs.files}
    assert by_name["pegasus"].path == "bundled:pegasus/pegasus.stix2"
    assert by_name["pegasus"].counts == {"domain": 1438, "process": 81, "email": 29, "file_name": 1}
    assert by_name["coruna"].counts == {
        "domain": 177,
        "file_hash": 20,
        "file_path": 12,
        "file_name": 7,
    }
    assert by_name["novispy"].counts == {"ip": 7, "app_id": 4, "cert_hash": 3, "file_hash": 4}
    assert by_name["stalkerware"].indicators == 5008
    assert len(by_name["stalkerware"].malware) == 137
    assert by_name["quadream_kingspawn"].malware == ("KingSpawn",)
    assert all(len(f.sha256) == 64 for f in iocs.files)


def test_warnings_are_exactly_the_known_ones(iocs: IocSet) -> None:
    # 1. coruna.stix2 writes the domain "fgr1w2gnsdvsb.xyz/x": its host is used.
    # 2. predator.stix2 has the domain "despachosnegocios" without a dot: ignored.
    # 3. wintego_helios.stix2 has a relationship whose source_ref indicator is not in the bundle
    #    (176 relationships for 175 indicators, see SOURCES.md).
    assert iocs.warning_count == 3
    coruna, predator, wintego = iocs.warnings
    assert "coruna.stix2" in coruna and "'fgr1w2gnsdvsb.xyz/x'" in coruna and "is a URL" in coruna
    assert "predator.stix2" in predator and "'despachosnegocios'" in predator
    assert "wintego_helios.stix2" in wintego
    assert "source_ref indicator--3eaf5002-09aa-476c-be2a-281a95b33f1a" in wintego
    assert [f.warnings for f in iocs.files].count(1) == 3


def test_every_indicator_has_a_malware_name(iocs: IocSet) -> None:
    # SOURCES.md explains no exception: the dangling wintego relationship points from a missing
    # indicator, and every indicator present has its own relationship.
    assert [i.id for i in iocs.indicators if not i.malware] == []
    names = {n for i in iocs.indicators for n in i.malware}
    assert len(names) == 151
    assert {"Pegasus", "Predator", "KingSpawn", "OperationTriangulation", "Coruna"} <= names
    assert {"Wintego Helios", "NoviSpy", "TheTruthSpy", "mSpy", "Cocospy", "Spyier"} <= names


def test_known_bundled_indicators_match(index: IndicatorIndex) -> None:
    def names(kind: Kind, value: str) -> set[tuple[str, ...]]:
        return {m.indicator.malware for m in index.match_value(kind, value)}

    assert names(Kind.PROCESS, "bh") == {("Pegasus",)}
    assert names(Kind.PROCESS, "BackupAgent") == {("OperationTriangulation",)}
    assert names(Kind.PROCESS, "com.apple.avcap") == {("KingSpawn",)}  # truncated to 15
    # one pattern, two stalkerware apps (SOURCES.md)
    assert names(Kind.APP_ID, "com.sc.spyier.v2") == {("Cocospy",), ("Spyier",)}
    assert names(Kind.PROFILE_ID, "76dab334-7e17-475d-a5d6-0794eb5818a5") == {("Predator",)}
    assert names(Kind.DEVICE_PATH, "/private/var/tmp/icloud_dump/x.txt") == {("DarkSword",)}
    assert names(Kind.DOMAIN, "cdn.fgr1w2gnsdvsb.xyz") == {("Coruna",)}
    coruna_hash = "05B5E4070B3B8A130B12EA96C5526B4615FCAE121BB802B1A10C3A7A70F39901"
    assert names(Kind.FILE_HASH, coruna_hash) == {("Coruna",)}
    cert = "f9:18:1c:6c:f9:aa:cb:3a:b1:09:2f:53:38:c3:19:8a:8d:83:34:31"
    assert len(names(Kind.CERT_HASH, cert)) == 1
    assert names(Kind.DOMAIN, "despachosnegocios") == set()


def test_indicator_kinds_cover_object_paths(iocs: IocSet) -> None:
    paths = {(i.object_path, i.kind) for i in iocs.indicators}
    assert ("file:hashes.'SHA-256'", IocKind.FILE_HASH) in paths
    assert ("app:cert.sha1", IocKind.CERT_HASH) in paths
    assert ("android-property:name", IocKind.ANDROID_PROPERTY) in paths
    assert ("domain-name:value", IocKind.IP) in paths
