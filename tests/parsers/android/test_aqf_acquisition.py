"""android.aqf_acquisition: androidqf's acquisition.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android.containers import acquisition_json
from tracehound.parsers.android.aqf_acquisition import AqfAcquisition


def write(tmp: Path, value: Any) -> Path:
    path = tmp / "acquisition.json"
    path.write_text(json.dumps(value, indent=1))
    return path


def test_current_version(tmp_path: Path, parse: Any) -> None:
    value = acquisition_json()
    value["module_results"][1].update(status="failed", error="adb: device offline")
    records, ctx = parse("android.aqf_acquisition", write(tmp_path, value))
    assert ctx.warnings == 0 and len(records) == 5
    acq = records[0]
    assert isinstance(acq, AqfAcquisition) and acq.kind == "acquisition"
    assert acq.ts == datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
    assert acq.completed == datetime(2024, 5, 6, 9, 41, 12, 123456, tzinfo=UTC)
    assert (acq.uuid, acq.androidqf_version) == (value["uuid"], "v1.7.1")
    assert acq.storage_path == value["storage_path"] and acq.streaming_mode is True
    assert (acq.tmp_dir, acq.sdcard, acq.cpu) == ("/data/local/tmp/", "/sdcard/", "arm64-v8a")
    assert acq.adb_host_public_key and acq.adb_host_public_key.startswith("QAAAA")
    failed = records[2]
    assert (failed.kind, failed.row, failed.module, failed.status) == (
        "module", 2, "packages", "failed",
    )  # fmt: skip
    assert failed.error == "adb: device offline" and failed.uuid == value["uuid"]


def test_legacy_version_and_zero_time(tmp_path: Path, parse: Any) -> None:
    value = {
        "uuid": "c1",
        "androidqf_version": "v1.4.0",
        "storage_path": "C:\\androidqf\\c1",
        "started": "2022-03-01T10:00:00.5+01:00",
        "completed": "0001-01-01T00:00:00Z",
        "collector": {"ExePath": "/data/local/tmp/collector", "Installed": True},
        "tmp_dir": "/data/local/tmp/",
        "sdcard": "/sdcard/",
        "cpu": "arm64-v8a",
    }
    records, ctx = parse("android.aqf_acquisition", write(tmp_path, value))
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].ts == datetime(2022, 3, 1, 9, 0, 0, 500000, tzinfo=UTC)
    assert records[0].completed is None and records[0].streaming_mode is None


def test_bad_values_are_warnings(tmp_path: Path, parse: Any) -> None:
    value = acquisition_json()
    value["started"] = "yesterday"
    value["completed"] = "2024-05-06 09:41"  # no zone: ambiguous
    value["module_results"] = [value["module_results"][0], "oops", {"name": "x", "started": 5}]
    records, ctx = parse("android.aqf_acquisition", write(tmp_path, value))
    assert ctx.warnings == 4
    assert records[0].ts is None and records[0].completed is None
    assert [r.module for r in records[1:]] == ["getprop", "x"]
    value["module_results"] = {"not": "a list"}
    records, ctx = parse("android.aqf_acquisition", write(tmp_path, value))
    assert ctx.warnings == 3 and len(records) == 1


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse: Any) -> None:
    with pytest.raises(SchemaMismatch):
        parse("android.aqf_acquisition", write(tmp_path, {"other": 1}))
    with pytest.raises(SchemaMismatch):
        parse("android.aqf_acquisition", write(tmp_path, ["uuid"]))
    bad = tmp_path / "bad.json"
    bad.write_text('{"uuid": ')
    with pytest.raises(InputError):
        parse("android.aqf_acquisition", bad)
