"""MVT's test iTunes backup (tests/data/mvt/ios_backup, see tests/data/mvt/ORIGIN.md).

A real (unencrypted) backup folder whose Manifest.db lists 3721 files while only 11 files are
kept, so most listed files are absent: that is how MVT ships it, and it exercises "listed in
the index but missing". Expected values come from sqlite3/plistlib queries on the files and from
MVT's own tests (``tests/ios_backup/test_*.py`` at the commit in ORIGIN.md), cited per test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.realdata import DATA, tree_state
from tracehound.cli import main

BACKUP = DATA / "mvt" / "ios_backup"
Run = tuple[Any, dict[str, Any], list[dict[str, Any]]]


def _file(file_id: str) -> Path:
    return BACKUP / file_id[:2] / file_id


@pytest.fixture(scope="module")
def backup_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    before = tree_state(BACKUP)
    out = tmp_path_factory.mktemp("mvt-ios") / "out"
    result = CliRunner().invoke(main, ["check", str(BACKUP), "--output", str(out), "-q", "-j1"])
    assert tree_state(BACKUP) == before, "the check wrote inside the acquisition"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    lines = (out / "detections.jsonl").read_text(encoding="utf-8").splitlines()
    return result, run, [json.loads(line) for line in lines]


# Artifacts whose one input Manifest.db lists but whose file the backup does not hold (checked
# with: SELECT fileID FROM Files WHERE relativePath = ...; then looking for <xx>/<fileID>).
LISTED_BUT_ABSENT = (
    "ios.calls",
    "ios.chrome_favicon",
    "ios.chrome_history",
    "ios.contacts",
    "ios.firefox_favicon",
    "ios.firefox_history",
    "ios.idstatuscache",
    "ios.locationd_clients",
    "ios.osanalytics_addaily",
    "ios.safari_history",
    "ios.shortcuts",
    "ios.wifi_known_networks",  # SystemPreferencesDomain's com.apple.wifi.plist
)

# (status, records, warnings) of every artifact whose inputs are all present or all not listed.
EXPECTED = {
    "ios.applications": ("ran", 6, 0),  # Info.plist "Installed Applications" has 6 ids
    "ios.backup_info": ("ran", 1, 0),
    "ios.system_version": ("ran", 1, 0),  # the same Info.plist: Product Version 14.3, 18C66
    "ios.calendar": ("ran", 1, 0),  # MVT test_calendar: 1 result
    "ios.datausage": ("ran", 41, 0),  # 40 ZPROCESS rows LEFT JOIN 10 ZLIVEUSAGE rows
    "ios.global_preferences": ("ran", 16, 0),  # MVT test_global_preferences: 16
    "ios.interaction_c": ("ran", 3, 0),  # MVT test_interactionc: 3
    "ios.manifest": ("ran", 3721, 0),  # MVT test_manifest: 3721; SELECT count(*) FROM Files
    "ios.safari_browser_state": ("ran", 1, 0),  # MVT test_safari_browserstate: 1
    "ios.sms": ("ran", 1, 0),  # MVT test_sms: 1
    # This sms.db has only the tables handle and message (sqlite3 .tables).
    "ios.sms_attachments": ("schema_mismatch", 0, 0),
    "ios.tcc": ("ran", 11, 0),  # MVT test_tcc: 11
    "ios.whatsapp": ("ran", 3, 0),  # MVT test_whatsapp: 3 messages
    # 2 contact rows; MVT's fixture declares ZDISAPPEARINGMODEDURATION REAL and stores 86400.0,
    # where real ContactsV2.sqlite files declare it INTEGER (tests/data/ileapp): one warning.
    "ios.whatsapp_contacts": ("ran", 2, 1),
    **dict.fromkeys(
        (
            "ios.applications_fs",
            "ios.cache_files",
            "ios.configuration_profiles",
            "ios.crash_reports",  # sysdiagnose and crash-log folder artifacts
            "ios.ios_version_history",
            "ios.keychain_analytics",
            "ios.mobile_installation",
            "ios.netusage",
            "ios.profile_events",
            "ios.safari_favicon",
            "ios.shutdown_log",
            "ios.sysdiagnose_ps",
            "ios.managed_settings",
            "ios.sysdiagnose_ps_thread",
            "ios.webkit_indexeddb",
            "ios.webkit_localstorage",
            "ios.webkit_safariviewservice",
            "ios.webkit_session_resource_log",
        ),
        ("not_present", 0, 0),
    ),
}


def test_backup_statuses_records_and_warnings(backup_run: Run) -> None:
    _, run, _ = backup_run
    got = {k: (v["status"], v["records"], v["warnings"]) for k, v in run["artifacts"].items()}
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert set(got) == set(EXPECTED) | set(LISTED_BUT_ABSENT) | {
        "ios.webkit_resource_load_statistics"
    }


def test_listed_but_absent_files_are_never_not_present(backup_run: Run) -> None:
    """Whatever the status word, a file Manifest.db lists is never reported as not there."""
    _, run, _ = backup_run
    for name in LISTED_BUT_ABSENT:
        art = run["artifacts"][name]
        assert art["status"] in {"error", "missing"}, name
        assert art["records"] == 0
        assert "listed in Manifest.db" in art["errors"][0], name


def test_listed_but_absent_files_are_missing(backup_run: Run) -> None:
    _, run, _ = backup_run
    assert {n: run["artifacts"][n]["status"] for n in LISTED_BUT_ABSENT} == dict.fromkeys(
        LISTED_BUT_ABSENT, "missing"
    )
    webkit = run["artifacts"]["ios.webkit_resource_load_statistics"]
    assert sorted(f["status"] for f in webkit["files"]) == ["missing"] * 5 + ["ran"]


def test_webkit_observations_one_present_five_absent(backup_run: Run) -> None:
    """Six observations.db are listed; only Chrome's (6e9d0c...) is in the backup."""
    _, run, _ = backup_run
    art = run["artifacts"]["ios.webkit_resource_load_statistics"]
    ran = [f for f in art["files"] if f["status"] == "ran"]
    assert len(art["files"]) == 6 and art["records"] == 2
    assert [f["path"] for f in ran] == [
        "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/Library/WebKit/"
        "WebsiteData/ResourceLoadStatistics/observations.db"
    ]


def test_backup_detections_exit_code_and_evidence(backup_run: Run) -> None:
    result, run, detections = backup_run
    # Incomplete (absent files), nothing high: exit 2. MVT test_datausage: one alert for the
    # missing process row; test_global_preferences: "Lockdown mode enabled", informational.
    # iOS 14.3 (18C66) is older than the bundled build table's newest: a LOW note (MVT logs a
    # warning, is_ios_version_outdated).
    assert result.exit_code == 2, result.output
    got = sorted((d["type"], d["artifact"], d["severity"], d["detector"]) for d in detections)
    assert got == [
        ("heuristic", "ios.datausage", "low", "datausage_pk_gap"),
        ("heuristic", "ios.global_preferences", "info", "lockdown_mode"),
        ("heuristic", "ios.system_version", "low", "ios_version_outdated"),
    ]
    version = next(d for d in detections if d["detector"] == "ios_version_outdated")
    assert version["value"] == "14.3 (18C66)" and version["ts"] is None
    gap = next(d for d in detections if d["detector"] == "datausage_pk_gap")
    assert gap["value"] == "5"  # SELECT Z_PK FROM ZPROCESS: 1..4, 6..41 (5 is gone)
    assert run["evidence_check"]["unchanged"] is True
    assert run["evidence_check"]["inputs_checked"] == 12
    assert run["acquisition"]["os_build"] == "18C66"  # MVT test_backup_info


def cocoa(seconds: float) -> datetime:
    """Reference conversion for expected values: 2001-01-01 UTC plus seconds (Apple's epoch)."""
    return datetime.fromtimestamp(978307200 + seconds, UTC)


def test_sms(parse: Any) -> None:
    # sqlite3: message ROWID 3, date 588813210539788032 ns, date_read 588813210539900000,
    # is_from_me 0, handle_id 1 -> handle.id 'apple'. MVT test_sms: the link below.
    records, ctx = parse("ios.sms", _file("3d0d7e5fb2ce288813306e4d4636395e047a3d28"))
    assert ctx.warnings == 0 and len(records) == 1
    msg = records[0]
    assert (msg.row, msg.guid, msg.handle, msg.direction) == (
        3,
        "FDC6EC94-9D5A-434D-90FA-BF170E10A311",
        "apple",
        "received",
    )
    assert msg.ts == datetime(2019, 8, 29, 23, 13, 30, 539788, tzinfo=UTC)
    assert msg.read_at == datetime(2019, 8, 29, 23, 13, 30, 539900, tzinfo=UTC)
    assert msg.links == ("https://badbadbad.example.org/",)


def test_tcc(parse: Any) -> None:
    # sqlite3: 11 access rows, iOS 14 schema (auth_value, last_modified in Unix seconds).
    records, ctx = parse("ios.tcc", _file("64d0019cb3d46bfc8cce545a8ba54b93e7ea9347"))
    assert ctx.warnings == 0 and len(records) == 11
    assert all(r.auth_value == 2 and r.access == "allowed" for r in records)
    launch = [r for r in records if r.client == "Launch"]
    assert [(r.service, r.client_type) for r in launch] == [("kTCCServiceLiverpool", 0)]
    prefs = next(r for r in records if r.client == "com.apple.Preferences")
    assert prefs.service == "kTCCServiceUbiquity"  # MVT test_tcc: results[0]
    assert prefs.ts == datetime.fromtimestamp(1597237996, UTC)


def test_calendar(parse: Any) -> None:
    # sqlite3 CalendarItem: start 703502100.0, end 703505700.0, creation 702930606.0 (Cocoa);
    # Participant: email user@example.org, phone 12345678.
    records, ctx = parse("ios.calendar", _file("2041457d5fe04d39d0ab481178355df6781e6858"))
    assert ctx.warnings == 0 and len(records) == 1
    ev = records[0]
    assert ev.summary == "Super interesting meeting"  # MVT test_calendar
    assert (ev.ts, ev.ended, ev.created) == (cocoa(703502100), cocoa(703505700), cocoa(702930606))
    assert (ev.organizer_email, ev.organizer_phone) == ("user@example.org", "12345678")


def test_datausage(parse: Any) -> None:
    records, ctx = parse("ios.datausage", _file("0d609c54856a9bb2d56729df1d68f2958a88426b"))
    assert ctx.warnings == 0 and len(records) == 41
    assert not any(r.process_missing for r in records)  # every ZHASPROCESS has its ZPROCESS
    # ZPROCESS 32 "CumulativeUsageTracker" has two ZLIVEUSAGE rows (1 and 10).
    tracker = [r for r in records if r.process_raw == "CumulativeUsageTracker"]
    assert [(r.process_pk, r.usage_pk) for r in tracker] == [(32, 1), (32, 10)]
    assert tracker[0].ts == cocoa(588812862.743243)
    assert (tracker[0].wwan_in, tracker[0].wwan_out) == (253438.0, 0.0)
    # MVT test_datausage: the first result's time is 2019-08-27 15:08:09.
    assert records[0].first_seen is not None
    assert records[0].first_seen.replace(microsecond=0) == datetime(
        2019, 8, 27, 15, 8, 9, tzinfo=UTC
    )


def test_interaction_c(parse: Any) -> None:
    # sqlite3 ZINTERACTIONS: ZSTARTDATE 779000000/779100000/779200000, ZDIRECTION 0, 1, 0.
    records, ctx = parse("ios.interaction_c", _file("1f5a521220a3ad80ebfdc196978df8e7a2e49dee"))
    assert ctx.warnings == 0
    got = [(r.bundle_id, r.direction, r.ts) for r in records]
    assert got == [
        ("net.whatsapp.WhatsApp", "incoming", cocoa(779000000)),
        ("net.whatsapp.WhatsApp", "outgoing", cocoa(779100000)),
        ("com.apple.MobileSMS", "incoming", cocoa(779200000)),
    ]
    # MVT test_interactionc: sender of the WhatsApp message and the SMS sender's name, and the
    # SMS record created 90 days after the event (2025-12-09 12:26:40).
    assert records[0].sender_id == "100000000000001@lid"
    assert records[2].sender_name == "Bob Example"
    assert records[2].created == datetime(2025, 12, 9, 12, 26, 40, tzinfo=UTC)


def test_safari_browser_state(parse: Any) -> None:
    records, ctx = parse(
        "ios.safari_browser_state", _file("3a47b0981ed7c10f3e2800aa66bac96a3b5db28e")
    )
    assert ctx.warnings == 0 and len(records) == 1
    tab = records[0]
    assert (tab.url, tab.title) == ("https://en.wikipedia.org/wiki/NSO_Group", "NSO is bad")
    assert tab.ts == cocoa(654598606.156382)  # tabs.last_viewed_time


def test_whatsapp(parse: Any) -> None:
    # sqlite3 ZWAMESSAGE: 3 rows, ZMESSAGEDATE 778000000/778100000/778200000 (Cocoa).
    records, ctx = parse("ios.whatsapp", _file("7c7fba66680ef796b916b067077cc246adacf01d"))
    assert ctx.warnings == 0
    assert [(r.direction, r.text, r.ts) for r in records] == [
        ("received", "Hi", cocoa(778000000)),
        ("sent", "Check https://example.org/news", cocoa(778100000)),
        ("received", "Welcome", cocoa(778200000)),
    ]
    assert records[1].links == ("https://example.org/news",)  # MVT test_whatsapp
    assert records[1].to_jid == "14155550100@s.whatsapp.net"


def test_webkit_resource_load_statistics(parse: Any) -> None:
    # sqlite3 ObservedDomains: google.com lastSeen 1634560250.0, mostRecentUserInteractionTime
    # 1634560030.76862; gstatic.com lastSeen 1634560030.0, no interaction (-1.0). Unix seconds.
    path = (
        "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/Library/WebKit/"
        "WebsiteData/ResourceLoadStatistics/observations.db"
    )
    records, ctx = parse(
        "ios.webkit_resource_load_statistics",
        _file("6e9d0cb750a70e7fa10943c134a5f021dab327e7"),
        path,
    )
    assert ctx.warnings == 0
    got = [(r.domain, r.ts, r.had_user_interaction, r.last_interaction) for r in records]
    assert got == [
        ("google.com", datetime.fromtimestamp(1634560250, UTC), True,
         datetime.fromtimestamp(1634560030.76862, UTC)),
        ("gstatic.com", datetime.fromtimestamp(1634560030, UTC), False, None),
    ]  # fmt: skip
    assert records[0].app == "com.google.chrome.ios"


def test_global_preferences(parse: Any) -> None:
    records, ctx = parse(
        "ios.global_preferences", _file("0dc926a1810f7aee4e8f38793ed788701f93bf9d")
    )
    assert ctx.warnings == 0 and len(records) == 16
    values = {r.key: r.value for r in records}
    assert values["LDMGlobalEnabled"] == "True"  # MVT: "Lockdown mode enabled"
    assert values["WebKitShowLinkPreviews"] == "False"  # MVT: results[0]


def test_backup_info_and_applications(parse: Any) -> None:
    records, ctx = parse("ios.backup_info", BACKUP / "Info.plist", "backup:Info.plist")
    assert ctx.warnings == 0 and len(records) == 1
    info = records[0]
    # plistlib: Build Version 18C66, IMEI 42 (MVT test_backup_info), Last Backup Date.
    assert (info.build_version, info.imei, info.product_type) == ("18C66", "42", "iPhone9,3")
    assert info.ts == datetime(2021, 12, 3, 19, 33, 13, tzinfo=UTC)
    apps, ctx = parse("ios.applications", BACKUP / "Info.plist", "backup:Info.plist")
    assert ctx.warnings == 0
    assert sorted(a.bundle_id for a in apps) == [
        "ch.icoaching.typewise",
        "com.google.Gmail",
        "com.google.chrome.ios",
        "net.whatsapp.WhatsApp",
        "org.mozilla.ios.Firefox",
        "ph.telegra.Telegraph",
    ]


def test_manifest(parse: Any) -> None:
    records, ctx = parse("ios.manifest", BACKUP / "Manifest.db", "backup:Manifest.db")
    # MVT test_manifest: 3721 results. sqlite3: flags 1 (file) 1089, 2 (folder) 2618, 4 (link)
    # 14. plistlib on the DataUsage row's `file` blob: Birth 1566918483, LastModified
    # 1638559935, LastStatusChange 1610659167, Size 94208, Mode 33188, UserID/GroupID 25.
    assert ctx.warnings == 0 and len(records) == 3721
    assert sum(r.is_dir for r in records) == 2618
    (du,) = [r for r in records if r.file_id == "0d609c54856a9bb2d56729df1d68f2958a88426b"]
    assert (du.domain, du.relative_path, du.path) == (
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        "/private/var/wireless/Library/Databases/DataUsage.sqlite",
    )
    assert (du.ts, du.created, du.status_changed) == (
        datetime.fromtimestamp(1638559935, UTC),
        datetime.fromtimestamp(1566918483, UTC),
        datetime.fromtimestamp(1610659167, UTC),
    )
    assert (du.size, du.mode, du.uid, du.gid, du.flags) == (94208, 33188, 25, 25, 1)
