"""Internationalised domain names: Unicode hosts and Punycode indicators meet (both ways)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.records import Kind
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.normalise import idna_host, normalise_domain
from tracehound.iocs.stix import load_bundle

PATTERNS = {
    # Punycode indicator (as feeds usually write it) of пример.рф
    "ace": "[domain-name:value = 'xn--e1afmkfd.xn--p1ai']",
    # Unicode indicator of bücher.de (xn--bcher-kva.de)
    "uni": "[domain-name:value = 'Bücher.de']",
    "uni_url": "[url:value = 'https://пример.испытание/login']",
    "sharp": "[domain-name:value = 'faß.de']",
    "plain": "[domain-name:value = 'fass.example']",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> IndicatorIndex:
    objects: list[dict[str, Any]] = []
    for key, pattern in PATTERNS.items():
        objects.append({"type": "indicator", "id": f"indicator--{key}", "pattern": pattern})
    path: Path = tmp_path_factory.mktemp("idna") / "t.stix2"
    path.write_text(json.dumps({"type": "bundle", "objects": objects}), encoding="utf-8")
    indicators, warnings = load_bundle(path)
    assert warnings == []
    return IndicatorIndex.build(indicators)


def keys(index: IndicatorIndex, kind: Kind, value: str) -> list[str]:
    return [m.indicator.id.removeprefix("indicator--") for m in index.match_value(kind, value, "f")]


def test_unicode_host_matches_punycode_indicator(index: IndicatorIndex) -> None:
    assert keys(index, Kind.DOMAIN, "пример.рф") == ["ace"]
    assert keys(index, Kind.DOMAIN, "ПРИМЕР.РФ.") == ["ace"]  # case and root dot
    assert keys(index, Kind.DOMAIN, "mail.пример.рф") == ["ace"]  # subdomain walk
    assert keys(index, Kind.DOMAIN, "пример。рф") == ["ace"]  # ideographic full stop
    assert keys(index, Kind.URL, "https://www.пример.рф/a") == ["ace"]


def test_punycode_host_matches_unicode_indicator(index: IndicatorIndex) -> None:
    assert keys(index, Kind.DOMAIN, "xn--bcher-kva.de") == ["uni"]
    assert keys(index, Kind.DOMAIN, "XN--BCHER-KVA.DE") == ["uni"]
    assert keys(index, Kind.DOMAIN, "bücher.de") == ["uni"]
    assert keys(index, Kind.URL, "http://shop.xn--bcher-kva.de/") == ["uni"]


def test_exact_url_with_unicode_host_both_ways(index: IndicatorIndex) -> None:
    assert keys(index, Kind.URL, "https://xn--e1afmkfd.xn--80akhbyknj4f/login") == ["uni_url"]
    assert keys(index, Kind.URL, "https://ПРИМЕР.испытание/login") == ["uni_url"]


def test_deviation_character_is_not_folded(index: IndicatorIndex) -> None:
    # IDNA 2008 / UTS #46 non-transitional: faß.de is xn--fa-hia.de, not fass.de (Python's
    # IDNA 2003 codec would fold it and match the wrong domain).
    assert normalise_domain("faß.de") == "xn--fa-hia.de"
    assert keys(index, Kind.DOMAIN, "xn--fa-hia.de") == ["sharp"]
    assert keys(index, Kind.DOMAIN, "fass.de") == []
    assert keys(index, Kind.DOMAIN, "faß.example") == []
    assert keys(index, Kind.DOMAIN, "fass.example") == ["plain"]


@pytest.mark.parametrize(
    "host",
    [
        "a..b",  # empty label
        "x" * 70 + "ü.com",  # over-long label
        "xn--.com",  # empty Punycode
        "xn--abc-.com",  # Punycode that decodes to ASCII
        "xn--zzzzzzzzzzzzzz.com",  # undecodable Punycode
        "\udcff.com",  # lone surrogate (from a badly decoded database)
        "\u0378.com",  # unassigned code point
        "ß" * 80 + ".de",  # deviation label too long for an A-label
        "\x00.com",
        "." * 5,
    ],
)
def test_hostile_labels_never_raise_and_never_match(index: IndicatorIndex, host: str) -> None:
    idna_host(host)
    normalise_domain(host)
    assert keys(index, Kind.DOMAIN, host) == []
    assert keys(index, Kind.URL, f"https://{host}/") == []


def test_ascii_is_untouched() -> None:
    assert idna_host("evil.com") == "evil.com"
    assert normalise_domain("WWW.Evil.COM.") == "evil.com"
