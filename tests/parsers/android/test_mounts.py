from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import mounts


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "mounts.json"
    path.write_bytes(data)
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    lines = [*mounts.STOCK, mounts.SYSTEM_RW, r"/dev/block/sda9 /system/my\040dir ext4 rw 0 0"]
    records, ctx = parse("android.mounts", _write(tmp_path, mounts.render(lines)))
    assert ctx.warnings == 0
    assert len(records) == 6
    first, _, third, _, rw, escaped = records
    assert (first.device, first.mount_point, first.fs_type, first.listing) == (
        "/dev/block/dm-7",
        "/system_ext",
        "ext4",
        "mount",
    )
    assert first.options == ("ro", "seclabel", "relatime") and first.ts is None
    assert third.listing == "proc" and third.mount_point == "/system_ext"
    assert rw.mount_point == "/system" and rw.options[0] == "rw" and rw.row == 4
    assert escaped.mount_point == "/system/my dir" and escaped.options == ("rw",)


def test_null_is_empty(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("android.mounts", _write(tmp_path, mounts.render(None)))
    assert records == [] and ctx.warnings == 0


def test_broken_lines_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = json.dumps([mounts.SYSTEM_RW, "grep: /proc/mounts: denied", 5, "x on"]).encode()
    records, ctx = parse("android.mounts", _write(tmp_path, data))
    assert len(records) == 1 and ctx.warnings == 3


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="not a list"):
        parse("android.mounts", _write(tmp_path, b"true"))
    with pytest.raises(InputError):
        parse("android.mounts", _write(tmp_path, b"\x89PNG\r\n"))


MOUNTINFO = "bugreport:FS/proc/1/mountinfo"


def test_bugreport_mountinfo(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    rows = [*mounts.MOUNTINFO_STOCK, mounts.MOUNTINFO_SYSTEM_RW]
    rows.append(
        (61, 1, "254:6", "/vendor/my dir", "rw", "shared:41", "ext4", "/dev/block/dm-6", "ro")
    )
    path = tmp_path / "mountinfo"
    path.write_bytes(mounts.render_mountinfo(rows))
    records, ctx = parse("android.mounts", path, MOUNTINFO)
    assert ctx.warnings == 0 and len(records) == 7
    root, dev = records[0], records[1]
    assert (root.device, root.mount_point, root.fs_type, root.listing, root.row) == (
        "/dev/block/dm-4", "/", "ext4", "mountinfo", 1,
    )  # fmt: skip
    assert root.options == ("ro", "relatime", "seclabel") and root.ts is None
    assert dev.device == "tmpfs" and dev.options == ("rw", "nosuid", "relatime", "seclabel")
    rw = records[5]
    assert rw.mount_point == "/system" and rw.options == ("rw", "relatime", "seclabel")
    vendor = records[6]  # rw mount of a read-only super block: read-only, as /proc/mounts says
    assert vendor.mount_point == "/vendor/my dir" and vendor.options == ("ro",)


def test_bugreport_mountinfo_broken(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    good = mounts.render_mountinfo([mounts.MOUNTINFO_SYSTEM_RW]).decode()
    path = tmp_path / "mountinfo"
    path.write_text(good + "12 1 8:1 / /x rw shared:1 ext4 /dev/sda\nnot a line\n")
    records, ctx = parse("android.mounts", path, MOUNTINFO)
    assert [r.mount_point for r in records] == ["/system"] and ctx.warnings == 2
    path.write_text("Filesystem 1K-blocks Used\n/dev/root 100 50\n")
    with pytest.raises(SchemaMismatch, match="mountinfo"):
        parse("android.mounts", path, MOUNTINFO)
