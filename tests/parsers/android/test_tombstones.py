from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android.tombstones import render_proto, render_text, timestamp_text
from tracehound.parsers.android import _protobuf as pb
from tracehound.parsers.android.tombstones import Tombstone

NAME = "android.tombstones"
TEXT_PATH = "bugreport:FS/data/tombstones/tombstone_03"
PROTO_PATH = "bugreport:FS/data/tombstones/tombstone_03.pb"
# 2024-03-09 15:31:02.123456 in Paris (UTC+1 in winter)
WHEN = datetime(2024, 3, 9, 14, 31, 2, 123456, tzinfo=UTC)
SURFACEFLINGER: dict[str, Any] = {
    "when": WHEN,
    "command_line": ["/system/bin/surfaceflinger", "--start"],
    "pid": 612,
    "tid": 640,
    "uid": 1000,
    "thread_name": "RenderEngine",
    "other_threads": [(613, "binder:612_1"), (614, "binder:612_2")],
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one(parse, tmp_path: Path, data: bytes, device_path: str = TEXT_PATH, **kw):  # type: ignore[no-untyped-def]
    name = device_path.rpartition("/")[2]
    records, ctx = parse(NAME, _write(tmp_path, name, data), device_path, **kw)
    assert len(records) == 1 and isinstance(records[0], Tombstone)
    return records[0], ctx


def test_text_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_text(**SURFACEFLINGER)
    assert b"Timestamp: 2024-03-09 15:31:02.123456000+0100" in data
    record, ctx = _one(parse, tmp_path, data)
    assert ctx.warnings == 0
    assert record.ts == WHEN
    assert record.file_name == "tombstone_03" and record.format == "text"
    assert record.build_fingerprint == (
        "google/oriole/oriole:13/TQ2A.230505.002/9790110:user/release-keys"
    )
    assert (record.revision, record.arch, record.process_uptime) == ("0", "arm64", 42)
    assert (record.pid, record.tid, record.uid) == (612, 640, 1000)
    assert record.process_name == "RenderEngine"
    assert record.binary_path == "/system/bin/surfaceflinger"
    assert record.command_line == "/system/bin/surfaceflinger --start"
    assert record.command_basename == "surfaceflinger"
    assert (record.signal, record.signal_number, record.code, record.code_name) == (
        "SIGSEGV", 11, 1, "SEGV_MAPERR",
    )  # fmt: skip
    assert record.fault_addr == "0x0"
    assert record.cause == "null pointer dereference"
    assert record.abort_message is None and record.selinux_label is None
    assert record.sender_pid is None and record.sender_uid is None


def test_text_abort_from_other_process_multiline(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_text(
        when=WHEN, command_line=["com.example.notes"], pid=8123, uid=10145, signal=6, code=-6,
        fault_addr=None, sender=(8123, 10145), cause=None,
        abort_message="Check failed: ptr != nullptr\nsecond line", zone="America/New_York",
    )  # fmt: skip
    record, ctx = _one(parse, tmp_path, data)
    assert ctx.warnings == 0
    assert record.ts == WHEN  # written as 09:31:02.123456-0500
    assert record.process_name == "m.example.notes"  # the kernel keeps the last 15 characters
    assert record.binary_path == "com.example.notes"
    assert record.command_basename == "com.example.notes"
    assert (record.signal, record.code, record.code_name) == ("SIGABRT", -6, "SI_TKILL")
    assert (record.sender_pid, record.sender_uid, record.fault_addr) == (8123, 10145, None)
    assert record.abort_message == "Check failed: ptr != nullptr\nsecond line"
    assert record.cause is None


def test_text_legacy_header(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Android 9/10: no Cmdline or uptime line, no fraction of a second."""
    data = render_text(when=WHEN, command_line=["/vendor/bin/hw/qcrild"], pid=900, uid=0,
                       legacy=True, zone="UTC")  # fmt: skip
    assert b"Cmdline" not in data and b"Timestamp: 2024-03-09 14:31:02+0000" in data
    record, ctx = _one(parse, tmp_path, data)
    assert ctx.warnings == 0
    assert record.ts == datetime(2024, 3, 9, 14, 31, 2, tzinfo=UTC)
    assert record.command_line is None and record.process_uptime is None
    assert record.binary_path == "/vendor/bin/hw/qcrild" and record.uid == 0
    assert record.process_name == "qcrild" and record.command_basename is None  # same name


def test_text_without_offset_uses_device_zone(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_text(**SURFACEFLINGER).replace(b"15:31:02.123456000+0100", b"15:31:02")
    record, ctx = _one(parse, tmp_path, data, device={"timezone": "Europe/Paris"})
    assert ctx.warnings == 0 and record.ts == datetime(2024, 3, 9, 14, 31, 2, tzinfo=UTC)
    record, ctx = _one(parse, tmp_path, data)
    assert ctx.warnings == 1 and "taken as UTC" in ctx.messages[0]
    assert record.ts == datetime(2024, 3, 9, 15, 31, 2, tzinfo=UTC)


def test_text_broken_values_are_warnings(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = (
        render_text(**SURFACEFLINGER)
        .replace(b"uid: 1000\n", b"uid: system\n", 1)
        .replace(b"Timestamp: 2024", b"Timestamp: yesterday 2024")
        .replace(b"Process uptime: 42s", b"Process uptime: long")
        .replace(b"signal 11 (SIGSEGV), code 1", b"signal eleven (SIGSEGV), code 1")
    )
    record, ctx = _one(parse, tmp_path, data)
    assert ctx.warnings == 4
    assert record.ts is None and record.uid is None and record.process_uptime is None
    assert record.signal is None and record.pid == 612  # the rest is still read
    assert record.build_fingerprint is not None


def test_text_without_pid_line_is_a_warning(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = b"*** *** ***\nBuild fingerprint: 'a/b/c:13/X/1:user/release-keys'\nABI: 'arm'\n"
    record, ctx = _one(parse, tmp_path, text)
    assert ctx.warnings == 1 and record.pid is None and record.arch == "arm"


def test_not_a_tombstone(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch):
        parse(NAME, _write(tmp_path, "tombstone_00", b"hello\nworld\n"), TEXT_PATH)


def test_proto_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    record, ctx = _one(parse, tmp_path, render_proto(**SURFACEFLINGER,
                       selinux_label="u:r:surfaceflinger:s0"), PROTO_PATH)  # fmt: skip
    assert ctx.warnings == 0
    assert record.format == "protobuf" and record.file_name == "tombstone_03.pb"
    assert record.ts == WHEN
    assert (record.pid, record.tid, record.uid, record.arch) == (612, 640, 1000, "arm64")
    assert record.process_name == "RenderEngine"  # the thread whose id is tid
    assert record.binary_path == "/system/bin/surfaceflinger"
    assert record.command_line == "/system/bin/surfaceflinger --start"
    assert record.selinux_label == "u:r:surfaceflinger:s0"
    assert (record.signal, record.code, record.code_name, record.fault_addr) == (
        "SIGSEGV", 1, "SEGV_MAPERR", "0x0",
    )  # fmt: skip
    assert record.cause == "null pointer dereference" and record.process_uptime == 42


def test_proto_and_text_agree(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    args = dict(SURFACEFLINGER, signal=6, code=-6, fault_addr=None, sender=(1, 0),
                abort_message="boom", cause=None, arch="x86_64")  # fmt: skip
    text, _ = _one(parse, tmp_path, render_text(**args))
    proto, ctx = _one(parse, tmp_path, render_proto(**args), PROTO_PATH)
    assert ctx.warnings == 0
    skip = {"format", "file_name", "selinux_label"}
    for name in Tombstone.__dataclass_fields__:
        if name not in skip:
            assert getattr(text, name) == getattr(proto, name), name
    assert proto.code == -6 and proto.sender_uid == 0 and proto.abort_message == "boom"


def test_proto3_zero_values_are_not_written(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_proto(when=WHEN, command_line=["/system/bin/vold"], pid=500, uid=0, arch="arm")
    record, ctx = _one(parse, tmp_path, data, PROTO_PATH)
    assert ctx.warnings == 0
    assert record.uid == 0 and record.arch == "arm"  # absent: the proto3 defaults
    assert record.process_name == "vold" and record.command_basename is None


def test_proto_unknown_fields_and_wrong_types(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_proto(**SURFACEFLINGER)
    extra = bytes([0xC2, 0x3E, 3]) + b"abc"  # field 1000 (an OEM string): skipped
    wrong = bytes([(7 << 3) | 2, 1]) + b"x"  # uid written as a string: warning, ignored
    record, ctx = _one(parse, tmp_path, data + extra + wrong, PROTO_PATH)
    assert ctx.warnings == 1 and "field 7" in ctx.messages[0]
    assert record.uid == 1000


def test_proto_damaged_nested_message_is_a_warning(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    bad_signal = bytes([(10 << 3) | 2, 2, 0x0A, 0x05])  # signal_info: a string cut short
    data = render_proto(**SURFACEFLINGER) + bad_signal
    record, ctx = _one(parse, tmp_path, data, PROTO_PATH)
    assert ctx.warnings == 1 and "signal_info" in ctx.messages[0]
    assert record.pid == 612


@pytest.mark.parametrize(
    "data",
    [
        b"",
        render_proto(**SURFACEFLINGER)[:-10],  # cut inside the open_fds field
        bytes([0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) + b"x",  # a 4 GB length in a tiny file
        bytes([0x08]) + b"\xff" * 11,  # a varint longer than 10 bytes
        b"\x0f\x00\x01",  # wire type 7 does not exist
    ],
)
def test_proto_corrupt(tmp_path: Path, parse, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        parse(NAME, _write(tmp_path, "tombstone_01.pb", data), PROTO_PATH)


def test_proto_without_tombstone_fields(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch):
        parse(NAME, _write(tmp_path, "t.pb", bytes([0x28, 0x05])), PROTO_PATH)  # pid only


def test_text_named_pb_is_read_as_text(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    record, _ = _one(parse, tmp_path, render_text(**SURFACEFLINGER), PROTO_PATH)
    assert record.format == "text" and record.uid == 1000


def test_wire_reader_helpers() -> None:
    assert pb.signed(0xFFFF_FFFF_FFFF_FFFA, 32) == -6
    assert pb.signed(2**63, 64) == -(2**63) and pb.signed(5) == 5
    assert list(pb.fields(bytes([0x08, 0x96, 0x01, 0x15, 1, 0, 0, 0]))) == [(1, 0, 150), (2, 5, 1)]
    assert timestamp_text(WHEN, "Asia/Kolkata") == "2024-03-09 20:01:02.123456000+0530"
