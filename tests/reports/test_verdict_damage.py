"""The verdict panel of report.html when part of the acquisition could not be checked (issue 11):
never a green "Nothing found", a damaged index named as the reason, a detection never hidden."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

from tracehound.reports.html import write_report


def edited(demo_results: Path, tmp_path: Path, change: dict[str, Any]) -> str:
    """The report text of a copy of the demo results whose run.json got ``change``."""
    folder = tmp_path / "results"
    shutil.copytree(demo_results, folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["acquisition"] |= change.pop("acquisition", {})
    for name, status in change.pop("artifacts", {}).items():
        run["artifacts"][name]["status"] = status
    run |= change
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    html = write_report(folder).read_text(encoding="utf-8")
    assert 'class="block verdict verdict-clean"' not in html
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_detections_stay_the_headline_with_a_damaged_index(
    demo_results: Path, tmp_path: Path
) -> None:
    damage = "Manifest.db: cannot list the backup's files: database disk image is malformed"
    text = edited(demo_results, tmp_path, {"exit_code": 2, "acquisition": {"index_damage": damage}})
    assert "Indicators of known spyware found: Pegasus" in text
    assert f"The acquisition's file index is damaged ({damage})." in text
    assert f"the acquisition's file index is damaged: {damage}" in text  # first reason
    assert "The acquisition could not be read" not in text


def test_no_detection_and_a_damaged_index_says_could_not_be_read(
    demo_results: Path, tmp_path: Path
) -> None:
    folder_change = {"exit_code": 2, "acquisition": {"index_damage": "Manifest.db: garbage"}}
    shutil.copytree(demo_results, tmp_path / "src")
    (tmp_path / "src" / "detections.jsonl").write_text("")
    text = edited(tmp_path / "src", tmp_path, folder_change)
    assert "The acquisition could not be read: Manifest.db: garbage" in text
    assert "absence proves nothing" in text and "Nothing found" not in text


def test_a_failed_artifact_is_never_a_clean_verdict(demo_results: Path, tmp_path: Path) -> None:
    """Even when run.json's exit code claims a clean run, a failed or missing artifact in its
    coverage keeps the verdict from being green."""
    shutil.copytree(demo_results, tmp_path / "src")
    (tmp_path / "src" / "detections.jsonl").write_text("")
    text = edited(
        tmp_path / "src",
        tmp_path,
        {"exit_code": 0, "artifacts": {"ios.sms": "missing", "ios.tcc": "error"}},
    )
    assert "No detections in what could be read, but the check is incomplete" in text
    assert "2 artifacts could not be checked" in text
    assert "Nothing found" not in text
