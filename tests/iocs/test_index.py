"""Indicator index: one test per matching rule, including MVT's known defects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.records import (
    AppId,
    Domain,
    ExecPath,
    Kind,
    ProcessName,
    Record,
    Url,
)
from tracehound.iocs.index import IndicatorIndex, Match
from tracehound.iocs.stix import IocKind, load_bundle

PATTERNS = {
    "dom": "[domain-name:value = 'sub.example.org']",
    "dom2": "[domain-name:value = 'evil.com']",
    "www": "[domain-name:value = 'www.spyware-vendor.net']",
    "ip": "[ipv4-addr:value = '198.51.100.1']",
    "ip6": "[ipv6-addr:value = '2001:db8::7']",
    "net": "[ipv4-addr:value = '10.0.0.0/8']",
    "net24": "[ipv4-addr:value = '192.0.2.0/24']",
    "url": "[url:value = 'https://x.com/?a=b=c']",
    "url_noscheme": "[url:value = 'bad.example/landing']",
    "mail": "[email-addr:value = 'Bad@Example.com']",
    "proc": "[process:name = 'mptbd']",
    "proc_long": "[process:name = 'com.apple.Mappit.SnapshotService']",
    "proc16": "[process:name = 'contextstoremgrd']",
    "path": "[file:path = '/private/var/db/com.apple.xpc.roleaccountd.staging/PlugIns/fud.appex/']",
    "staging": "[file:path = '/a/b.staging']",
    "tmpfile": "[file:path = '/private/var/tmp/kusama.txt']",
    "rel": "[file:path = 'Library/Preferences/com.apple.photolibraryd.plist']",
    "fname": "[file:name = 'rce_loader.js']",
    "hash": "[file:hashes.sha256 = '" + "AB" * 32 + "']",
    "md5": "[file:hashes.md5 = '" + "cd" * 16 + "']",
    "cert": "[app:cert.sha1 = '" + "EF" * 20 + "']",
    "app": "[app:id = 'com.Evil.App']",
    "profile": "[configuration-profile:id = '76DAB334-7E17-475D-A5D6-0794EB5818A5']",
    "prop": "[android-property:name = 'sys.brand.note']",
    "tld_trap": "[domain-name:value = 'co.uk']",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> IndicatorIndex:
    objects: list[dict[str, Any]] = [{"type": "malware", "id": "malware--1", "name": "Spy"}]
    for key, pattern in PATTERNS.items():
        objects.append({"type": "indicator", "id": f"indicator--{key}", "pattern": pattern})
        objects.append(
            {
                "type": "relationship",
                "id": f"relationship--{key}",
                "relationship_type": "indicates",
                "source_ref": f"indicator--{key}",
                "target_ref": "malware--1",
            }
        )
    path = tmp_path_factory.mktemp("iocs") / "t.stix2"
    path.write_text(json.dumps({"type": "bundle", "objects": objects}), encoding="utf-8")
    indicators, warnings = load_bundle(path)
    assert warnings == []
    return IndicatorIndex.build(indicators)


def hits(index: IndicatorIndex, kind: Kind, value: str) -> list[tuple[str, str, str]]:
    """(indicator key, matched, reason) of each match."""
    out = []
    for m in index.match_value(kind, value, "f"):
        assert m.field == "f" and m.observed == value
        assert m.indicator.malware == ("Spy",)
        out.append((m.indicator.id.removeprefix("indicator--"), m.matched, m.reason))
    return out


def test_len_and_counts(index: IndicatorIndex) -> None:
    assert len(index) == len(PATTERNS)
    assert index.counts() == {
        "domain": 4,
        "url": 2,
        "ip": 4,
        "email": 1,
        "process": 3,
        "file_name": 1,
        "file_path": 4,
        "file_hash": 2,
        "app_id": 1,
        "cert_hash": 1,
        "profile_id": 1,
        "android_property": 1,
    }


# -- domains -----------------------------------------------------------------------------------


def test_exact_domain(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DOMAIN, "Sub.Example.ORG.") == [
        ("dom", "sub.example.org", "exact domain")
    ]


def test_subdomain_matches_every_label_suffix(index: IndicatorIndex) -> None:
    # MVT compares the registrable domain (example.org) and misses this one.
    assert hits(index, Kind.DOMAIN, "a.sub.example.org") == [
        ("dom", "sub.example.org", "subdomain of indicator domain sub.example.org")
    ]
    assert hits(index, Kind.DOMAIN, "x.y.evil.com") == [
        ("dom2", "evil.com", "subdomain of indicator domain evil.com")
    ]


def test_parent_and_sibling_domains_do_not_match(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DOMAIN, "example.org") == []
    assert hits(index, Kind.DOMAIN, "other.example.org") == []
    assert hits(index, Kind.DOMAIN, "notevil.com") == []
    assert hits(index, Kind.DOMAIN, "evil.com.au") == []


def test_tld_never_matches(index: IndicatorIndex) -> None:
    # "co.uk" is an indicator here; a bare "uk" label is never looked up, and "evil.uk" does
    # not end with "co.uk".
    assert hits(index, Kind.DOMAIN, "uk") == []
    assert hits(index, Kind.DOMAIN, "evil.uk") == []
    assert hits(index, Kind.DOMAIN, "com") == []
    assert hits(index, Kind.DOMAIN, "example.co.uk") == [
        ("tld_trap", "co.uk", "subdomain of indicator domain co.uk")
    ]


def test_www_is_stripped_on_both_sides(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DOMAIN, "spyware-vendor.net") == [
        ("www", "spyware-vendor.net", "exact domain")
    ]
    assert hits(index, Kind.DOMAIN, "WWW.evil.com") == [("dom2", "evil.com", "exact domain")]


def test_domain_given_as_url_or_host_port(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DOMAIN, "evil.com:443") == [("dom2", "evil.com", "exact domain")]
    assert hits(index, Kind.DOMAIN, "https://a.evil.com/x") == [
        ("dom2", "evil.com", "subdomain of indicator domain evil.com")
    ]
    assert hits(index, Kind.DOMAIN, "198.51.100.1") == [("ip", "198.51.100.1", "IP address")]


# -- IP addresses ------------------------------------------------------------------------------


def test_ip_exact_and_not_by_substring(index: IndicatorIndex) -> None:
    assert hits(index, Kind.IP, "198.51.100.1") == [("ip", "198.51.100.1", "IP address")]
    # MVT's substring fallback matches this one.
    assert hits(index, Kind.IP, "198.51.100.10") == []
    assert hits(index, Kind.IP, "198.51.100.1:8443") == [("ip", "198.51.100.1", "IP address")]
    assert hits(index, Kind.IP, "::ffff:198.51.100.1") == [("ip", "198.51.100.1", "IP address")]
    assert hits(index, Kind.IP, "2001:DB8:0::7") == [("ip6", "2001:db8::7", "IP address")]
    assert hits(index, Kind.IP, "[2001:db8::7]:443") == [("ip6", "2001:db8::7", "IP address")]


def test_ip_in_network(index: IndicatorIndex) -> None:
    assert hits(index, Kind.IP, "10.200.3.4") == [
        ("net", "10.0.0.0/8", "IP address in network 10.0.0.0/8")
    ]
    assert hits(index, Kind.IP, "192.0.2.255") == [
        ("net24", "192.0.2.0/24", "IP address in network 192.0.2.0/24")
    ]
    assert hits(index, Kind.IP, "192.0.3.1") == []
    assert hits(index, Kind.IP, "11.0.0.1") == []


def test_ip_garbage(index: IndicatorIndex) -> None:
    for value in ("", "not an ip", "999.1.1.1", "1.2.3", ":::", "[::1"):
        assert hits(index, Kind.IP, value) == []


# -- URLs --------------------------------------------------------------------------------------


def test_exact_url_with_equals_in_value(index: IndicatorIndex) -> None:
    # MVT crashes on loading this indicator ("=" inside the value).
    assert hits(index, Kind.URL, "HTTPS://X.com:443/?a=b=c") == [
        ("url", "https://x.com?a=b=c", "exact URL")
    ]
    assert hits(index, Kind.URL, "https://x.com/?a=b") == []


def test_url_indicator_without_scheme(index: IndicatorIndex) -> None:
    assert hits(index, Kind.URL, "http://bad.example/landing") == [
        ("url_noscheme", "bad.example/landing", "exact URL")
    ]


def test_host_of_url_matches_domain(index: IndicatorIndex) -> None:
    assert hits(index, Kind.URL, "https://user:pw@www.Evil.com.:8080/p?q=1") == [
        ("dom2", "evil.com", "host of URL matches indicator domain")
    ]
    assert hits(index, Kind.URL, "a.sub.example.org/x") == [
        ("dom", "sub.example.org", "host of URL is a subdomain of indicator domain sub.example.org")
    ]
    assert hits(index, Kind.URL, "http://[2001:db8::7]:80/") == [
        ("ip6", "2001:db8::7", "IP address")
    ]
    assert hits(index, Kind.URL, "http://10.1.1.1/x") == [
        ("net", "10.0.0.0/8", "IP address in network 10.0.0.0/8")
    ]


def test_url_garbage_never_raises(index: IndicatorIndex) -> None:
    for value in ("", "://", "http://", "http://[::1", "http://evil.com:port/", "%%%", "a b"):
        assert hits(index, Kind.URL, value) == []


# -- other network identifiers -----------------------------------------------------------------


def test_email(index: IndicatorIndex) -> None:
    assert hits(index, Kind.EMAIL, "mailto:BAD@example.COM") == [
        ("mail", "bad@example.com", "email address")
    ]
    assert hits(index, Kind.EMAIL, "notbad@example.com") == []


# -- processes ---------------------------------------------------------------------------------


def test_process_exact_and_case_sensitive(index: IndicatorIndex) -> None:
    assert hits(index, Kind.PROCESS, "mptbd") == [("proc", "mptbd", "process name")]
    assert hits(index, Kind.PROCESS, "Mptbd") == []
    assert hits(index, Kind.PROCESS, "mptb") == []


def test_process_datausage_style_and_full_path(index: IndicatorIndex) -> None:
    assert hits(index, Kind.PROCESS, "mptbd/com.apple.mptbd") == [("proc", "mptbd", "process name")]
    assert hits(index, Kind.PROCESS, "/usr/libexec/mptbd") == [("proc", "mptbd", "process name")]


def test_process_truncated_to_16_and_15(index: IndicatorIndex) -> None:
    assert hits(index, Kind.PROCESS, "com.apple.Mappit") == [
        ("proc_long", "com.apple.Mappit", "process name truncated to 16 characters")
    ]
    assert hits(index, Kind.PROCESS, "com.apple.Mappi") == [
        ("proc_long", "com.apple.Mappi", "process name truncated to 15 characters")
    ]
    # A 16-character indicator is matched exactly, not as its own truncation...
    assert hits(index, Kind.PROCESS, "contextstoremgrd") == [
        ("proc16", "contextstoremgrd", "process name")
    ]
    # ...and its 15-character prefix may be the Linux truncation of it.
    assert hits(index, Kind.PROCESS, "contextstoremgr") == [
        ("proc16", "contextstoremgr", "process name truncated to 15 characters")
    ]
    # Other lengths are never taken as truncations.
    assert hits(index, Kind.PROCESS, "com.apple.Mappit.") == []
    assert hits(index, Kind.PROCESS, "com.apple.Mapp") == []


# -- paths -------------------------------------------------------------------------------------


def test_path_equals_with_private_prefix_either_side(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DEVICE_PATH, "/var/tmp/kusama.txt") == [
        ("tmpfile", "/var/tmp/kusama.txt", "path equals indicator path")
    ]
    assert hits(index, Kind.DEVICE_PATH, "/private/var/tmp/kusama.txt") == [
        ("tmpfile", "/var/tmp/kusama.txt", "path equals indicator path")
    ]


def test_path_below_indicator_directory(index: IndicatorIndex) -> None:
    observed = "/private/var/db/com.apple.xpc.roleaccountd.staging/PlugIns/fud.appex/fud"
    parent = "/var/db/com.apple.xpc.roleaccountd.staging/PlugIns/fud.appex"
    assert hits(index, Kind.DEVICE_PATH, observed) == [
        ("path", parent, f"path below indicator directory {parent}")
    ]
    assert hits(index, Kind.DEVICE_PATH, parent + "/") == [
        ("path", parent, "path equals indicator path")
    ]


def test_path_matches_on_segment_boundaries(index: IndicatorIndex) -> None:
    # MVT's plain prefix test matches the second one.
    assert hits(index, Kind.DEVICE_PATH, "/a/b.staging/c") == [
        ("staging", "/a/b.staging", "path below indicator directory /a/b.staging")
    ]
    assert hits(index, Kind.DEVICE_PATH, "/a/b.stagingX") == []
    assert hits(index, Kind.DEVICE_PATH, "/a/b.stagingX/c") == []
    assert hits(index, Kind.DEVICE_PATH, "/a") == []


def test_relative_path_indicator(index: IndicatorIndex) -> None:
    rel = "Library/Preferences/com.apple.photolibraryd.plist"
    observed = "/private/var/mobile/Library/Preferences/com.apple.photolibraryd.plist"
    assert hits(index, Kind.DEVICE_PATH, observed) == [
        ("rel", rel, "path ends with indicator relative path")
    ]
    assert hits(index, Kind.DEVICE_PATH, observed + "/x") == [
        ("rel", rel, f"path below a directory ending with indicator relative path {rel}")
    ]
    assert hits(index, Kind.DEVICE_PATH, rel) == [
        ("rel", rel, "path ends with indicator relative path")
    ]
    assert (
        hits(index, Kind.DEVICE_PATH, "/x/MyLibrary/Preferences/com.apple.photolibraryd.plist")
        == []
    )
    assert (
        hits(index, Kind.DEVICE_PATH, "/x/Library/Preferences/com.apple.photolibraryd.plist2") == []
    )


def test_file_name_on_basename(index: IndicatorIndex) -> None:
    assert hits(index, Kind.DEVICE_PATH, "/var/mobile/Library/Caches/rce_loader.js") == [
        ("fname", "rce_loader.js", "file name")
    ]
    assert hits(index, Kind.DEVICE_PATH, "/var/mobile/rce_loader.js/other") == []
    assert hits(index, Kind.FILE_NAME, "rce_loader.js") == [("fname", "rce_loader.js", "file name")]
    assert hits(index, Kind.FILE_NAME, "rce_loader.jsx") == []


def test_exec_path_process_segment_shutdown_log(index: IndicatorIndex) -> None:
    observed = (
        "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd/"
        "6C9E2A9F-3D52-4E1B-9F4C-0F6E4F1A2B3C"
    )
    assert hits(index, Kind.EXEC_PATH, observed) == [
        ("proc", "mptbd", "process name in executable path")
    ]
    assert hits(index, Kind.EXEC_PATH, "/usr/libexec/mptbd") == [
        ("proc", "mptbd", "process name in executable path")
    ]
    # DEVICE_PATH does not look at process names.
    assert hits(index, Kind.DEVICE_PATH, observed) == []


def test_exec_path_includes_path_rules(index: IndicatorIndex) -> None:
    assert hits(index, Kind.EXEC_PATH, "/private/var/tmp/kusama.txt") == [
        ("tmpfile", "/var/tmp/kusama.txt", "path equals indicator path")
    ]


# -- identifiers -------------------------------------------------------------------------------


def test_hashes(index: IndicatorIndex) -> None:
    assert hits(index, Kind.FILE_HASH, "ab" * 32) == [("hash", "ab" * 32, "hash")]
    assert hits(index, Kind.FILE_HASH, "CD" * 16) == [("md5", "cd" * 16, "hash")]
    assert hits(index, Kind.FILE_HASH, "ab" * 31) == []
    assert hits(index, Kind.CERT_HASH, ":".join(["ef"] * 20)) == [
        ("cert", "ef" * 20, "certificate hash")
    ]
    assert hits(index, Kind.CERT_HASH, "ab" * 32) == []  # a file hash is not a certificate hash


def test_app_id(index: IndicatorIndex) -> None:
    assert hits(index, Kind.APP_ID, "COM.evil.app") == [("app", "com.evil.app", "app id")]
    assert hits(index, Kind.APP_ID, "com.evil.app2") == []


def test_profile_id_whole_only(index: IndicatorIndex) -> None:
    full = "76dab334-7e17-475d-a5d6-0794eb5818a5"
    assert hits(index, Kind.PROFILE_ID, full) == [("profile", full.upper(), "profile id")]
    # MVT tests `observed in ioc`: a partial id would match there.
    assert hits(index, Kind.PROFILE_ID, "76DAB334") == []
    assert hits(index, Kind.PROFILE_ID, "A5D6") == []


def test_android_property(index: IndicatorIndex) -> None:
    assert hits(index, Kind.PROP_NAME, "sys.brand.note") == [
        ("prop", "sys.brand.note", "android property")
    ]
    assert hits(index, Kind.PROP_NAME, "sys.brand") == []


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Visit(Record):
    TYPE = "test.visit"

    url: Url | None
    host: Domain | None
    redirects: tuple[Url, ...]
    process: ProcessName | None
    exe: ExecPath | None
    app: AppId | None
    note: str | None


def test_match_record(index: IndicatorIndex) -> None:
    record = _Visit(
        ts=None,
        url="https://a.evil.com/x",
        host="a.evil.com",
        redirects=("https://evil.com/y", "https://evil.com/y", "https://fine.org/", ""),
        process="mptbd",
        exe="/usr/libexec/mptbd",
        app=None,
        note="evil.com mptbd",  # plain str: never matched
    )
    found = index.match_record(record)
    assert all(isinstance(m, Match) for m in found)
    got = [(m.field, m.observed, m.indicator.id, m.reason) for m in found]
    assert got == [
        (
            "url",
            "https://a.evil.com/x",
            "indicator--dom2",
            "host of URL is a subdomain of indicator domain evil.com",
        ),
        ("host", "a.evil.com", "indicator--dom2", "subdomain of indicator domain evil.com"),
        # the repeated redirect is reported once
        (
            "redirects",
            "https://evil.com/y",
            "indicator--dom2",
            "host of URL matches indicator domain",
        ),
        ("process", "mptbd", "indicator--proc", "process name"),
        ("exe", "/usr/libexec/mptbd", "indicator--proc", "process name in executable path"),
    ]
    assert found[0].indicator.kind is IocKind.DOMAIN


def test_empty_index_and_unknown_values() -> None:
    empty = IndicatorIndex.build([])
    assert len(empty) == 0
    for kind in Kind:
        assert empty.match_value(kind, "x.y/z") == []


def test_index_never_raises_on_garbage(index: IndicatorIndex) -> None:
    odd = ["", " ", "/", "//", ".", "..", "[", "]", ":", "@", "a" * 5000, "\x00", "é.ü", "[::1]:x"]
    for kind in Kind:
        for value in odd:
            index.match_value(kind, value)


def test_large_index_lookup(tmp_path: Path) -> None:
    """A lookup among 20,000 domains finds its parent domain."""
    objects = [
        {
            "type": "indicator",
            "id": f"indicator--{n}",
            "pattern": f"[domain-name:value = 'd{n}.com']",
        }
        for n in range(20000)
    ]
    path = tmp_path / "big.stix2"
    path.write_text(json.dumps({"type": "bundle", "objects": objects}), encoding="utf-8")
    big = IndicatorIndex.build(load_bundle(path)[0])
    assert [m.indicator.id for m in big.match_value(Kind.DOMAIN, "x.d19999.com")] == [
        "indicator--19999"
    ]


def test_memo_gives_the_same_matches_and_stays_bounded(
    index: IndicatorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Repeated values are answered from the memo: same matches, per field, bounded size."""
    import tracehound.iocs.index as module

    monkeypatch.setattr(module, "_MEMO_SIZE", 3)
    index._memo.clear()
    first = hits(index, Kind.URL, "https://a.sub.example.org/x")
    assert first and hits(index, Kind.URL, "https://a.sub.example.org/x") == first
    # The field is part of the key: a match names the field it was found in.
    other = index.match_value(Kind.URL, "https://a.sub.example.org/x", "g")
    assert [m.field for m in other] == ["g"] * len(first)
    for n in range(10):
        index.match_value(Kind.DOMAIN, f"host{n}.example.net", "f")
        assert len(index._memo) <= 3
    assert hits(index, Kind.URL, "https://a.sub.example.org/x") == first
    # A long value (device data may be any length) is matched but never remembered.
    long_url = "https://a.sub.example.org/" + "x" * 600
    assert hits(index, Kind.URL, long_url) == first
    assert all(len(key[1]) <= 512 for key in index._memo)
    # A caller may change the list it got without changing what the memo holds.
    index.match_value(Kind.URL, "https://a.sub.example.org/x", "f").clear()
    assert hits(index, Kind.URL, "https://a.sub.example.org/x") == first
    index._memo.clear()


# -- the URL prefilter of match_batch ------------------------------------------------------
_HOSTS = [
    "sub.example.org", "a.sub.example.org", "example.org", "evil.com", "www.evil.com",
    "EVIL.COM", "x.com", "bad.example", "www.spyware-vendor.net", "spyware-vendor.net",
    "198.51.100.1", "10.1.2.3", "[2001:db8::7]", "xn--e1afmkfd.xn--p1ai", "пример.рф",
    "evil.com.", "benign.test", "co.uk", "a.co.uk", "user@evil.com", "benign.test@evil.com",
    "xn--EVIL.com", "e-vil.com", "",
]  # fmt: skip
_URL = st.builds(
    lambda scheme, host, port, rest: f"{scheme}{host}{port}{rest}",
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "", " http://", "hxxp://"]),
    st.sampled_from(_HOSTS),
    st.sampled_from(["", ":443", ":8080", ":", ":x"]),
    st.sampled_from(["", "/", "/landing", "/?a=b=c", "?a=b=c", "#f", " ", "/\udcff", "\\x"]),
)


@given(st.lists(_URL, max_size=30))
def test_url_prefilter_changes_no_hit(index: IndicatorIndex, urls: list[str]) -> None:
    """Only plain URLs on hosts that cannot match are skipped: the hits are those of the
    full rules on every distinct URL."""
    import pyarrow as pa

    column = pa.array(
        [u.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for u in urls], pa.string()
    )
    with_filter = list(index._column_hits(column, Kind.URL, "url"))
    saved = index._url_hosts
    index._url_hosts = False  # no prefilter
    try:
        without = list(index._column_hits(column, Kind.URL, "url"))
    finally:
        index._url_hosts = saved
    assert with_filter == without


# -- the path prefilter of match_batch -----------------------------------------------------
_SEGMENTS = [
    "private", "var", "db", "com.apple.xpc.roleaccountd.staging", "PlugIns", "fud.appex",
    "a", "b.staging", "b.stagingX", "tmp", "kusama.txt", "Library", "Preferences",
    "com.apple.photolibraryd.plist", "rce_loader.js", "xrce_loader.js", "mptbd", "Mptbd",
    "contextstoremgrd", "contextstoremgr", "bin", "", " ", "\t", ".", "..", "é", "\x1f",
    "rce_loader.js ", "\u00a0kusama.txt",
]  # fmt: skip
_PATH = st.builds(
    lambda lead, parts, tail: lead + "/".join(parts) + tail,
    st.sampled_from(["", "/", "//", " /", "/private/", "\x1f/", "\u2003"]),
    st.lists(st.sampled_from(_SEGMENTS), max_size=7),
    st.sampled_from(["", "/", "//", " ", "\n", "\x1c"]),
)


@pytest.mark.parametrize("kind", [Kind.DEVICE_PATH, Kind.EXEC_PATH, Kind.FILE_NAME])
@given(paths=st.lists(_PATH, max_size=30))
def test_path_prefilter_changes_no_hit(index: IndicatorIndex, kind: Kind, paths: list[str]) -> None:
    """Only paths holding no indicator segment are skipped: the hits are those of the full
    rules on every distinct path (odd whitespace, empty segments, /private, case)."""
    import pyarrow as pa

    column = pa.array(paths, pa.string())
    with_filter = list(index._column_hits(column, kind, "path"))
    index._needles[kind] = ""  # no prefilter
    try:
        without = list(index._column_hits(column, kind, "path"))
    finally:
        index._needles.clear()
    assert with_filter == without


def test_path_prefilter_boundaries_are_what_str_strip_removes() -> None:
    import tracehound.iocs.index as module

    assert all(not chr(c).isspace() for c in range(0x3001, 0x110000))
    for c in range(0x3001):
        assert (f"\\x{{{c:x}}}" in module._BOUNDARY) == chr(c).isspace()


def test_path_prefilter_skips_paths_without_indicator_text(index: IndicatorIndex) -> None:
    import pyarrow as pa

    paths = pa.array(
        [
            "/var/mobile/Library/Caches/x",
            "/private/var/tmp/kusama.txt",
            "/a/rce_loader.js",
            None,
            "/a/xrce_loader.js",
            "/a/rce_loader.json",
        ]
    )
    assert index._path_candidates(paths, Kind.FILE_NAME).to_pylist() == ["/a/rce_loader.js"]
    assert index._path_candidates(paths, Kind.DEVICE_PATH).to_pylist() == [
        "/private/var/tmp/kusama.txt",
        "/a/rce_loader.js",
    ]


def test_path_prefilter_without_path_indicators_and_with_the_root() -> None:
    import pyarrow as pa

    from tracehound.iocs.stix import Indicator

    def one(kind: IocKind, value: str) -> IndicatorIndex:
        ind = Indicator(
            id="indicator--x",
            kind=kind,
            value=value,
            raw=value,
            object_path="file:path",
            malware=("Spy",),
            source="t",
        )
        return IndicatorIndex.build([ind])

    paths = pa.array(["/", "/var/tmp/x", "rce.js"])
    domains_only = one(IocKind.DOMAIN, "evil.com")
    assert domains_only._path_candidates(paths, Kind.DEVICE_PATH).to_pylist() == []
    root = one(IocKind.FILE_PATH, "/")
    assert root._path_candidates(paths, Kind.DEVICE_PATH).to_pylist() == paths.to_pylist()
    assert [m.rule for _, m in root._column_hits(paths, Kind.DEVICE_PATH, "p")] != []


def test_url_prefilter_skips_plain_urls_on_other_hosts(index: IndicatorIndex) -> None:
    import pyarrow as pa

    urls = pa.array(["https://benign.test/a", "http://a.sub.example.org/x", "ftp://benign.test/"])
    assert index._url_candidates(urls).to_pylist() == [
        "http://a.sub.example.org/x",
        "ftp://benign.test/",
    ]
