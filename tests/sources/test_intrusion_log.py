from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fuzz.seeds_intrusion import intrusion_log
from tests.test_end_to_end import key
from tracehound.core.errors import NotAnAcquisition
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources.detect import open_source
from tracehound.sources.intrusion_log import IntrusionLog

IOCS = Path(__file__).parent.parent / "data/android16/intrusion_iocs.stix2.json"


def test_recognised_by_content_not_name(tmp_path: Path) -> None:
    path = intrusion_log(tmp_path)
    renamed = path.rename(tmp_path / "export.txt")
    source = open_source(renamed)
    assert isinstance(source, IntrusionLog) and source.platform == "android"
    found = source.find(["intrusionlog:**", "androidqf:intrusion_logs/**"])
    assert found == {
        "intrusionlog:**": ["intrusionlog:export.txt"],
        "androidqf:intrusion_logs/**": [],
    }
    assert source.local("intrusionlog:export.txt") == renamed


def test_other_json_lines_are_not_an_intrusion_log(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"name": "x"}\n')
    with pytest.raises(NotAnAcquisition):
        open_source(path)


def test_check_matches_domains_and_ips(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = intrusion_log(tmp_path / "in")
    out = tmp_path / "out"
    result = run_check(
        CheckOptions(target=path, output=out, ioc_paths=[IOCS], bundled_iocs=False, jobs=1)
    )
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == Counter(
        {
            ("indicator", "android.intrusion_logs", "high", "example-cdn.net"): 1,
            ("indicator", "android.intrusion_logs", "high", "198.51.100.23"): 1,
            ("heuristic", "android.intrusion_logs", "low", "android_intrusion_security_events"): 1,
        }
    )
    run = json.loads((out / "run.json").read_text())
    assert run["acquisition"]["kind"] == "intrusionlog"
    assert run["artifacts"]["android.intrusion_logs"]["records"] == 4
    assert run["evidence_check"]["unchanged"]
