"""``tracehound cases list|show|rm`` on stores filled by real checks of demo acquisitions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.store import case_id

from .conftest import cases, check, detection_ids

LIST_KEYS = ["id", "label", "acquisition", "sha256", "kind", "verdict", "detections"]


@pytest.fixture(scope="module")
def store(acqs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the infected backup (label Alice) and the clean androidqf, read-only to
    the tests that use it."""
    root = tmp_path_factory.mktemp("cases") / "store"
    assert check(str(acqs["infected"]), "--store", str(root), "--label", "Alice").exit_code == 1
    assert check(str(acqs["clean"]), "--store", str(root), "--label", "Bob").exit_code == 0
    return root


def _ids(acqs: dict[str, Path]) -> tuple[str, str]:
    return case_id(acquisition_sha256(acqs["infected"])), case_id(acquisition_sha256(acqs["clean"]))


def _counts(results: Path) -> dict[str, Any]:
    lines = (results / "detections.jsonl").read_text("utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    severities = ("critical", "high", "medium", "low", "info")
    return {
        "indicator": sum(1 for d in items if d["type"] == "indicator"),
        "heuristic": sum(1 for d in items if d["type"] == "heuristic"),
        "by_severity": {s: sum(1 for d in items if d["severity"] == s) for s in severities},
    }


def test_list_json_schema(store: Path, acqs: dict[str, Path]) -> None:
    result = cases("--store", str(store), "list", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    infected, clean = _ids(acqs)
    assert [r["id"] for r in rows] == [infected, clean]  # oldest first
    for row in rows:
        assert list(row)[: len(LIST_KEYS)] == LIST_KEYS
        assert list(row["detections"]) == ["indicator", "heuristic", "by_severity"]
    alice = rows[0]
    assert (alice["label"], alice["acquisition"], alice["kind"], alice["verdict"]) == (
        "Alice",
        str(acqs["infected"]),
        "ios_backup",
        "detected",
    )
    assert alice["sha256"] == acquisition_sha256(acqs["infected"])
    results = store / "cases" / infected / "results"
    assert alice["detections"] == _counts(results)
    assert alice["detections"]["indicator"] > 0 and alice["detections"]["heuristic"] > 0
    total = alice["detections"]["indicator"] + alice["detections"]["heuristic"]
    assert total == len(detection_ids(results))
    assert rows[1]["verdict"] == "clean" and rows[1]["detections"]["indicator"] == 0
    assert alice["last_checked"] and alice["last_hunted"] == ""


def test_list_table(store: Path, acqs: dict[str, Path]) -> None:
    result = cases("list", "--store", str(store))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = "id\tlabel\tkind\tverdict\tindicator\theuristic\tlast checked\tlast hunted"
    assert lines[1] == header
    infected, _ = _ids(acqs)
    row = lines[2].split("\t")
    counts = _counts(store / "cases" / infected / "results")
    assert row[:6] == [
        infected,
        "Alice",
        "ios_backup",
        "detected",
        str(counts["indicator"]),
        str(counts["heuristic"]),
    ]
    assert row[7] == "-"


def test_show_by_id_prefix_and_label(store: Path, acqs: dict[str, Path]) -> None:
    infected, _ = _ids(acqs)
    refs = (infected, infected[:6], "Alice")
    outputs = [cases("--store", str(store), "show", ref) for ref in refs]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    text = outputs[0].stdout
    assert f"Case {infected}" in text and "Label Alice" in text
    assert f"SHA-256 {acquisition_sha256(acqs['infected'])}" in text
    report = store / "cases" / infected / "results" / "report.html"
    assert f"Report {report}" in text
    assert "\tcheck\t" in text  # the history: one check
    data = json.loads(cases("--store", str(store), "show", "Alice", "--json").stdout)
    assert data["id"] == infected and data["report"] == str(report)
    assert data["detections"] == _counts(store / "cases" / infected / "results")
    assert len(data["checks"]) == 1 and data["checks"][0]["verdict"] == "detected"


def test_unknown_case_and_missing_store(store: Path, tmp_path: Path) -> None:
    for args, words in (
        (["--store", str(store), "show", "nobody"], "nobody: no such case"),
        (["--store", str(store), "rm", "--yes", "ffff"], "ffff: no such case"),
        (["--store", str(tmp_path / "none"), "list"], "no case store here"),
        (["show", "x", "--store", str(tmp_path / "none")], "no case store here"),
        (["--store", str(store / "store.json"), "list"], "no case store here"),
    ):
        result = cases(*args)
        assert result.exit_code == 4, result.output
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert not (tmp_path / "none").exists()


def test_damaged_case_file(store: Path, tmp_path: Path, acqs: dict[str, Path]) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    infected, clean = _ids(acqs)
    (copy / "cases" / infected / "case.json").write_text('{"id": "trunc')
    result = cases("--store", str(copy), "show", infected)
    assert result.exit_code == 4
    assert "case.json: damaged case file" in result.stderr and "Traceback" not in result.output
    # The list names the damaged case (exit 4) and still lists the others.
    result = cases("--store", str(copy), "list", "--json")
    assert result.exit_code == 4
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [clean]
    assert "damaged case file" in result.stderr and "1 case(s) not listed" in result.stderr
    # A case.json of the wrong shape is damaged too.
    data = json.loads((copy / "cases" / clean / "case.json").read_text())
    (copy / "cases" / clean / "case.json").write_text(json.dumps({**data, "checks": "x"}))
    result = cases("--store", str(copy), "show", clean)
    assert result.exit_code == 4 and "checks is not a list" in result.stderr
    # One damaged entry of a history is shown as such; the case is still listed and shown.
    junk = {**data, "checks": [*data["checks"], "junk"], "hunts": [{"at": 5, "new": "many"}]}
    (copy / "cases" / clean / "case.json").write_text(json.dumps(junk))
    result = cases("--store", str(copy), "show", clean)
    assert result.exit_code == 0, result.output
    assert "check (damaged entry: junk)" in result.stdout
    (copy / "cases" / clean / "case.json").write_text(json.dumps(data))
    # Damaged detections are named too.
    (copy / "cases" / clean / "results" / "detections.jsonl").write_text("{not json\n")
    result = cases("--store", str(copy), "show", clean)
    assert result.exit_code == 4 and "damaged detections file (line 1)" in result.stderr


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if not p.is_dir()]


def test_rm_removes_every_file(store: Path, tmp_path: Path, acqs: dict[str, Path]) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    infected, clean = _ids(acqs)
    folder = copy / "cases" / infected
    count = len(_files(folder))
    assert count > 5
    # Declined, or no answer: nothing removed, exit 4.
    for answer in ("n\n", ""):
        result = cases("--store", str(copy), "rm", "Alice", stdin=answer)
        assert result.exit_code == 4 and "not removed" in result.stderr
        assert len(_files(folder)) == count
    result = cases("--store", str(copy), "rm", "Alice", stdin="y\n")
    assert result.exit_code == 0, result.output
    assert f"Removed case {infected} (Alice) and its {count} files" in result.stdout
    assert not folder.exists()
    assert list((copy / ".staging").iterdir()) == []
    assert [p.name for p in (copy / "cases").iterdir()] == [clean]
    result = cases("--store", str(copy), "rm", "--yes", clean)
    assert result.exit_code == 0
    assert list((copy / "cases").iterdir()) == [] and list((copy / ".staging").iterdir()) == []
    assert sorted(p.name for p in _files(copy)) == [".lock", "index.html", "store.json"]
    empty = cases("--store", str(copy), "list")
    assert empty.exit_code == 0 and "No cases in" in empty.stderr


def test_cases_is_a_group_for_more_sub_commands() -> None:
    import click

    from tracehound.commands.cases import COMMAND

    assert isinstance(COMMAND, click.Group)
    assert set(COMMAND.commands) >= {"list", "show", "rm"}
