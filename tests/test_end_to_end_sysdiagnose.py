"""The infected demo phone as a sysdiagnose (.tar.gz and folder) and as a crash-log folder."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.test_end_to_end import key
from tracehound.demo import generate
from tracehound.pipeline import CheckOptions, run_check

#: ps.txt, the shutdown.log copy and one crash report all name the staged Pegasus process; a
#: second crash report is of a process in root's home folder (MEDIUM).
CRASH = Counter(
    {
        ("indicator", "ios.crash_reports", "critical", "mptbd"): 2,  # process and path
        ("heuristic", "ios.crash_reports", "high", "process_suspicious_path"): 1,
        ("heuristic", "ios.crash_reports", "medium", "process_suspicious_path"): 1,
    }
)
SYSDIAGNOSE = CRASH + Counter(
    {
        ("indicator", "ios.sysdiagnose_ps", "critical", "mptbd"): 2,  # process and path
        ("indicator", "ios.shutdown_log", "critical", "mptbd"): 2,  # client path and process
        ("heuristic", "ios.shutdown_log", "high", "shutdown_suspicious_path"): 1,
        ("heuristic", "ios.sysdiagnose_ps", "high", "process_suspicious_path"): 1,
        # swcutil_show.txt: an app claims the Pegasus domain (found by the text sweep)
        ("indicator", "ios.sysdiagnose_text", "high", "free247downloads.com"): 1,
        # EffectiveUserSettings.plist: allowLockdownMode false
        ("heuristic", "ios.managed_settings", "low", "lockdown_mode"): 1,
        # ps_thread.txt lists the same staged process (ps -M, one line per thread).
        ("indicator", "ios.sysdiagnose_ps_thread", "critical", "mptbd"): 2,
        ("heuristic", "ios.sysdiagnose_ps_thread", "high", "process_suspicious_path"): 1,
    }
)
#: logs/SystemVersion/SystemVersion.plist says iOS 14.6 (18F72): behind security releases of
#: the bundled build table. A crash-log folder has no version file: nothing is said then.
VERSION = Counter({("heuristic", "ios.system_version", "low", "ios_version_outdated"): 1})
SYSDIAGNOSE += VERSION
#: SystemVersion.plist (ios.system_version) and ps_thread.txt are read by their own artifacts.
SWEPT = "logs/MobileActivation/mobileactivationd.log.0, swcutil_show.txt, sysdiagnose.log"


def _run(path: Path, out: Path) -> Any:
    result = run_check(CheckOptions(target=path, output=out))
    run = json.loads((out / "run.json").read_text())
    assert run["evidence_check"]["unchanged"] and not run["acquisition"]["errors"]
    return result


@pytest.mark.parametrize("kind", ["sysdiagnose", "sysdiagnose-folder"])
def test_sysdiagnose_finds_the_planted_traces(kind: str, tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", kind)
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == SYSDIAGNOSE
    acq = result.run["acquisition"]
    assert acq["kind"] == "sysdiagnose"
    assert (acq["os_version"], acq["os_build"]) == ("14.6", "18F72")
    assert acq["sysdiagnose_time"] == "2021-07-20T08:00:00+00:00"
    arts = result.run["artifacts"]
    assert arts["ios.sysdiagnose_ps"]["records"] == 5
    assert arts["ios.sysdiagnose_ps_thread"]["records"] == 5
    assert arts["ios.crash_reports"]["records"] == 3
    assert arts["ios.shutdown_log"]["records"] == 3
    assert arts["ios.mobile_installation"]["records"] == 3
    assert arts["ios.wifi_known_networks"]["records"] == 4  # added x2, joined, associated
    assert arts["ios.managed_settings"]["records"] == 3
    # an activation URL, its process, notes.example.com and the campaign domain
    assert arts["ios.sysdiagnose_text"]["records"] == 4
    assert all(a["warnings"] == 0 for a in arts.values())
    ran = {name for name, a in arts.items() if a["status"] == "ran"}
    assert ran == {
        "ios.sysdiagnose_ps",
        "ios.sysdiagnose_ps_thread",
        "ios.crash_reports",
        "ios.shutdown_log",
        "ios.mobile_installation",
        "ios.system_version",
        "ios.wifi_known_networks",
        "ios.managed_settings",
        "ios.sysdiagnose_text",
    }
    notes = acq["coverage_notes"]
    assert notes == [
        f"ios.sysdiagnose_text: 3 text files swept for URLs, domains, paths and process names "
        f"({SWEPT}); not swept: 10 read by its own artifact"
    ]
    assert all(a["status"] in ("ran", "not_present") for a in arts.values())


def test_clean_sysdiagnose_has_only_the_version_note(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "sysdiagnose", infected=False)
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 0
    assert Counter(key(d) for d in result.detections) == VERSION
    [note] = result.detections
    assert "When acquired (2021-07-20), 1 of them had come out, the first 14.7" in note["message"]


def test_crash_log_folder(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "crashlogs")
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == CRASH
    assert result.run["acquisition"]["kind"] == "crashlogs"
    assert result.run["artifacts"]["ios.crash_reports"]["records"] == 3
    assert result.run["acquisition"]["coverage_notes"] == []


def test_hostile_text_members_are_counted_not_trusted(tmp_path: Path) -> None:
    """A binary member with a text name, an AppleDouble sidecar naming the campaign domain,
    and a member over the sweep's cap: counted, left, and said in the coverage note."""
    from tracehound.demo.sysdiagnose import FOLDER, write_folder
    from tracehound.sources import sysdiagnose_sweep

    root = write_folder(tmp_path / "in" / FOLDER, infected=False)
    (root / "logs" / "x.log").write_bytes(b"\x00\x01https://urlpush.net/n8Kd2xq\x00")
    (root / "._swcutil_show.txt").write_text("Domain: free247downloads.com\n")
    big = root / "logs" / "big.txt"
    with big.open("wb") as out:
        out.truncate(sysdiagnose_sweep.MAX_BYTES + 1)
    result = _run(root, tmp_path / "out")
    # Only the clean phone's one note (iOS 14.6 is behind the build table); warnings set no bit.
    assert [d["detector"] for d in result.detections] == ["ios_version_outdated"]
    assert result.exit_code == 0
    text = result.run["artifacts"]["ios.sysdiagnose_text"]
    assert (text["status"], text["warnings"], text["records"]) == ("ran", 1, 3)
    note = result.run["acquisition"]["coverage_notes"][0]
    assert "4 text files swept" in note and "1 AppleDouble sidecar" in note
    assert "1 over the 16 MiB cap" in note and "over the cap: logs/big.txt" in note
