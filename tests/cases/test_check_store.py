"""``tracehound check ACQ... --store STORE``: each acquisition a case, checked again in place."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.store import CaseStore, case_id

from .conftest import case_json, check, detection_ids

CASE_KEYS = ["id", "label", "acquisition", "sha256", "kind", "device", "created", "checks", "hunts"]
CHECK_KEYS = [
    "at",
    "started",
    "tool_version",
    "acquisition",
    "indicator_files",
    "exit_code",
    "verdict",
    "exit_reasons",
    "detections",
    "secrets",
]


def _cid(path: Path) -> str:
    return case_id(acquisition_sha256(path))


def _summary(stdout: str) -> list[list[str]]:
    """The summary's plain lines (stdout is no terminal), header first."""
    lines = [ln.split("\t") for ln in stdout.splitlines() if "\t" in ln]
    assert lines[0] == ["acquisition", "case", "label", "verdict", "detections", "reason"]
    return lines[1:]


def test_two_acquisitions_become_two_cases(
    tmp_path: Path, acqs: dict[str, Path], reference: dict[str, Any]
) -> None:
    store = tmp_path / "store"
    result = check(str(acqs["infected"]), str(acqs["clean"]), "--store", str(store), "-j", "2")
    assert result.exit_code == 1, result.output  # 1 | 0
    infected, clean = _cid(acqs["infected"]), _cid(acqs["clean"])
    rows = _summary(result.stdout)
    n_infected = str(len(reference["infected"][1]))
    assert rows[0] == [str(acqs["infected"]), infected, "infected", "detected", n_infected, ""]
    assert rows[1][:4] == [str(acqs["clean"]), clean, acqs["clean"].name, "clean"]
    assert "exit code 1: 2 acquisitions: 1 detected, 1 clean" in result.stderr
    assert sorted(CaseStore(store).ids()) == sorted([infected, clean])
    data = case_json(store, infected)
    assert list(data) == CASE_KEYS
    assert data["sha256"] == acquisition_sha256(acqs["infected"])
    assert (data["label"], data["acquisition"], data["kind"]) == (
        "infected",
        str(acqs["infected"]),
        "ios_backup",
    )
    assert data["device"]["product_type"] == "iPhone12,1" and "path" not in data["device"]
    assert [list(c) for c in data["checks"]] == [CHECK_KEYS]
    entry = data["checks"][0]
    assert (entry["exit_code"], entry["verdict"], entry["secrets"]) == (1, "detected", {})
    assert entry["indicator_files"][0]["path"].startswith("bundled:")
    assert len(entry["indicator_files"][0]["sha256"]) == 64
    assert data["created"] == entry["at"] and data["hunts"] == []
    # The results are an ordinary results folder, with the detections a plain check finds.
    results = store / "cases" / infected / "results"
    assert {"run.json", "report.html", "detections.jsonl", "records"} <= {
        p.name for p in results.iterdir()
    }
    assert detection_ids(results) == reference["infected"][1]
    assert detection_ids(store / "cases" / clean / "results") == reference["clean"][1]
    assert list((store / ".staging").iterdir()) == []


def test_checking_again_updates_the_case(tmp_path: Path, acqs: dict[str, Path]) -> None:
    store = tmp_path / "store"
    cid = _cid(acqs["infected"])
    assert check(str(acqs["infected"]), "--store", str(store), "--label", "Alice").exit_code == 1
    before = (store / "cases" / cid / "results" / "run.json").stat().st_ino
    # Again without --label: the label stays; the results are replaced; one more check entry.
    result = check(str(acqs["infected"]), "--store", str(store), "-q")
    assert result.exit_code == 1, result.output
    assert _summary(result.stdout)[0][1:4] == [cid, "Alice", "detected"]
    data = case_json(store, cid)
    assert data["label"] == "Alice" and len(data["checks"]) == 2
    assert data["created"] == data["checks"][0]["at"] < data["checks"][1]["at"]
    assert (store / "cases" / cid / "results" / "run.json").stat().st_ino != before
    assert CaseStore(store).ids() == [cid]
    # A copy of the acquisition elsewhere is the same case: its SHA-256 names it.
    copy = tmp_path / "copy"
    shutil.copytree(acqs["infected"], copy, symlinks=True)
    result = check(str(copy), "--store", str(store), "--label", "Alice (copy)", "-q")
    assert result.exit_code == 1
    data = case_json(store, cid)
    assert CaseStore(store).ids() == [cid]
    assert (data["label"], data["acquisition"], len(data["checks"])) == (
        "Alice (copy)",
        str(copy),
        3,
    )


def test_label_is_given_to_every_acquisition(tmp_path: Path, acqs: dict[str, Path]) -> None:
    store = tmp_path / "store"
    result = check(
        str(acqs["infected"]), str(acqs["clean"]), "--store", str(store), "--label", "lab-7", "-q"
    )
    assert result.exit_code == 1
    assert [c.label for c in CaseStore(store).cases()] == ["lab-7", "lab-7"]


def test_a_failure_does_not_stop_the_others(tmp_path: Path, acqs: dict[str, Path]) -> None:
    store = tmp_path / "store"
    not_acq = tmp_path / "notes.txt"
    not_acq.write_text("not a phone\n")
    missing = tmp_path / "missing"
    result = check(
        str(missing), str(not_acq), str(acqs["infected"]), "--store", str(store), "-q", "-j", "2"
    )
    assert result.exit_code == 5, result.output  # 4 | 1
    rows = _summary(result.stdout)
    reason = f"{missing}: no such acquisition"
    assert rows[0] == [str(missing), "-", "missing", "failed", "0", reason]
    assert rows[1][:5] == [str(not_acq), _cid(not_acq), "notes.txt", "failed", "0"]
    assert str(not_acq) in rows[1][5] and "\n" not in rows[1][5]
    assert rows[2][1:4] == [_cid(acqs["infected"]), "infected", "detected"]
    # The one that could be hashed but not checked has no case: nothing was committed.
    assert CaseStore(store).ids() == [_cid(acqs["infected"])]
    assert list((store / ".staging").iterdir()) == []
    assert "1 detected, 2 failed" in result.stderr
    assert "Traceback" not in result.output


def test_password_applies_to_every_acquisition_and_is_never_written(
    tmp_path: Path, acqs: dict[str, Path]
) -> None:
    store = tmp_path / "store"
    password = tmp_path / "pw"
    password.write_text("tracehound-demo\n")
    result = check(
        str(acqs["encrypted"]),
        str(acqs["clean"]),
        "--store",
        str(store),
        "--password-file",
        str(password),
        "-q",
    )
    assert result.exit_code == 0, result.output
    data = case_json(store, _cid(acqs["encrypted"]))
    assert data["kind"] == "ios_backup" and data["device"]["encrypted"] is True
    assert data["checks"][0]["secrets"] == {"password": "--password-file"}
    # No file of the store holds the password, in any form.
    for path in store.rglob("*"):
        if path.is_file():
            assert b"tracehound-demo" not in path.read_bytes(), path
    # A wrong password: that acquisition fails with its reason; the other is checked.
    password.write_text("wrong\n")
    other = tmp_path / "store2"
    result = check(
        str(acqs["encrypted"]),
        str(acqs["clean"]),
        "--store",
        str(other),
        "--password-file",
        str(password),
        "-q",
    )
    assert result.exit_code == 4
    rows = _summary(result.stdout)
    assert rows[0][3] == "failed" and "password" in rows[0][5]
    assert CaseStore(other).ids() == [_cid(acqs["clean"])]


def test_command_line_password_is_redacted(
    tmp_path: Path, acqs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    args = [str(acqs["encrypted"]), "--store", str(store), "--password", "tracehound-demo"]
    monkeypatch.setattr(sys, "argv", ["tracehound", "check", *args])
    result = check(*args)
    assert result.exit_code == 0, result.output
    run = json.loads(
        (store / "cases" / _cid(acqs["encrypted"]) / "results" / "run.json").read_text()
    )
    assert "<redacted>" in run["command"]
    for path in store.rglob("*"):
        if path.is_file():
            assert b"tracehound-demo" not in path.read_bytes(), path


def test_store_from_the_environment(tmp_path: Path, acqs: dict[str, Path]) -> None:
    store = tmp_path / "env-store"
    result = check(str(acqs["clean"]), "-q", env={"TRACEHOUND_STORE": str(store)})
    assert result.exit_code == 0, result.output
    assert CaseStore(store).ids() == [_cid(acqs["clean"])]


def test_output_excludes_several_acquisitions_and_the_store_options(
    tmp_path: Path, acqs: dict[str, Path]
) -> None:
    out = str(tmp_path / "out")
    for args, words in (
        ([str(acqs["clean"]), str(acqs["infected"]), "-o", out], "--output takes one acquisition"),
        ([str(acqs["clean"]), "-o", out, "--store", str(tmp_path / "s")], "--store"),
        ([str(acqs["clean"]), "-o", out, "--label", "x"], "--label"),
        ([str(acqs["clean"]), "-o", out, "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
    ):
        result = check(*args)
        assert result.exit_code == 4
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "s").exists()


def test_output_alone_keeps_todays_results_folder(tmp_path: Path, acqs: dict[str, Path]) -> None:
    result = check(str(acqs["clean"]), "-o", str(tmp_path / "out"), env={"TRACEHOUND_STORE": ""})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "run.json").is_file()
    assert "Results in" in result.stdout


def test_a_file_is_no_store(tmp_path: Path, acqs: dict[str, Path]) -> None:
    (tmp_path / "file").write_text("x")
    result = check(str(acqs["clean"]), "--store", str(tmp_path / "file"))
    assert result.exit_code == 4, result.output
    assert result.stderr.startswith(f"error: {tmp_path / 'file'}: cannot be used")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path, acqs: dict[str, Path]) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    result = check(str(acqs["clean"]), "--store", str(tmp_path / "photos"))
    assert result.exit_code == 4
    assert "is not a case store" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in (tmp_path / "photos").iterdir()) == ["a.jpg"]


def test_an_acquisition_given_twice_is_refused(tmp_path: Path, acqs: dict[str, Path]) -> None:
    again = str(acqs["clean"]) + "/"
    result = check(str(acqs["clean"]), str(acqs["infected"]), again, "--store", str(tmp_path / "s"))
    assert result.exit_code == 4
    assert result.stderr.strip() == f"error: {acqs['clean']}: given twice; nothing was checked"
    assert not (tmp_path / "s").exists()


def test_check_and_rm_refresh_the_store_views(tmp_path: Path, acqs: dict[str, Path]) -> None:
    """The views across cases (prevalence.json, the reports' "seen in N of M cases",
    index.html) follow the store after a check and after a removal."""
    from .conftest import cases

    store = tmp_path / "store"
    result = check(str(acqs["infected"]), str(acqs["clean"]), "--store", str(store), "-q")
    assert result.exit_code == 1, result.output
    infected, clean = _cid(acqs["infected"]), _cid(acqs["clean"])
    counts = json.loads((store / "cases" / infected / "results" / "prevalence.json").read_text())
    assert counts["store_cases"] == 2
    index = (store / "index.html").read_text("utf-8")
    assert infected in index and clean in index
    assert "of 2 cases" in (store / "cases" / infected / "results" / "report.html").read_text()
    assert cases("--store", str(store), "rm", "--yes", clean).exit_code == 0
    counts = json.loads((store / "cases" / infected / "results" / "prevalence.json").read_text())
    assert counts["store_cases"] == 1
    assert clean not in (store / "index.html").read_text("utf-8")
