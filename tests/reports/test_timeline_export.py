"""``tracehound export timeline`` rebuilds timeline.csv from the store (records/*.parquet and
detections.jsonl) with the check's columnar row builder and sort."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@pytest.mark.parametrize("kind", ["backup", "androidqf"])
def test_export_rebuilds_the_timeline(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    target = write_demo(tmp_path / "acq", kind)
    run_check(CheckOptions(target=target, output=out, timeline_csv=True))
    done = CliRunner().invoke(main, ["export", "timeline", str(out), "-o", str(tmp_path / "t.csv")])
    assert done.exit_code == 0, done.output
    checked, exported = _rows(out / "timeline.csv"), _rows(tmp_path / "t.csv")
    assert exported[0] == checked[0] and len(exported) == len(checked)

    # Record rows are the same, but for the detection column: the export marks a record with
    # every detection on it, the check only with those found while the record streamed.
    def records(rows: list[list[str]]) -> list[list[str]]:
        return sorted(r[:5] + r[6:] for r in rows[1:] if r[1] != "Detection")

    assert records(exported) == records(checked)

    def marked(rows: list[list[str]]) -> set[tuple[str, ...]]:
        return {(r[4], r[6], r[7]) for r in rows[1:] if r[1] != "Detection" and r[5]}

    assert marked(checked) <= marked(exported)
    detections = [r for r in exported if r[1] == "Detection"]
    assert len(detections) == len([r for r in checked if r[1] == "Detection"]) > 0
    assert (tmp_path / "t.csv").stat().st_mode & 0o777 == 0o600


def test_export_refuses_a_folder_without_a_store(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["export", "timeline", str(tmp_path)])
    assert done.exit_code == 4 and "no records/*.parquet" in done.output


def test_by_default_the_results_folder_is_the_store(tmp_path: Path) -> None:
    """No timeline.csv unless asked: the report's timeline windows come from records/, and
    ``export timeline`` writes the CSV a check with --timeline-csv writes."""
    acq = write_demo(tmp_path / "acq", "backup")
    plain, full = tmp_path / "plain", tmp_path / "full"
    run_check(CheckOptions(target=acq, output=plain))
    run_check(CheckOptions(target=acq, output=full, timeline_csv=True))
    assert not (plain / "timeline.csv").exists() and (full / "timeline.csv").is_file()
    page = (plain / "report.html").read_text(encoding="utf-8")
    assert "Activity over time" in page and "of a detection, from all" in page
    done = CliRunner().invoke(main, ["export", "timeline", str(plain)])
    assert done.exit_code == 0, done.output
    assert len(_rows(plain / "timeline.csv")) == len(_rows(full / "timeline.csv"))


def test_a_damaged_records_file_is_named_and_the_others_still_export(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_check(CheckOptions(target=write_demo(tmp_path / "acq", "backup"), output=out))
    damaged = out / "records" / "ios.sms.parquet"
    damaged.write_bytes(damaged.read_bytes()[:200])
    done = CliRunner().invoke(main, ["export", "records", str(out), "-o", str(tmp_path / "j")])
    assert done.exit_code == 2, done.output
    assert "not exported:" in done.output and "ios.sms.parquet" in done.output
    assert (tmp_path / "j" / "ios.calls.jsonl").stat().st_size > 0
    assert not (tmp_path / "j" / "ios.sms.jsonl").exists()
    done = CliRunner().invoke(main, ["export", "timeline", str(out), "-o", str(tmp_path / "t")])
    assert done.exit_code == 4 and "cannot write the timeline" in done.output
    assert "Traceback" not in done.output and not (tmp_path / "t").exists()
