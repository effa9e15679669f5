"""MVT's Android test artifacts (tests/data/mvt/{androidqf,android_data,android_backup}).

Expected values: read from the text/JSON/zlib files themselves, or MVT's own tests at the
commit in tests/data/mvt/ORIGIN.md (``tests/android/test_artifact_*.py``,
``tests/android/test_backup_parser.py``), cited per test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.realdata import DATA, tree_state
from tracehound.cli import main
from tracehound.store.records import artifact_records

MVT = DATA / "mvt"
ANDROID = MVT / "android_data"
DUMPSYS = "androidqf:dumpsys.txt"


def check(target: Path, out: Path, *extra: str) -> tuple[Any, dict[str, Any], list[Any]]:
    before = tree_state(target if target.is_dir() else target.parent)
    args = ["check", str(target), "--output", str(out), "-q", "-j1", *extra]
    result = CliRunner().invoke(main, args)
    assert tree_state(target if target.is_dir() else target.parent) == before
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    lines = (out / "detections.jsonl").read_text(encoding="utf-8").splitlines()
    return result, run, [json.loads(line) for line in lines]


def statuses(run: dict[str, Any]) -> dict[str, tuple[str, int, int]]:
    return {k: (v["status"], v["records"], v["warnings"]) for k, v in run["artifacts"].items()}


def kinds(detections: list[Any]) -> list[tuple[str, str, str, str]]:
    return sorted((d["artifact"], d["severity"], d["detector"], d["value"]) for d in detections)


NOT_PRESENT = ("not_present", 0, 0)
LOCAL_AS_UTC = 1  # the one "device time zone unknown" warning of artifacts with local times


def test_androidqf_folder(tmp_path: Path) -> None:
    result, run, detections = check(MVT / "androidqf", tmp_path / "out", "--no-bundled-iocs")
    assert result.exit_code == 1, result.output  # root binaries are high
    assert statuses(run) == {
        "android.aqf_acquisition": NOT_PRESENT,  # this folder has no acquisition.json
        "android.aqf_integrity": ("ran", 1, 0),
        "android.aqf_log_files": NOT_PRESENT,
        "android.bugreport_files": NOT_PRESENT,
        "android.dumpsys_accessibility": ("ran", 4, 0),
        "android.dumpsys_activities": ("ran", 0, 0),  # no "Activity Resolver Table" in it
        "android.dumpsys_adb": ("ran", 1, 0),
        "android.dumpsys_appops": ("ran", 39, LOCAL_AS_UTC),
        "android.dumpsys_battery_daily": ("ran", 3, LOCAL_AS_UTC),
        "android.dumpsys_battery_history": ("ran", 7, LOCAL_AS_UTC),
        "android.dumpsys_dbinfo": ("ran", 6, LOCAL_AS_UTC),
        "android.dumpsys_packages": ("ran", 2, LOCAL_AS_UTC),
        "android.dumpsys_platform_compat": ("ran", 2, 0),
        # 4 receivers of PHONE_STATE and 2 of NEW_OUTGOING_CALL in "Non-Data Actions".
        "android.dumpsys_receivers": ("ran", 6, 0),
        "android.files": ("ran", 3, 0),  # files.json: 3 entries
        "android.getprop": ("ran", 10, 0),  # getprop.txt: 10 lines
        "android.intrusion_logs": NOT_PRESENT,
        "android.mounts": NOT_PRESENT,
        "android.packages": ("ran", 7, 0),  # packages.json: 7 packages
        "android.processes": ("ran", 15, 0),  # ps.txt: header + 15 lines
        "android.root_binaries": ("ran", 4, 0),  # root_binaries.json: 4 paths
        "android.settings": NOT_PRESENT,  # only settings_random.txt, not settings_<ns>.txt
        "android.sms_backup": ("ran", 2, 0),  # backup.ab: MVT test_parsing_noencryption, 2
        "android.tombstones": NOT_PRESENT,
    }
    got = kinds(detections)
    assert [k for k in got if k[0] == "android.root_binaries"] == [
        ("android.root_binaries", "high", "android_root_binaries", path)
        for path in sorted(json.loads((MVT / "androidqf/root_binaries.json").read_text()))
    ]
    # packages.json: the non-system packages without installer ("null") or installed by the
    # system package installer; org.nuclearfog.apollo came from F-Droid (a store: info).
    assert [k[1:] for k in got if k[0] == "android.packages"] == [
        ("info", "android_package_installer", "org.fdroid.fdroid"),
        ("medium", "android_package_installer", "com.google.android.packageinstaller"),
        ("medium", "android_package_installer", "com.google.android.packageinstaller"),
        ("medium", "android_package_installer", "com.google.android.packageinstaller"),
        ("medium", "android_package_installer", "null"),
    ]
    # dumpsys.txt trusts one computer for USB debugging (LOW, for review).
    assert [k[:3] for k in got if k[0] == "android.dumpsys_adb"] == [
        ("android.dumpsys_adb", "low", "android_adb_trusted_keys")
    ]
    # packages.json is a 7-package sample: the 4 Samsung services dumpsys accessibility sees
    # installed are not in it (LOW, android_accessibility_mismatch).
    assert [k[1:3] for k in got if k[0] == "android.dumpsys_accessibility"] == [
        ("low", "android_accessibility_mismatch")
    ] * 4
    assert len(got) == 22
    assert run["evidence_check"]["unchanged"] is True


def test_bugreport_folder(tmp_path: Path) -> None:
    result, run, detections = check(ANDROID / "bugreport", tmp_path / "out", "--no-bundled-iocs")
    got = statuses(run)
    # The dumpstate has no "------ SYSTEM PROPERTIES" section (grep -c: 0).
    assert got["android.getprop"] == ("schema_mismatch", 0, 0)
    assert result.exit_code == 2, result.output
    assert got["android.tombstones"] == ("ran", 2, 0)
    assert got["android.bugreport_files"] == ("ran", 2, 0)
    assert got["android.dumpsys_platform_compat"] == ("ran", 2, 0)
    # Timestamp: 2021-09-29 17:43:49+0200 (uid 2000, shell) and 2023-08-21 23:28:59-0400 (uid
    # 1000, system): both privileged crashes.
    tomb = sorted(
        (d["value"], d["ts"]) for d in detections if d["artifact"] == "android.tombstones"
    )
    assert tomb == [
        ("UsbFfs-worker", "2021-09-29T15:43:49+00:00"),
        ("tzts_daemon", "2023-08-22T03:28:59+00:00"),
    ]


@pytest.mark.parametrize(
    ("name", "extra", "links"),
    [
        # MVT test_backup_parser: 2 SMS, first link http://google.com (unencrypted) ...
        ("backup.ab", (), ["http://google.com", "https://google.com/"]),
        # ... 1 SMS with https://google.com/ (AES-256, password 123456; and compressed).
        ("backup2.ab", ("--password", "123456"), ["https://google.com/"]),
        ("backup3.ab", (), ["https://google.com/"]),
    ],
)
def test_adb_backups(tmp_path: Path, name: str, extra: tuple[str, ...], links: list[str]) -> None:
    result, run, _ = check(MVT / "android_backup" / name, tmp_path / "out", *extra)
    art = run["artifacts"]["android.sms_backup"]
    assert (art["status"], art["records"], art["warnings"]) == ("ran", len(links), 0)
    rows = artifact_records(tmp_path / "out", "android.sms_backup")
    got = [link for rec in rows for link in rec["links"]]
    assert sorted(got) == links, result.output


def test_sms_backup_entries(parse: Any) -> None:
    base = MVT / "android_backup/apps/com.android.providers.telephony/d_f"
    # zlib JSON: date "1645543781956" (ms), type "6" (queued), address 06543219.
    (sms,), ctx = parse(
        "android.sms_backup", base / "000000_sms_backup",
        "ab:apps/com.android.providers.telephony/d_f/000000_sms_backup",
    )  # fmt: skip
    assert ctx.warnings == 0
    assert (sms.kind, sms.direction, sms.address) == ("sms", "queued", "06543219")
    assert sms.ts == datetime(2022, 2, 22, 15, 29, 41, 956000, tzinfo=UTC)
    assert sms.links == ("https://google.com/",)
    # date "1579531789" (seconds in MMS), date_sent "1579531786", msg_box "1" (inbox).
    (mms,), ctx = parse(
        "android.sms_backup", base / "000001_mms_backup",
        "ab:apps/com.android.providers.telephony/d_f/000001_mms_backup",
    )  # fmt: skip
    assert ctx.warnings == 0
    assert (mms.kind, mms.direction, mms.mms_addresses) == (
        "mms", "received", ("+12345678", "+23456789"),
    )  # fmt: skip
    assert (mms.ts, mms.sent_at) == (
        datetime.fromtimestamp(1579531789, UTC), datetime.fromtimestamp(1579531786, UTC),
    )  # fmt: skip


def dumpsys(tmp_path: Path, name: str, service: str) -> Path:
    """MVT keeps some services' output without the ``DUMP OF SERVICE`` header (its artifact
    classes take one section); we read whole dumpsys files, so the header is put back."""
    path = tmp_path / name
    body = (ANDROID / name).read_text(encoding="utf-8")
    path.write_text(f"DUMP OF SERVICE {service}:\n{body}", encoding="utf-8")
    return path


def test_dumpsys_accessibility(parse: Any, tmp_path: Path) -> None:
    path = dumpsys(tmp_path, "dumpsys_accessibility.txt", "accessibility")
    records, ctx = parse("android.dumpsys_accessibility", path, DUMPSYS)
    # MVT test_artifact_dumpsys_accessibility: 4 results, the first com.android.settings.
    assert ctx.warnings == 0 and len(records) == 4
    assert records[0].package == "com.android.settings"
    new = ANDROID / "dumpsys_accessibility_v14_or_later.txt"  # has its header
    (svc,), ctx = parse("android.dumpsys_accessibility", new, DUMPSYS)
    assert ctx.warnings == 0
    assert (svc.package, svc.service, svc.enabled) == (
        "com.malware.accessibility", "com.malware.accessibility/com.malware.service.malwareservice",
        True,
    )  # fmt: skip


def test_dumpsys_appops(parse: Any, tmp_path: Path) -> None:
    path = dumpsys(tmp_path, "dumpsys_appops.txt", "appops")
    records, ctx = parse("android.dumpsys_appops", path, DUMPSYS)
    assert ctx.warnings == LOCAL_AS_UTC
    assert len({r.package for r in records}) == 13  # MVT: 13 packages
    # "RUN_IN_BACKGROUND (allow):" then "Access: [pers-s] 2022-03-29 18:37:30.315".
    cam = [(r.op, r.mode, r.access, r.ts) for r in records if r.package == "com.sec.factory.camera"]
    assert cam == [
        ("RECORD_AUDIO", "allow", None, None),
        ("RUN_IN_BACKGROUND", "allow", "Access", datetime(2022, 3, 29, 18, 37, 30, 315000, UTC)),
    ]


def test_dumpsys_battery(parse: Any, tmp_path: Path) -> None:
    path = dumpsys(tmp_path, "dumpsys_battery.txt", "batterystats")
    daily, ctx = parse("android.dumpsys_battery_daily", path, DUMPSYS)
    assert ctx.warnings == LOCAL_AS_UTC and len(daily) == 3  # MVT: 3
    assert {d.package for d in daily} == {
        "com.facebook.services", "com.facebook.katana", "com.facebook.system",
    }  # fmt: skip
    history, ctx = parse("android.dumpsys_battery_history", path, DUMPSYS)
    assert ctx.warnings == LOCAL_AS_UTC
    # RESET:TIME 2022-01-04-17-30-01, then +47s645ms, +47s731ms, +1h26m18s315ms,
    # +1h28m35s053ms, +2d23h22m24s588ms; the first line is the initial state (top=, no sign),
    # which MVT's 5 results leave out.
    t0 = datetime(2022, 1, 4, 17, 30, 1, tzinfo=UTC)
    ms = timedelta(milliseconds=1)
    assert [(h.event, h.package, h.ts) for h in history] == [
        ("top", "com.sec.android.app.launcher", t0),
        ("+job", "com.samsung.android.app.reminder", t0 + 47645 * ms),
        ("-job", "com.samsung.android.app.reminder", t0 + 47731 * ms),
        ("+top", "com.whatsapp", t0 + timedelta(hours=1, minutes=26, seconds=18.315)),
        ("-top", "com.whatsapp", t0 + timedelta(hours=1, minutes=28, seconds=35.053)),
        ("+top", "com.sec.android.app.launcher",
         t0 + timedelta(days=2, hours=23, minutes=22, seconds=24.588)),
    ]  # fmt: skip


def test_dumpsys_package_tables(parse: Any, tmp_path: Path) -> None:
    path = dumpsys(tmp_path, "dumpsys_packages.txt", "package")
    packages, ctx = parse("android.dumpsys_packages", path, DUMPSYS)
    # MVT: 2 packages, the first versionName 5.0.07, system, installed 2008-12-31 16:00:00.
    assert ctx.warnings == LOCAL_AS_UTC and len(packages) == 2
    first = packages[0]
    assert (first.version_name, first.system) == ("5.0.07", True)
    assert first.first_install == datetime(2008, 12, 31, 16, 0, tzinfo=UTC)
    activities, ctx = parse("android.dumpsys_activities", path, DUMPSYS)
    assert ctx.warnings == 0
    # 6 filters under "Full MIME Types" and 4 under "Non-Data Actions" (MVT reads those 4).
    tables = [a.table for a in activities]
    assert tables == ["Full MIME Types"] * 6 + ["Non-Data Actions"] * 4
    assert activities[6].package == "com.samsung.android.app.social"  # MVT: results[0]
    receivers, ctx = parse("android.dumpsys_receivers", path, DUMPSYS)
    # The receiver table has none of the SMS/call intents we report (MVT keeps all 4 actions).
    assert (receivers, ctx.warnings) == ([], 0)


def test_dumpsys_adb_dbinfo_platform_compat(parse: Any) -> None:
    (key,), ctx = parse("android.dumpsys_adb", ANDROID / "dumpsys_adb_xml.txt", DUMPSYS)
    # <adbKey key="QAAAAAcg... user@laptop" lastConnection="1628501829898" /> (ms).
    assert ctx.warnings == 0
    assert (key.user, key.ts) == ("user@laptop", datetime(2021, 8, 9, 9, 37, 9, 898000, UTC))
    for name in ("dumpsys_adb.txt", "dumpsys_adb_wifi.txt"):
        (key,), ctx = parse("android.dumpsys_adb", ANDROID / name, DUMPSYS)
        assert (key.user, key.fingerprint) == (
            "user@linux",
            "F0:A1:3D:8C:B3:F4:7B:09:9F:EE:8B:D8:38:2E:BD:C6",
        )
    ops, ctx = parse("android.dumpsys_dbinfo", ANDROID / "dumpsys_dbinfo.txt", DUMPSYS)
    # "Most recently executed operations:" 0..4 of pid 8817 [com.wssyncmldm].
    assert ctx.warnings == LOCAL_AS_UTC
    assert [o.action for o in ops] == [
        "executeForCursorWindow", "executeForLong", "executeForLong", "executeForCursorWindow",
        "prepare",
    ]  # fmt: skip
    assert ops[0].ts == datetime(2023, 7, 27, 12, 21, 44, 97000, UTC)
    assert {o.path for o in ops} == {"/data/user/0/com.wssyncmldm/databases/idmsdk.db"}
    compat, ctx = parse(
        "android.dumpsys_platform_compat", ANDROID / "dumpsys_platform_compat.txt", DUMPSYS
    )
    assert ctx.warnings == 0
    assert [(c.package, c.uninstalled) for c in compat] == [
        ("org.torproject.torbrowser", False), ("org.article19.circulo.next", True),
    ]  # fmt: skip


def test_getprop_and_processes(parse: Any) -> None:
    props, ctx = parse("android.getprop", ANDROID / "getprop.txt", "androidqf:getprop.txt")
    # MVT test_artifact_getprop: 13, the first af.fast_track_multiplier = 1.
    assert ctx.warnings == 0 and len(props) == 13
    assert (props[0].name, props[0].value) == ("af.fast_track_multiplier", "1")
    procs, ctx = parse("android.processes", ANDROID / "ps.txt", "androidqf:ps.txt")
    # MVT test_artifact_processes: 17, the first init.
    assert ctx.warnings == 0 and len(procs) == 17
    assert (procs[0].name, procs[0].pid, procs[0].user) == ("init", 1, "root")


@pytest.mark.parametrize(
    ("name", "device_path", "fmt"),
    [
        ("tombstone_process.txt", "bugreport:FS/data/tombstones/tombstone_00", "text"),
        ("tombstone_process.pb", "bugreport:FS/data/tombstones/tombstone_01.pb", "protobuf"),
    ],
)
def test_tombstones(parse: Any, name: str, device_path: str, fmt: str) -> None:
    (t,), ctx = parse("android.tombstones", ANDROID / name, device_path)
    assert ctx.warnings == 0 and t.format == fmt
    # Text: "Timestamp: 2023-04-12 12:32:40.518290770+0200", "pid: 25541, tid: 21307, name:
    # mtk.ape.decoder", "uid: 1046" (MVT test_artifact_tombstones asserts the same values).
    local = datetime(2023, 4, 12, 12, 32, 40, 518290, timezone(timedelta(hours=2)))
    assert t.ts == local.astimezone(UTC)
    assert (t.pid, t.tid, t.uid, t.process_name) == (25541, 21307, 1046, "mtk.ape.decoder")
    assert t.binary_path == "/vendor/bin/hw/android.hardware.media.c2@1.2-mediatek"


def test_tombstone_protobuf_selinux_label_has_no_nul(parse: Any) -> None:
    """Field 8 of tombstone_process.pb is the 18 bytes ``u:r:mtk_hal_c2:s0\\x00``: the kernel's
    attr/current text with its C terminator. The label is the text before it."""
    data = (ANDROID / "tombstone_process.pb").read_bytes()
    assert b"\x42\x12u:r:mtk_hal_c2:s0\x00" in data  # tag 8/LEN, length 18
    (t,), _ = parse(
        "android.tombstones", ANDROID / "tombstone_process.pb",
        "bugreport:FS/data/tombstones/tombstone_01.pb",
    )  # fmt: skip
    assert t.selinux_label == "u:r:mtk_hal_c2:s0"


def test_androidqf_files_and_packages(parse: Any) -> None:
    aqf = MVT / "androidqf"
    files, ctx = parse("android.files", aqf / "files.json", "androidqf:files.json")
    # json: /sdcard/.profig.os, size 36, modified 1593109532, changed 1550155672, gid 1015.
    assert ctx.warnings == 0 and len(files) == 3
    first = files[0]
    assert (first.path, first.size, first.uid, first.gid) == ("/sdcard/.profig.os", 36, 0, 1015)
    assert (first.ts, first.changed) == (
        datetime.fromtimestamp(1593109532, UTC), datetime.fromtimestamp(1550155672, UTC),
    )  # fmt: skip
    assert first.sha256 is None  # "" in the JSON: not hashed
    packages, ctx = parse("android.packages", aqf / "packages.json", "androidqf:packages.json")
    assert ctx.warnings == 0 and len(packages) == 7
    wa = packages[0]
    # json: com.whatsapp, uid 10271, one APK, certificate Sha256 3987d043..., ValidFrom
    # 2010-06-25T23:07:16Z.
    assert (wa.name, wa.uid, wa.system, wa.third_party) == ("com.whatsapp", 10271, False, True)
    assert wa.apk_paths == ("/data/app/~~/com.whatsapp-~~/base.apk",)
    assert wa.cert_sha256 == ("3987d043d10aefaf5a8710b3671418fe57e0e19b653c9df82558feb5ffce5d44",)
    assert wa.cert_valid_from == (datetime(2010, 6, 25, 23, 7, 16, tzinfo=UTC),)


def test_bugreport_dumpstate_packages(parse: Any) -> None:
    dumpstate = ANDROID / "bugreport/dumpstate.txt"
    records, ctx = parse("android.dumpsys_packages", dumpstate, "bugreport:dumpstate.txt")
    # MVT test_bugreport: 2 packages, installers "" and com.android.vending. The text of
    # com.instagram.android: firstInstallTime=2020-06-12 00:41:34 (device-local), 17 "install
    # permissions" granted=true, 12 "runtime permissions" all granted=false.
    assert ctx.warnings == LOCAL_AS_UTC and len(records) == 2
    first, insta = records
    assert (first.package, first.installer) == ("com.samsung.android.provider.filterprovider", None)
    assert (insta.package, insta.installer, insta.uid) == (
        "com.instagram.android", "com.android.vending", 10164,
    )  # fmt: skip
    assert insta.first_install == datetime(2020, 6, 12, 0, 41, 34, tzinfo=UTC)
    assert (len(insta.install_permissions), insta.runtime_permissions) == (17, ())
    assert len(insta.denied_permissions) == 12
    assert "android.permission.RECORD_AUDIO" in insta.denied_permissions
