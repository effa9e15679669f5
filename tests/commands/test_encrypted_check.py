"""``tracehound check`` on an encrypted demo backup, as an analyst runs it."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracehound import pipeline
from tracehound.cli import main
from tracehound.demo import generate
from tracehound.demo.ios.manifest import file_id

PASSWORD = "correct horse battery staple"
SMS_ID = file_id("HomeDomain", "Library/SMS/sms.db")


def tree_state(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``, files with their SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(root.rglob("*"))
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def comparable(detections: list[dict[str, Any]]) -> set[str]:
    """Detections without the Manifest.db hash (the encrypted one's blobs carry file keys)."""
    out = set()
    for det in detections:
        det = json.loads(json.dumps(det))
        if det.get("evidence", {}).get("path") == "backup:Manifest.db":
            det["evidence"].pop("sha256")
        out.add(json.dumps(det, sort_keys=True))
    return out


def sms_status(out: Path) -> str:
    """How sms.db fared in a finished run (it is encrypted in the backup)."""
    return str(json.loads((out / "run.json").read_text())["artifacts"]["ios.sms"]["status"])


def check(target: Path, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["check", str(target), "--output", str(out), *extra])


@pytest.fixture(autouse=True)
def no_derived_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML/STIX outputs read only the results folder; they are not what is tested here."""
    monkeypatch.setattr(pipeline, "write_derived", lambda output: [])


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "private-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(
        tmp_path_factory.mktemp("encrypted") / "backup", password=PASSWORD
    )


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[Any], dict[str, str]]:
    """Exit code, detections and artifact statuses of the same demo, unencrypted."""
    backup = generate.write_demo_backup(tmp_path_factory.mktemp("plain") / "backup")
    out = tmp_path_factory.mktemp("plain-out") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "write_derived", lambda output: [])
        result = check(backup, out)
    arts = json.loads((out / "run.json").read_text())["artifacts"]
    statuses = {name: info["status"] for name, info in arts.items()}
    return result.exit_code, read_jsonl(out / "detections.jsonl"), statuses


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\n")
    return path


def test_same_detections_as_the_unencrypted_demo(
    encrypted: Path,
    plain_run: tuple[int, list[Any], dict[str, str]],
    password_file: Path,
    tmp_path: Path,
    private_tmp: Path,
) -> None:
    plain_code, plain_detections, plain_statuses = plain_run
    before = tree_state(encrypted)
    out = tmp_path / "out"
    result = check(encrypted, out, "--password-file", str(password_file))
    assert result.exit_code == plain_code, result.output
    detections = read_jsonl(out / "detections.jsonl")
    assert len(detections) == len(plain_detections) >= 10
    assert comparable(detections) == comparable(plain_detections)
    run = json.loads((out / "run.json").read_text())
    assert run["acquisition"]["encrypted"] is True
    assert run["evidence_check"]["unchanged"] is True
    assert {n: i["status"] for n, i in run["artifacts"].items()} == plain_statuses
    assert plain_statuses["ios.sms"] == plain_statuses["ios.manifest"] == "ran"
    sms = next(i for i in run["inputs"] if i["device_path"].endswith("/SMS/sms.db"))
    assert sms["location"] == f"{SMS_ID[:2]}/{SMS_ID}"
    assert sms["origin"] == str(encrypted / SMS_ID[:2] / SMS_ID)
    assert sms["origin_sha256"] == hashlib.sha256(Path(sms["origin"]).read_bytes()).hexdigest()
    assert PASSWORD not in json.dumps(run)
    # No plaintext left behind, nothing new in the evidence.
    assert list(private_tmp.iterdir()) == []
    assert tree_state(encrypted) == before


def test_password_from_the_environment(
    encrypted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEHOUND_BACKUP_PASSWORD", PASSWORD)
    check(encrypted, tmp_path / "out", "-q")
    assert sms_status(tmp_path / "out") == "ran"


def test_key_file_from_extract_key(encrypted: Path, password_file: Path, tmp_path: Path) -> None:
    printed = CliRunner().invoke(
        main, ["extract-key", str(encrypted), "--password-file", str(password_file)]
    )
    assert printed.exit_code == 0, printed.output
    key_file = tmp_path / "key.txt"
    key_file.write_text(printed.stdout)
    result = check(encrypted, tmp_path / "out", "-q", "--key-file", str(key_file))
    assert sms_status(tmp_path / "out") == "ran", result.output


def test_wrong_or_missing_password_is_one_clear_message(
    encrypted: Path, tmp_path: Path, private_tmp: Path
) -> None:
    result = check(encrypted, tmp_path / "out", "--password", "not it")
    assert result.exit_code == 4
    assert "wrong password or key" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    result = check(encrypted, tmp_path / "out2")
    assert result.exit_code == 4 and "needs its password" in result.output
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_temp_folder_removed_after_interrupt_or_crash(
    encrypted: Path,
    password_file: Path,
    tmp_path: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[BaseException],
) -> None:
    monkeypatch.setenv("TRACEHOUND_JOBS", "1")  # ``seen`` is filled in this process
    real = pipeline.run_unit
    seen: list[str] = []

    def run_then_fail(run: Any, states: list[Any], paths: dict[str, list[str]]) -> None:
        real(run, states, paths)
        seen.extend(state.artifact.name for state in states)
        if "ios.sms" in seen:  # after some files were decrypted
            assert any(private_tmp.rglob(SMS_ID))
            raise failure()

    monkeypatch.setattr(pipeline, "run_unit", run_then_fail)
    result = check(encrypted, tmp_path / "out", "--password-file", str(password_file))
    # Nothing is published either way: 130 for an interrupt, 4 for a run that could not finish.
    assert result.exit_code == (130 if failure is KeyboardInterrupt else 4)
    assert "interrupted" in result.output or "internal error" in result.output
    assert not (tmp_path / "out").exists()
    assert "ios.sms" in seen
    assert list(private_tmp.iterdir()) == []


def test_damaged_file_fails_alone(password_file: Path, tmp_path: Path) -> None:
    backup = generate.write_demo_backup(tmp_path / "backup", password=PASSWORD)
    stored = backup / SMS_ID[:2] / SMS_ID
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0x33  # the last block no longer decrypts to valid padding
    stored.write_bytes(bytes(data))
    out = tmp_path / "out"
    result = check(backup, out, "--password-file", str(password_file))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    run = json.loads((out / "run.json").read_text())
    failed = {n: info for n, info in run["artifacts"].items() if info["status"] == "error"}
    assert "ios.sms" in failed
    for info in failed.values():  # only the artifacts that read sms.db
        (error,) = info["files"]
        assert error["path"] == "/private/var/mobile/Library/SMS/sms.db"
        assert "cannot decrypt" in error["error"] and "bad padding" in error["error"]
    assert run["artifacts"]["ios.safari_history"]["records"] > 1000
    assert run["artifacts"]["ios.manifest"]["status"] == "ran"
