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

#: ps.txt, the shutdown.log copy and one crash report all name the staged Pegasus process.
CRASH = Counter(
    {
        ("indicator", "ios.crash_reports", "critical", "mptbd"): 2,  # process and path
        ("heuristic", "ios.crash_reports", "high", "process_suspicious_path"): 1,
    }
)
SYSDIAGNOSE = CRASH + Counter(
    {
        ("indicator", "ios.sysdiagnose_ps", "critical", "mptbd"): 2,  # process and path
        ("indicator", "ios.shutdown_log", "critical", "mptbd"): 2,  # client path and process
        ("heuristic", "ios.shutdown_log", "high", "shutdown_suspicious_path"): 1,
        ("heuristic", "ios.sysdiagnose_ps", "high", "process_suspicious_path"): 1,
        # ps_thread.txt lists the same staged process (ps -M, one line per thread).
        ("indicator", "ios.sysdiagnose_ps_thread", "critical", "mptbd"): 2,
        ("heuristic", "ios.sysdiagnose_ps_thread", "high", "process_suspicious_path"): 1,
    }
)


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
    assert arts["ios.crash_reports"]["records"] == 2
    assert arts["ios.shutdown_log"]["records"] == 3
    assert arts["ios.mobile_installation"]["records"] == 3
    ran = {name for name, a in arts.items() if a["status"] == "ran"}
    assert ran == {
        "ios.sysdiagnose_ps",
        "ios.sysdiagnose_ps_thread",
        "ios.crash_reports",
        "ios.shutdown_log",
        "ios.mobile_installation",
    }
    assert all(a["status"] in ("ran", "not_present") for a in arts.values())


def test_clean_sysdiagnose_has_no_detection(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "sysdiagnose", infected=False)
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 0 and result.detections == []


def test_crash_log_folder(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "crashlogs")
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == CRASH
    assert result.run["acquisition"]["kind"] == "crashlogs"
    assert result.run["artifacts"]["ios.crash_reports"]["records"] == 2
