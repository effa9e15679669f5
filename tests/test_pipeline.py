"""Pipeline behaviour that the CLI tests do not reach: a parser bug, a schema mismatch."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracehound.core import registry
from tracehound.demo import generate
from tracehound.demo.ios.manifest import file_id
from tracehound.pipeline import CheckOptions, run_check


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("b") / "backup")


def test_parser_crash_is_contained(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.load_all()
    original = registry._ARTIFACTS["ios.tcc"]

    def broken(conn: Any, ctx: Any) -> Iterator[Any]:
        yield from original.func(conn, ctx)
        raise RuntimeError("boom")

    monkeypatch.setitem(registry._ARTIFACTS, "ios.tcc", dataclasses.replace(original, func=broken))
    result = run_check(CheckOptions(target=backup, output=tmp_path / "out"))
    tcc = result.run["artifacts"]["ios.tcc"]
    assert tcc["status"] == "error" and tcc["records"] == 8
    assert "parser failed: RuntimeError: boom" in tcc["errors"][0]
    assert result.run["artifacts"]["ios.sms"]["status"] == "ran"
    assert result.exit_code == 3


def test_schema_mismatch_reported(backup: Path, tmp_path: Path) -> None:
    copy = tmp_path / "backup"
    import shutil

    shutil.copytree(backup, copy)
    fid = file_id("HomeDomain", "Library/TCC/TCC.db")
    target = copy / fid[:2] / fid
    target.unlink()
    sqlite3.connect(target).executescript("CREATE TABLE other (x);").close()
    result = run_check(CheckOptions(target=copy, output=tmp_path / "out"))
    tcc = result.run["artifacts"]["ios.tcc"]
    assert tcc["status"] == "schema_mismatch"
    assert tcc["files"][0]["error"].startswith("missing table access")
    assert result.exit_code == 3  # an input could not be read: the run is incomplete
    assert {d["artifact"] for d in result.detections} >= {"ios.datausage", "ios.sms"}
    saved = json.loads((tmp_path / "out" / "run.json").read_text())
    assert saved["artifacts"]["ios.tcc"]["status"] == "schema_mismatch"
