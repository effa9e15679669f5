from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import root_binaries


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "root_binaries.json"
    path.write_bytes(data)
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = root_binaries.render(["/system/bin/su\n/system/xbin/su", "/data/adb/magisk/magisk"])
    assert data == b'[\n    "/system/bin/su\\n/system/xbin/su",\n    "/data/adb/magisk/magisk"\n]'
    records, ctx = parse("android.root_binaries", _write(tmp_path, data))
    assert ctx.warnings == 0
    assert [(r.path, r.binary, r.row) for r in records] == [
        ("/system/bin/su", "su", 0),
        ("/system/xbin/su", "su", 0),
        ("/data/adb/magisk/magisk", "magisk", 1),
    ]
    assert records[0].ts is None


def test_empty_lists(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    for data in (root_binaries.render([]), b"null"):
        records, ctx = parse("android.root_binaries", _write(tmp_path, data))
        assert records == [] and ctx.warnings == 0


def test_broken_entries_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = json.dumps(["/sbin/su", 7, "which: su: not found", "", "busybox"]).encode()
    records, ctx = parse("android.root_binaries", _write(tmp_path, data))
    assert [r.path for r in records] == ["/sbin/su"]
    assert ctx.warnings == 3


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="not a list"):
        parse("android.root_binaries", _write(tmp_path, b'"su"'))
    with pytest.raises(InputError):
        parse("android.root_binaries", _write(tmp_path, b'["/system/bin/su"'))
