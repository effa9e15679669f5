"""plaso's test data (tests/data/plaso, see ORIGIN.md): real databases from test devices.

Expected values: sqlite3/plistlib on the files, and plaso's own tests at the commit in ORIGIN.md
(``tests/parsers/sqlite_plugins/{ios_datausage,ios_netusage,safari,chrome_history,macos_tcc}.py``,
``tests/parsers/plist_plugins/ios_identityservices.py``), cited per test.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.realdata import DATA
from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.datausage_pk_gap import ProcessIdGaps
from tracehound.detectors.safari_redirect import SafariRedirect

PLASO = DATA / "plaso"


def cocoa(seconds: float) -> datetime:
    """Reference conversion: Apple's epoch 2001-01-01 UTC plus seconds."""
    return datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def webkit(micro: int) -> datetime:
    """Reference conversion: Chrome/WebKit microseconds since 1601-01-01 UTC."""
    return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=micro)


def test_datausage(parse: Any) -> None:
    records, ctx = parse("ios.datausage", PLASO / "DataUsage.sqlite")
    # sqlite3: 371 ZPROCESS rows, 887 ZLIVEUSAGE rows (plaso's 887 events, 0 warnings), all
    # pointing at existing processes; 35 processes have no usage row: 887 + 35 = 922.
    assert ctx.warnings == 0 and len(records) == 922
    assert sum(r.usage_pk is None for r in records) == 35
    assert not any(r.process_missing for r in records)
    assert len({r.process_pk for r in records}) == 371
    # plaso event 0: CumulativeUsageTracker, 2023-04-11T14:45:15.450549, WWAN in 1185814689 /
    # out 150 (ZLIVEUSAGE row 2, ZTIMESTAMP 702917115.450549).
    (row,) = [r for r in records if r.usage_pk == 2]
    assert (row.process_raw, row.bundle_id) == ("CumulativeUsageTracker", None)
    assert row.ts == datetime(2023, 4, 11, 14, 45, 15, 450549, tzinfo=UTC)
    assert (row.wifi_in, row.wifi_out, row.wwan_in, row.wwan_out) == (0, 0, 1185814689, 150)
    # plaso event 332: "mDNSResponder/com.apple.MobileSMS" at 2023-05-15T20:58:15.839447.
    sms = [r for r in records if r.process_raw == "mDNSResponder/com.apple.MobileSMS"]
    assert datetime(2023, 5, 15, 20, 58, 15, 839447, tzinfo=UTC) in {r.ts for r in sms}
    assert {(r.process_name, r.bundle_id) for r in sms} == {
        ("mDNSResponder", "com.apple.MobileSMS")
    }


def test_netusage(parse: Any) -> None:
    records, ctx = parse("ios.netusage", PLASO / "netusage.sqlite")
    # sqlite3: 260 ZPROCESS, 335 ZLIVEUSAGE rows, every process has usage. plaso's 384 events
    # also count ZLIVEROUTEPERF rows (network routes), which we do not read.
    assert ctx.warnings == 0 and len(records) == 335
    assert len({r.process_pk for r in records}) == 260
    # plaso event 50: mDNSResponder 2021-01-17T19:23:38.212656, Wi-Fi 79188353/35398277,
    # WWAN 300997/938811.
    (dns,) = [r for r in records if r.process_raw == "mDNSResponder"]
    assert dns.ts == datetime(2021, 1, 17, 19, 23, 38, 212656, tzinfo=UTC)
    assert (dns.wifi_in, dns.wifi_out, dns.wwan_in, dns.wwan_out) == (
        79188353,
        35398277,
        300997,
        938811,
    )


def test_netusage_pk_gap_heuristic(parse: Any) -> None:
    """A real phone's netusage.sqlite has deleted process rows: 22 ids in 17 runs."""
    records, _ = parse("ios.netusage", PLASO / "netusage.sqlite")
    prov = Provenance(
        source="ios_fs",
        path="/private/var/networkd/netusage.sqlite",
        sha256="0" * 64,
        parser="ios.netusage",
        parser_version="1",
    )
    det = ProcessIdGaps()
    for record in records:
        assert list(det.feed(record, prov)) == []
    # sqlite3: SELECT Z_PK FROM ZPROCESS, 1..282 lacks 46 65 96 136 141 162-163 167 197
    # 202-203 205 207 215 249 260-262 266 270 272-273.
    found = [(f.severity, f.value) for f in det.finish()]
    runs = "46 65 96 136 141 162-163 167 197 202-203 205 207 215 249 260-262 266 270 272-273"
    assert found == [(Severity.LOW, ids) for ids in runs.split()]


def test_safari_history(parse: Any) -> None:
    records, ctx = parse("ios.safari_history", PLASO / "safari_History.db")
    # plaso: 25 events, 0 warnings; sqlite3: 25 history_visits, 11 with a redirect_source and
    # 11 with a redirect_destination (2 with both).
    assert ctx.warnings == 0 and len(records) == 25
    assert sum(r.redirect_source is not None for r in records) == 11
    assert sum(r.redirect_destination is not None for r in records) == 11
    # plaso event 1: http://facebook.com/ at 2017-11-09T21:24:28.829571 (visit 37, visit_time
    # 531955468.829571), redirected to visit 38. plaso shows the empty title as None.
    fb = next(r for r in records if r.visit_id == 37)
    assert (fb.url, fb.title, fb.visit_count, fb.http_non_get) == (
        "http://facebook.com/",
        "",
        2,
        False,
    )
    assert fb.ts == cocoa(531955468.829571) == datetime(2017, 11, 9, 21, 24, 28, 829571, UTC)
    assert (fb.redirect_destination, records[2].redirect_source) == (38, 37)
    assert records[0].ts == cocoa(531955414.791503)  # the earliest visit, 36


def test_chrome_history(parse: Any) -> None:
    records, ctx = parse("ios.chrome_history", PLASO / "chrome_History")
    # Desktop Chrome 8 History (the same visits/urls tables as Chrome for iOS). sqlite3: 69
    # visits; plaso's 71 events add the 2 rows of downloads, which we do not read.
    assert ctx.warnings == 0 and len(records) == 69
    first, last = records[0], records[-1]
    # plaso event 0: http://start.ubuntu.com/10.04/Google/, 2011-04-07T12:03:11, "Ubuntu Start
    # Page", core transition 0 (link).
    assert (first.url, first.title, first.transition_type) == (
        "http://start.ubuntu.com/10.04/Google/",
        "Ubuntu Start Page",
        "link",
    )
    assert first.ts == datetime(2011, 4, 7, 12, 3, 11, tzinfo=UTC)
    # sqlite3: visit 69, visit_time 12950613447061516, from_visit 68, transition 0x60000000
    # (CHAIN_END | CLIENT_REDIRECT, core type 0).
    assert (last.visit_id, last.from_visit, last.redirect) == (69, 68, "client")
    assert last.ts == webkit(12950613447061516)
    assert Counter(r.transition_type for r in records)["typed"] == 2


def test_tcc_macos(parse: Any) -> None:
    records, ctx = parse("ios.tcc", PLASO / "TCC-test.db")
    # plaso: 21 entries; event 0 kTCCServiceUbiquity / com.apple.weather, allowed 1,
    # prompt_count 1, modified 2020-05-29T12:09:51 (sqlite3: last_modified 1590754191).
    assert ctx.warnings == 0 and len(records) == 21
    first = records[0]
    assert (first.service, first.client, first.allowed, first.prompt_count) == (
        "kTCCServiceUbiquity",
        "com.apple.weather",
        True,
        1,
    )
    assert (
        first.ts
        == datetime.fromtimestamp(1590754191, UTC)
        == datetime(2020, 5, 29, 12, 9, 51, tzinfo=UTC)
    )
    assert first.schema == "v2"  # allowed/prompt_count columns, before iOS 14's auth_value


def test_idstatuscache(parse: Any) -> None:
    records, ctx = parse(
        "ios.idstatuscache", PLASO / "com.apple.identityservices.idstatuscache.plist"
    )
    # plaso: 40 lookups, 0 warnings. plistlib: service com.apple.private.alloy.tincan.audio,
    # tel:+13233208923, LookupDate 635475630.799724, IDStatus 2 (plaso prints .799723: it
    # truncates the double 635475630.79972398...; we round to the nearest microsecond).
    assert ctx.warnings == 0 and len(records) == 40
    (hit,) = [r for r in records if r.user == "tel:+13233208923"]
    assert (hit.service, hit.phone, hit.email, hit.id_status) == (
        "com.apple.private.alloy.tincan.audio",
        "+13233208923",
        None,
        2,
    )
    assert hit.ts == datetime(2021, 2, 20, 1, 0, 30, 799724, tzinfo=UTC)
    assert sum(r.email is not None for r in records) == sum(
        r.user.startswith("mailto:") for r in records
    )


def test_safari_redirect_heuristic_on_real_history(parse: Any) -> None:
    """sqlite3 on the redirect pairs (source -> destination, seconds): of the 11, the plain-HTTP
    ones to another registrable domain within 1 s are one: foxnew.com -> www.foxnews.com after
    0.000362 s. http://facebook.com/ -> https://www.facebook.com/ and the like stay in their
    domain; www.foxnews.com -> sso.foxnews.com took 5.5 s. A benign typo-domain redirect: the
    heuristic is MEDIUM for review, and must flag exactly this one."""
    records, _ = parse("ios.safari_history", PLASO / "safari_History.db")
    prov = Provenance(
        source="ios_fs",
        path="/private/var/mobile/Library/Safari/History.db",
        sha256="0" * 64,
        parser="ios.safari_history",
        parser_version="1",
    )
    det = SafariRedirect()
    found = [f for r in records for f in det.feed(r, prov)] + list(det.finish())
    assert [(f.severity, f.value) for f in found] == [(Severity.MEDIUM, "http://www.foxnews.com/")]
    assert "http://foxnew.com/" in found[0].message
