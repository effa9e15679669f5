"""A damaged iOS backup never reads as "nothing there" (issue 11).

Each test damages a copy of the clean demo backup (``tracehound demo``'s writer) the way real
backups break (a cut copy, garbage, a dropped table, a lost file, a bad metadata plist) and checks
the exact status of every artifact, that the rest still ran, that the run is incomplete, and what
the report's verdict says.
"""

from __future__ import annotations

import json
import plistlib
import re
import shutil
import sqlite3
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.errors import EXIT_INCOMPLETE
from tracehound.demo import generate
from tracehound.demo.ios.manifest import file_id
from tracehound.pipeline import CheckOptions, run_check

SMS_DB = "/private/var/mobile/Library/SMS/sms.db"
#: Artifacts that read Info.plist (not through Manifest.db).
INFO_PLIST_READERS = {"ios.applications", "ios.backup_info", "ios.system_version"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("clean") / "backup", infected=False)


@pytest.fixture(scope="module")
def baseline(clean: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Artifact statuses of the undamaged backup."""
    result = run_check(CheckOptions(target=clean, output=tmp_path_factory.mktemp("b") / "out"))
    assert result.exit_code == 0
    statuses = {name: a["status"] for name, a in result.run["artifacts"].items()}
    assert set(statuses.values()) == {"ran", "not_present"}
    return statuses


def damaged_copy(clean: Path, tmp_path: Path) -> Path:
    backup = tmp_path / "backup"
    shutil.copytree(clean, backup)
    return backup


def check(backup: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """run.json and the report's text (tags removed) of a check of ``backup``."""
    result = run_check(CheckOptions(target=backup, output=tmp_path / "out"))
    assert result.exit_code == EXIT_INCOMPLETE
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    assert run["exit_code"] == EXIT_INCOMPLETE
    assert "INCOMPLETE RUN" in text
    assert "Nothing found" not in text and "verdict verdict-clean" not in html
    return run, text


def statuses(run: dict[str, Any]) -> dict[str, str]:
    return {name: a["status"] for name, a in run["artifacts"].items()}


def assert_index_damage(run: dict[str, Any], text: str, cause: str, manifest_status: str) -> None:
    """Only the Info.plist readers ran; ios.manifest reads Manifest.db itself; every other
    artifact is error naming the damaged index, none "not present"."""
    damage = run["acquisition"]["index_damage"]
    assert damage.startswith(cause)
    expected = dict.fromkeys(run["artifacts"], "error")
    expected |= dict.fromkeys(INFO_PLIST_READERS, "ran")
    expected["ios.manifest"] = manifest_status
    assert statuses(run) == expected
    for name, art in run["artifacts"].items():
        if name in INFO_PLIST_READERS or name == "ios.manifest":
            continue
        assert art["files"], name
        for entry in art["files"]:
            assert entry["status"] == "error"
            assert f"the acquisition's index is damaged ({damage})" in entry["error"]
    assert run["coverage"]["by_status"]["error"] >= 35
    assert damage in run["acquisition"]["errors"]
    assert f"The acquisition could not be read: {damage}" in text
    assert "absence proves nothing" in text


def test_truncated_manifest_db(clean: Path, tmp_path: Path) -> None:
    backup = damaged_copy(clean, tmp_path)
    data = (backup / "Manifest.db").read_bytes()
    (backup / "Manifest.db").write_bytes(data[: len(data) // 2])
    run, text = check(backup, tmp_path)
    assert_index_damage(run, text, "Manifest.db: truncated: its header says", "error")
    assert f"the file has {len(data) // 2:,}" in run["acquisition"]["index_damage"]


def test_garbage_manifest_db(clean: Path, tmp_path: Path) -> None:
    backup = damaged_copy(clean, tmp_path)
    (backup / "Manifest.db").write_bytes(b"\x8f\x12 not a database \x00" * 500)
    run, text = check(backup, tmp_path)
    assert_index_damage(run, text, "Manifest.db: not a SQLite database", "error")
    assert run["artifacts"]["ios.manifest"]["files"][0]["path"] == "backup:Manifest.db"
    # The damaged index is still hashed as evidence.
    assert "backup:Manifest.db" in {i["device_path"] for i in run["inputs"]}


def test_manifest_db_without_files_table(clean: Path, tmp_path: Path) -> None:
    backup = damaged_copy(clean, tmp_path)
    with sqlite3.connect(backup / "Manifest.db") as conn:  # the test's own copy
        conn.execute("DROP TABLE Files")
    run, text = check(backup, tmp_path)
    assert_index_damage(
        run,
        text,
        "Manifest.db: cannot list the backup's files: no such table: Files",
        "schema_mismatch",
    )
    assert run["artifacts"]["ios.manifest"]["files"][0]["error"] == "missing table Files"


def test_listed_file_missing_from_the_backup(
    clean: Path, baseline: dict[str, str], tmp_path: Path
) -> None:
    backup = damaged_copy(clean, tmp_path)
    sms = file_id("HomeDomain", "Library/SMS/sms.db")
    (backup / sms[:2] / sms).unlink()
    run, text = check(backup, tmp_path)
    readers = {"ios.sms", "ios.sms_attachments"}
    assert statuses(run) == baseline | dict.fromkeys(readers, "missing")
    assert run["acquisition"]["index_damage"] is None
    for name in readers:
        art = run["artifacts"][name]
        assert art["missing"] == 1
        assert art["files"][0]["status"] == "missing"
        assert f"{sms[:2]}/{sms} is missing from the backup" in art["files"][0]["error"]
    assert run["coverage"]["missing_files"] == 2
    assert {(m["artifact"], m["path"]) for m in run["coverage"]["missing"]} == {
        (name, SMS_DB) for name in readers
    }
    assert run["coverage"]["by_status"]["missing"] == 2
    assert "No detections in what could be read, but the check is incomplete" in text
    assert "Files listed but missing (2)" in text
    assert f"{SMS_DB} (needed by ios.sms)" in text
    assert "ios.sms: missing" in text  # among the reasons of the INCOMPLETE banner


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"bplist00\xff\xff garbage", "damaged property list"),
        (None, "damaged property list"),  # truncated: the first half of the real file
        (plistlib.dumps(["a", "list"]), "expected a dictionary, found list"),
    ],
    ids=["garbage", "truncated", "wrong-type"],
)
def test_damaged_info_plist(
    clean: Path,
    baseline: dict[str, str],
    tmp_path: Path,
    content: bytes | None,
    problem: str,
) -> None:
    backup = damaged_copy(clean, tmp_path)
    original = (backup / "Info.plist").read_bytes()
    (backup / "Info.plist").write_bytes(content or original[: len(original) // 2])
    run, text = check(backup, tmp_path)
    assert statuses(run) == baseline | dict.fromkeys(INFO_PLIST_READERS, "error")
    for name in INFO_PLIST_READERS:
        entry = run["artifacts"][name]["files"][0]
        assert entry["path"] == "backup:Info.plist" and entry["status"] == "error"
        assert entry["error"].startswith(f"cannot read: Info.plist: {problem}")
    acq = run["acquisition"]
    assert acq["index_damage"] is None and acq["damaged_metadata"] == ["Info.plist"]
    assert acq["errors"][0].startswith(f"Info.plist: {problem}")
    # Facts fall back to Manifest.plist's Lockdown; Info.plist is still hashed as evidence.
    assert acq["os_version"] == "14.6"
    assert "backup:Info.plist" in {i["device_path"] for i in run["inputs"]}
    assert "No detections in what could be read, but the check is incomplete" in text
    assert "ios.backup_info: failed backup:Info.plist: cannot read: Info.plist" in text


@pytest.mark.parametrize(
    "content", [b"\x00\x01garbage", plistlib.dumps(42)], ids=["garbage", "wrong-type"]
)
def test_damaged_status_plist(
    clean: Path, baseline: dict[str, str], tmp_path: Path, content: bytes
) -> None:
    """No artifact reads Status.plist: every artifact runs as before, its facts are unknown
    and the run is incomplete."""
    backup = damaged_copy(clean, tmp_path)
    (backup / "Status.plist").write_bytes(content)
    run, text = check(backup, tmp_path)
    assert statuses(run) == baseline
    acq = run["acquisition"]
    assert acq["damaged_metadata"] == ["Status.plist"] and acq["full_backup"] is None
    assert acq["backup_version"] == "10.0"  # from Manifest.plist
    assert len(acq["errors"]) == 1 and acq["errors"][0].startswith("Status.plist: ")
    assert "the facts it holds are unknown" in acq["errors"][0]
    assert "No detections in what could be read, but the check is incomplete" in text
    assert "acquisition: Status.plist: " in text


def test_missing_status_plist_keeps_todays_behaviour(
    clean: Path, baseline: dict[str, str], tmp_path: Path
) -> None:
    backup = damaged_copy(clean, tmp_path)
    (backup / "Status.plist").unlink()
    result = run_check(CheckOptions(target=backup, output=tmp_path / "out"))
    assert result.exit_code == 0
    assert statuses(result.run) == baseline
    assert result.run["acquisition"]["errors"] == []
