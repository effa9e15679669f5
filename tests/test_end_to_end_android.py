"""The infected demo Android phone as androidqf (folder, zip), bugreport and encrypted backup."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_end_to_end import key
from tracehound.demo import android_phone
from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources.base import SourceOptions

STALKER = android_phone.STALKERWARE
CERT = android_phone.STALKERWARE_CERT
ACCESSIBILITY = "android_accessibility_enabled"

#: Dumpsys sections read from androidqf's dumpsys.txt (MVT skips them without a bugreport).
DUMPSYS = Counter(
    {
        # TheTruthSpy by two names: stalkerware.stix2/ioc.yaml and samples.csv ("PhoneSpying").
        ("indicator", "android.dumpsys_accessibility", "critical", STALKER): 2,
        ("indicator", "android.dumpsys_packages", "critical", STALKER): 2,
        (
            "heuristic",
            "android.dumpsys_accessibility",
            "medium",
            "android_accessibility_enabled",
        ): 1,
        ("heuristic", "android.getprop", "medium", "android_security_patch_old"): 1,
    }
)
#: The exported intrusion log: the campaign domain looked up 20 s after the SMS; three failed
#: unlocks (MEDIUM) and an adb shell command (LOW) among the security events.
INTRUSION_LOG = Counter(
    {
        ("indicator", "android.intrusion_logs", "high", android_phone.CAMPAIGN_DOMAIN): 1,
        ("heuristic", "android.intrusion_logs", "medium", "android_intrusion_security_events"): 1,
        ("heuristic", "android.intrusion_logs", "low", "android_intrusion_security_events"): 1,
    }
)
ANDROIDQF = (
    DUMPSYS
    + Counter(
        {
            ("indicator", "android.packages", "critical", STALKER): 2,
            ("indicator", "android.packages", "critical", CERT): 1,
            ("indicator", "android.processes", "critical", STALKER): 2,
            ("indicator", "android.processes", "critical", android_phone.SPYWARE_PROCESS): 1,
            ("indicator", "android.sms_backup", "high", "movingstinger.link"): 1,
            ("heuristic", "android.packages", "medium", "android_package_installer"): 1,
            # Play Protect's verifier off; accessibility on; adb on (INFO: androidqf needs it).
            ("heuristic", "android.settings", "medium", "android_dangerous_settings"): 2,
            ("heuristic", "android.settings", "info", "android_dangerous_settings"): 1,
            # SMS link, 40 s later TheTruthSpy installed with no installer; both are indicators
            ("heuristic", "android.sms_backup", "critical", "android_infection_sequence"): 1,
        }
    )
    + INTRUSION_LOG
)  # androidqf's intrusion_logs/ holds the same log
BUGREPORT = DUMPSYS + Counter(
    {
        ("heuristic", "android.tombstones", "medium", "android_tombstone_privileged_crash"): 1,
        # dumpstate's PROCESSES AND THREADS: TheTruthSpy's main thread. RCS Lab's
        # com.androidservices.support is there only as its last 15 characters
        # ("ervices.support", ART's thread name), which no indicator names.
        ("indicator", "android.processes", "critical", STALKER): 2,
        # dumpsys settings: as androidqf's settings lists.
        ("heuristic", "android.settings", "medium", "android_dangerous_settings"): 2,
        ("heuristic", "android.settings", "info", "android_dangerous_settings"): 1,
        # FS/proc/1/mountinfo: /system remounted read-write.
        ("heuristic", "android.mounts", "high", "android_system_rw_mounts"): 1,
    }
)
BACKUP = Counter({("indicator", "android.sms_backup", "high", "movingstinger.link"): 1})


@pytest.mark.parametrize(
    ("kind", "expected", "source"),
    [
        ("androidqf", ANDROIDQF, "androidqf"),
        ("androidqf-zip", ANDROIDQF, "androidqf"),
        ("bugreport", BUGREPORT, "bugreport"),
        ("ab", BACKUP, "android_backup"),
        ("intrusionlog", INTRUSION_LOG, "intrusionlog"),
    ],
)
def test_exact_detections(
    kind: str, expected: Counter[object], source: str, tmp_path: Path
) -> None:
    path = write_demo(tmp_path / "in", kind)
    options = CheckOptions(
        target=path,
        output=tmp_path / "out",
        source=SourceOptions(password=android_phone.BACKUP_PASSWORD),
    )
    result = run_check(options)
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == expected
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["acquisition"]["kind"] == source and run["acquisition"]["platform"] == "android"
    assert run["evidence_check"]["unchanged"] and not run["acquisition"]["errors"]
    assert all(a["status"] in ("ran", "not_present") for a in run["artifacts"].values())
    assert (tmp_path / "out" / "report.html").is_file()


def test_androidqf_time_zone_from_getprop(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "in", "androidqf")
    result = run_check(CheckOptions(target=path, output=tmp_path / "out"))
    facts = result.run["acquisition"]
    assert facts["timezone"] == android_phone.TIMEZONE and facts["timezone_source"] == "getprop"
    # The nested backup.ab is not encrypted in the androidqf demo: no password needed.
    assert result.run["artifacts"]["android.sms_backup"]["records"] == 4


def test_encrypted_backup_wrong_password_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracehound.cli import main

    path = write_demo(tmp_path / "in", "ab")
    result = CliRunner().invoke(
        main, ["check", str(path), "-o", str(tmp_path / "out"), "--password", "wrong"]
    )
    assert result.exit_code == 4 and "password" in result.output.lower()


def test_androidqf_chain_without_indicators(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "in", "androidqf")
    options = CheckOptions(target=path, output=tmp_path / "out", bundled_iocs=False)
    result = run_check(options)
    chains = [d for d in result.detections if d.get("detector") == "android_infection_sequence"]
    assert [(d["severity"], d["artifact"], d["value"]) for d in chains] == [
        ("high", "android.sms_backup", STALKER)
    ]
    assert chains[0]["message"] == (
        "Possible infection sequence (2 events within 40 s): SMS received with link "
        f"{android_phone.SMS_LINK}, 40 s later install of {STALKER} with no installer recorded"
    )
    assert result.exit_code == 1


def test_clean_androidqf_has_no_serious_detection(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "in", "androidqf", infected=False)
    result = run_check(CheckOptions(target=path, output=tmp_path / "out"))
    assert result.exit_code == 0
    assert all(d["type"] == "heuristic" for d in result.detections)
    assert {d["detector"] for d in result.detections} <= {
        "android_security_patch_old",
        "android_dangerous_settings",
    }


def test_clean_intrusion_log_exit_0(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "in", "intrusionlog", infected=False)
    result = run_check(CheckOptions(target=path, output=tmp_path / "out"))
    assert result.exit_code == 0 and result.detections == []
    assert result.run["artifacts"]["android.intrusion_logs"]["records"] == 4
