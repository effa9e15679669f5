from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android.files import COLLECTOR, file_entry, render

T0 = datetime(2024, 3, 9, 22, 15, 7, tzinfo=UTC)
T1 = datetime(2024, 3, 10, 8, 0, 0, tzinfo=UTC)


def _entries() -> list[dict[str, object]]:
    return [
        file_entry("/system/bin/vold", modified=T0, mode="-rwxr-xr-x", gid=2000),
        file_entry(COLLECTOR, modified=T1, mode="-rwxrwxrwx", uid=2000, gid=2000,
                   context="u:object_r:shell_data_file:s0"),
        file_entry("/data/local/tmp/payload", modified=T0, accessed=T1, changed=T1,
                   mode="-rwxr-x--x", uid=2000, gid=2000, content=b"\x7fELF payload",
                   context="u:object_r:shell_data_file:s0", mime_type="application/x-elf"),
    ]  # fmt: skip


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "files.json"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("ndjson", [False, True])
def test_good(tmp_path: Path, parse, ndjson: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("android.files", _write(tmp_path, render(_entries(), ndjson=ndjson)))
    assert ctx.warnings == 0
    assert [r.path for r in records] == ["/system/bin/vold", COLLECTOR, "/data/local/tmp/payload"]
    vold, _, payload = records
    assert vold.ts == T0 and vold.accessed == T0 and vold.changed == T0 and vold.gid == 2000
    assert vold.mode == "-rwxr-xr-x" and vold.sha256 is None and vold.uid == 0
    assert payload.ts == T0 and payload.accessed == T1 and payload.changed == T1
    assert payload.size == len(b"\x7fELF payload") and payload.uid == 2000
    assert payload.sha256 is not None and len(payload.sha256) == 64 and payload.md5
    assert payload.context == "u:object_r:shell_data_file:s0"
    assert payload.mime_type == "application/x-elf" and payload.row == 2


def test_find_variants(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    items = [
        # find -printf: octal mode, names, no ids
        {"path": "/sdcard/a.jpg", "size": 10, "mode": "660", "user_id": 0, "user_name": "u0_a1",
         "group_id": 0, "group_name": "media_rw", "modified_time": 1710000000},
        # plain find: path only, Go zero values
        {"path": "/sdcard/b.txt", "size": 0, "mode": "", "user_id": 0, "group_id": 0,
         "changed_time": 0, "modified_time": 0, "access_time": 0},
        # a device-local time written as text
        {"path": "/sdcard/c.txt", "mode": "-rw-rw----", "modified_time": "2024-03-10 09:00:00"},
    ]  # fmt: skip
    records, ctx = parse("android.files", _write(tmp_path, json.dumps(items).encode()),
                         device={"timezone": "Europe/Paris"})  # fmt: skip
    assert ctx.warnings == 0
    printf, plain, text = records
    assert printf.uid is None and printf.user == "u0_a1" and printf.group == "media_rw"
    assert printf.ts == datetime(2024, 3, 9, 16, 0, tzinfo=UTC) and printf.size == 10
    assert plain.ts is None and plain.size is None and plain.uid is None and plain.mode is None
    assert text.ts == datetime(2024, 3, 10, 8, 0, tzinfo=UTC)


def test_broken_entries_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"path": "/a", "mode": "-rw-r--r--", "modified_time": "yesterday"},
        {"size": 3},
        "x",
        {"path": "/b", "mode": "-rw-r--r--", "modified_time": "2024-01-01T10:00:00",
         "access_time": "2024-01-01T11:00:00"},
    ]  # fmt: skip
    records, ctx = parse("android.files", _write(tmp_path, json.dumps(items).encode()))
    assert [r.path for r in records] == ["/a", "/b"]
    assert records[0].ts is None and records[1].ts == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    # bad time, no path, not an object, one "time zone unknown" for two local times
    assert ctx.warnings == 4


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="path"):
        parse("android.files", _write(tmp_path, b'[{"name": "x"}, {"name": "y"}]'))
    with pytest.raises(SchemaMismatch, match="not a list"):
        parse("android.files", _write(tmp_path, b"42"))
    with pytest.raises(InputError, match="not JSON"):
        parse("android.files", _write(tmp_path, b'{"path": "/a"}\n{"path": '))


def test_go_zero_time_as_local_time_is_a_counted_warning(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/fuzz: Go's zero time written as device-local text, in a zone east of
    Greenwich, raised OverflowError out of the parser."""
    items = [{"path": "/sdcard/c.txt", "modified_time": "0001-01-01 00:00:00"}]
    records, ctx = parse(
        "android.files",
        _write(tmp_path, json.dumps(items).encode()),
        device={"timezone": "Europe/Paris"},
    )
    assert [(r.path, r.ts) for r in records] == [("/sdcard/c.txt", None)]
    assert ctx.warnings == 1 and "modified_time is not a time" in ctx.messages[0]
