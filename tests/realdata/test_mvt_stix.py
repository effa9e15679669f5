"""Two real STIX2 files MVT tests with (tests/data/mvt/stix2, see ORIGIN.md).

``cytrox.stix2``: Amnesty's Cytrox/Predator indicators in the mvt-indicators layout (one malware
object, one ``indicates`` relationship per indicator). ``638cd3ee5e5f019f84f9e0ea.json``: an
AlienVault OTX pulse export, a different real layout: no malware and no relationship, the
indicators listed in a ``report``'s ``object_refs`` with a ``threat-actor`` (NSO), patterns with
spaces around ``=``. Expected values: ``json`` on the files.
"""

from __future__ import annotations

from collections import Counter

from tests.realdata import DATA
from tracehound.iocs.stix import IocKind, load_bundle

STIX = DATA / "mvt" / "stix2"


def test_cytrox_bundle() -> None:
    indicators, warnings = load_bundle(STIX / "cytrox.stix2")
    # json: 343 indicator objects, each with one pattern: 336 domain-name:value, 6 file:path,
    # 1 configuration-profile:id; 343 relationships to malware "Predator".
    assert warnings == []
    assert Counter(i.kind for i in indicators) == {
        IocKind.DOMAIN: 336,
        IocKind.FILE_PATH: 6,
        IocKind.PROFILE_ID: 1,
    }
    assert {i.malware for i in indicators} == {("Predator",)}
    profile = next(i for i in indicators if i.kind is IocKind.PROFILE_ID)
    assert profile.raw == "76DAB334-7E17-475D-A5D6-0794EB5818A5"
    paths = sorted(i.raw for i in indicators if i.kind is IocKind.FILE_PATH)
    assert paths[:2] == ["/data/local/tmp/wd/", "/data/local/tmp/wd/fs.db"]


def test_otx_report_bundle() -> None:
    indicators, warnings = load_bundle(STIX / "638cd3ee5e5f019f84f9e0ea.json")
    # json: 69 indicators, "[url:value = '...']" 54 and "[domain-name:value = '...']" 15.
    assert warnings == []
    assert Counter(i.kind for i in indicators) == {IocKind.URL: 54, IocKind.DOMAIN: 15}
    assert indicators[0].value == "http://statsads.co/2dL8ARH"
    assert indicators[-1].value == "verify-app.online"


def test_otx_report_indicators_are_attributed() -> None:
    """All 69 indicators are in the report's object_refs, beside threat-actor "NSO": a hit
    must name it (MVT's ``parse_stix2`` likewise treats a report as the indicators' collection),
    not show an indicator of nothing."""
    indicators, _ = load_bundle(STIX / "638cd3ee5e5f019f84f9e0ea.json")
    assert {i.malware for i in indicators} == {("NSO",)}
