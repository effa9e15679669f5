"""Rows that live only in a database's -wal: read, and tied to the -wal's SHA-256 (issue 11).

An iTunes/Finder backup stores ``sms.db-wal`` and ``sms.db-shm`` as files of their own (own
fileID and Files row). The demo backup's sms.db gets one committed, not checkpointed message
holding a Pegasus link; the check must apply the -wal (on a private copy), hash the -wal and -shm
as inputs tied to sms.db, put the -wal's SHA-256 in the detection's evidence, and leave the
backup untouched.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.timeutil import to_cocoa
from tracehound.demo import generate
from tracehound.demo.backup import store_uncheckpointed
from tracehound.pipeline import CheckOptions, run_check

SMS_DB = "/private/var/mobile/Library/SMS/sms.db"
WAL_ROW = 90001
WHEN = datetime(2021, 7, 14, 6, 30, tzinfo=UTC)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = generate.write_demo_backup(tmp_path_factory.mktemp("wal") / "backup", infected=False)
    insert = (
        "INSERT INTO message (ROWID, guid, text, handle_id, date, service, is_from_me) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    text = f"Your parcel is held at customs, pay the fee: {generate.SMS_LINK}"
    date = int(to_cocoa(WHEN) * 1e9)
    stored = store_uncheckpointed(
        root,
        "HomeDomain",
        "Library/SMS/sms.db",
        [(insert, (WAL_ROW, "WAL-ROW-1", text, 1, date, "SMS", 0))],
    )
    return root, stored


def test_the_row_is_only_in_the_wal(backup: tuple[Path, dict[str, Path]]) -> None:
    """The fixture is what it claims: without its -wal, sms.db does not hold the row."""
    _, stored = backup
    assert stored["-wal"].stat().st_size > 0
    uri = f"file:{stored['']}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute("SELECT count(*) FROM message WHERE ROWID = ?", (WAL_ROW,)).fetchone()
    assert rows == (0,)


@pytest.fixture(scope="module")
def checked(
    backup: tuple[Path, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, dict[str, str]]:
    root, _ = backup
    before = tree_state(root)
    result = run_check(CheckOptions(target=root, output=tmp_path_factory.mktemp("o") / "out"))
    return result, before


def test_detection_from_the_wal_carries_its_sha256(
    backup: tuple[Path, dict[str, Path]], checked: tuple[Any, dict[str, str]]
) -> None:
    _, stored = backup
    result, _ = checked
    assert result.exit_code == 1
    [hit] = [d for d in result.detections if d["artifact"] == "ios.sms"]
    assert hit["type"] == "indicator" and hit["indicator"]["value"] == "urlpush.net"
    assert hit["evidence"] == {
        "source": "ios_backup",
        "path": SMS_DB,
        "sha256": sha256(stored[""]),
        "row": WAL_ROW,
        "wal_sha256": sha256(stored["-wal"]),
    }
    on_disk = [
        json.loads(line)
        for line in (result.output / "detections.jsonl").read_text().splitlines()
        if '"ios.sms"' in line
    ]
    assert on_disk[0]["evidence"]["wal_sha256"] == sha256(stored["-wal"])


def test_run_json_lists_wal_and_shm_tied_to_the_database(
    backup: tuple[Path, dict[str, Path]], checked: tuple[Any, dict[str, str]]
) -> None:
    root, stored = backup
    result, before = checked
    inputs = {i["device_path"]: i for i in result.run["inputs"]}
    main = inputs[SMS_DB]
    assert main["sha256"] == sha256(stored[""])
    assert main["wal_sha256"] == sha256(stored["-wal"])
    assert main["shm_sha256"] == sha256(stored["-shm"])
    for suffix in ("-wal", "-shm"):
        side = inputs[SMS_DB + suffix]
        assert side["sidecar_of"] == SMS_DB
        assert side["sha256"] == sha256(stored[suffix])
        assert side["size"] == stored[suffix].stat().st_size
        assert side["location"] == str(stored[suffix].relative_to(root))
        assert side["artifacts"] == ["ios.sms", "ios.sms_attachments"]
    # Re-verified at the end like every input, and the backup was not written to.
    check = result.run["evidence_check"]
    assert check["unchanged"] is True and check["inputs_checked"] >= len(result.run["inputs"])
    assert tree_state(root) == before
    assert result.run["artifacts"]["ios.sms"]["records"] == 601


def test_a_changed_wal_makes_the_run_incomplete(
    backup: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The -wal is evidence: if it changes while the check runs, the evidence check says so."""
    root, stored = backup
    import tracehound.pipeline as pipeline

    real_finish = pipeline._Run.finish_detectors
    original = stored["-wal"].read_bytes()

    def tamper(self: Any) -> None:
        real_finish(self)
        stored["-wal"].write_bytes(original + b"\x00")

    monkeypatch.setattr(pipeline._Run, "finish_detectors", tamper)
    try:
        result = run_check(CheckOptions(target=root, output=tmp_path / "out", jobs=1))
    finally:
        stored["-wal"].write_bytes(original)
    check = result.run["evidence_check"]
    assert check["unchanged"] is False
    assert any(c["path"].endswith(stored["-wal"].name) for c in check["changed"])
    assert result.exit_code == 3  # detected, and the evidence changed
