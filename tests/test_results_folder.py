"""The results folder: private, published whole or not at all, no secret in it, refusals
checked before any evidence is read, and an exit code that never hides a detection."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracehound import pipeline
from tracehound.cli import main
from tracehound.demo import generate
from tracehound.demo.android_phone import BACKUP_PASSWORD

# A password that no demo content contains: any trace of it in an output is a leak.
SECRET = "Zq7-secret-Hunter2-Ω"


def check(target: Path, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["check", str(target), "--output", str(out), *extra])


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def infected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("infected") / "backup")


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(
        tmp_path_factory.mktemp("encrypted") / "backup", password=SECRET
    )


@pytest.mark.parametrize("form", ["--password", "--password="])
def test_password_reaches_no_output(encrypted: Path, tmp_path: Path, form: str) -> None:
    """The real command line (a process of its own, so sys.argv holds the password)."""
    out = tmp_path / "out"
    args = [form + SECRET] if form.endswith("=") else [form, SECRET]
    command = [sys.executable, "-m", "tracehound.cli", "check", str(encrypted), "-o", str(out)]
    done = subprocess.run([*command, *args], capture_output=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    for needle in (SECRET.encode(), b"Zq7-secret-Hunter2"):
        leaks = [name for name, data in all_bytes(out).items() if needle in data]
        assert leaks == [], f"password found in {leaks}"
        assert needle not in done.stdout + done.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["secrets"] == {"password": "--password"}
    assert "<redacted>" in " ".join(run["command"])
    assert "secrets given" in (out / "report.html").read_text()


def test_password_file_recorded_as_such(encrypted: Path, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = check(encrypted, out, "--password-file", str(secret_file), "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert json.loads((out / "run.json").read_text())["secrets"] == {"password": "--password-file"}
    assert not [n for n, d in all_bytes(out).items() if b"Zq7-secret" in d]


def test_android_backup_password_reaches_no_output(tmp_path: Path) -> None:
    ab = generate.write_demo(tmp_path / "phone", "ab")
    out = tmp_path / "out"
    result = check(ab, out, "--password", BACKUP_PASSWORD)
    assert result.exit_code & 1, result.output
    leaks = [n for n, d in all_bytes(out).items() if BACKUP_PASSWORD.encode() in d]
    assert leaks == []
    assert BACKUP_PASSWORD not in result.output + result.stderr


def test_results_are_owner_only_whatever_the_umask(infected: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        result = check(infected, out)
    finally:
        os.umask(old)
    assert result.exit_code == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    modes = {str(p.relative_to(out)): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    assert modes and all(
        mode == (0o700 if (out / name).is_dir() else 0o600) for name, mode in modes.items()
    ), modes


@pytest.mark.parametrize("moment", ["write_json", "write_derived", "_order_detections"])
@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_stopped_run_leaves_no_result_file(
    infected: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    moment: str,
    failure: type[BaseException],
) -> None:
    """Late or early, Ctrl-C or a crash: no file under the output's name, no staging left."""
    real = getattr(pipeline, moment)

    def stop(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise failure("stopped")

    monkeypatch.setattr(pipeline, moment, stop)
    parent = tmp_path / "cases"
    parent.mkdir()
    result = check(infected, parent / "out")
    assert result.exit_code == (130 if failure is KeyboardInterrupt else 4)
    assert "no results were published" in result.output
    assert list(parent.iterdir()) == []


def test_existing_empty_folder_is_used(infected: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    result = check(infected, out, "--quiet")
    assert result.exit_code == 1
    assert (out / "run.json").is_file() and stat.S_IMODE(out.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("x"), "exists and is not a folder"),
        (lambda p: (p.mkdir(), (p / "notes.txt").write_text("mine")), "exists and is not empty"),
    ],
)
def test_unusable_output_is_one_clear_line(
    infected: Path, tmp_path: Path, make: Any, message: str
) -> None:
    out = tmp_path / "out"
    make(out)
    before = all_bytes(tmp_path) if out.is_dir() else {"out": out.read_bytes()}
    result = check(infected, out)
    assert result.exit_code == 4
    assert result.output.strip().splitlines() == [
        f"error: {out}: {message}; choose a new output folder"
    ]
    after = all_bytes(tmp_path) if out.is_dir() else {"out": out.read_bytes()}
    assert after == before


def test_output_where_nothing_can_be_created(infected: Path) -> None:
    # /proc refuses new folders even to root, so this holds on any Linux machine.
    result = check(infected, Path("/proc/tracehound-results"))
    assert result.exit_code == 4
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: /proc/tracehound-results: cannot")
    assert "internal error" not in result.output


def test_output_name_not_utf8(infected: Path, tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/out-\xff"
    result = CliRunner().invoke(
        main, ["check", str(infected), "--output", os.fsdecode(raw)], catch_exceptions=False
    )
    assert result.exit_code == 4
    assert "not valid UTF-8" in result.output and "internal error" not in result.output
    assert not os.path.exists(raw)


@pytest.mark.parametrize("kind", ["ffs-tar", "androidqf-zip"])
def test_folder_holding_one_archive(tmp_path: Path, kind: str) -> None:
    written = generate.write_demo(tmp_path / "case", kind)
    assert written.parent == tmp_path / "case" and written.is_file()
    result = check(tmp_path / "case", tmp_path / "out", "--quiet")
    assert result.exit_code & 1, result.output
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert Path(run["acquisition"]["path"]).name == written.name


def test_artifact_counts_match_detections(infected: Path, tmp_path: Path) -> None:
    """Heuristic findings made at the end of a run (DataUsage's row gaps) are counted too."""
    out = tmp_path / "out"
    assert check(infected, out, "--quiet", "--jobs", "1").exit_code == 1
    run = json.loads((out / "run.json").read_text())
    lines = (out / "detections.jsonl").read_text().splitlines()
    written = Counter(json.loads(line)["artifact"] for line in lines)
    counted = {name: a["detections"] for name, a in run["artifacts"].items() if a["detections"]}
    assert counted == dict(written)
    assert written["ios.datausage"] == 6


def test_quiet_still_says_why_the_exit_code(infected: Path, tmp_path: Path) -> None:
    result = check(infected, tmp_path / "out", "--quiet")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("exit code 1: detected: 12 indicator matches or serious findings")
    )


def test_rebuilt_report_is_owner_only(infected: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert check(infected, out, "--quiet").exit_code == 1
    (out / "report.html").unlink()
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["report", str(out)])
        redacted = CliRunner().invoke(main, ["report", str(out), "--redact"])
    finally:
        os.umask(old)
    assert result.exit_code == 0 and redacted.exit_code == 0
    for name in ("report.html", "report-redacted.html", "sightings.stix2"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name


def test_acquisition_path_not_utf8(infected: Path, tmp_path: Path) -> None:
    odd = os.fsencode(tmp_path) + b"/backup-\xff"
    os.symlink(infected, odd)
    result = CliRunner().invoke(
        main, ["check", os.fsdecode(odd), "-o", str(tmp_path / "out")], catch_exceptions=False
    )
    assert result.exit_code == 4
    assert "the acquisition's path is not valid UTF-8" in result.output
    assert "internal error" not in result.output and not (tmp_path / "out").exists()


def test_lower_severity_findings_are_not_headlined_as_nothing(tmp_path: Path) -> None:
    """Exit 0 with a medium finding: the console says what to review, not 'Nothing detected'
    (seen on plaso's History.db, whose one cross-domain redirect is a medium finding)."""
    from tracehound.cli import _verdict
    from tracehound.pipeline import RunResult

    run = {"detections": {"total": 1, "malware": []}, "acquisition": {}}
    text = _verdict(RunResult(0, run, [], tmp_path))
    assert "Nothing detected" not in text
    assert "1 lower-severity finding needs review" in text
    clean = _verdict(RunResult(0, {"detections": {"total": 0, "malware": []}}, [], tmp_path))
    assert "Nothing detected" in clean
