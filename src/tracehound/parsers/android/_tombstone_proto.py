"""Reader of protobuf tombstones (``tombstone_NN.pb``) for ``android.tombstones``.

Facts: AOSP ``system/core/debuggerd/proto/tombstone.proto``, message ``Tombstone``: arch=1 (enum
ARM32=0, ARM64=1, X86=2, X86_64=3, RISCV64=4, NONE=5), build_fingerprint=2, revision=3,
timestamp=4 (string, as in the text form), pid=5, tid=6, uid=7, selinux_label=8,
command_line=9 (repeated string; a single ``process_name`` string in Android 11), signal_info=10
(``Signal``: number=1, name=2, code=3, code_name=4, has_sender=5, sender_uid=6, sender_pid=7,
has_fault_address=8, fault_address=9), abort_message=14, causes=15 (``Cause``:
human_readable=1; a single ``cause`` in Android 11), threads=16 (map<uint32, Thread>; ``Thread``:
id=1, name=2), process_uptime=20. proto3 does not write zero values: an absent arch is ARM32 and
an absent pid/tid/uid is 0 (uid 0 is root). The process name MVT reports is the name of the
thread whose id is ``tid`` (``tombstone_crashes.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.parsers.android import _protobuf as pb

ARCHES = {0: "arm", 1: "arm64", 2: "x86", 3: "x86_64", 4: "riscv64"}
TimeReader = Callable[[str, ParseContext, int | None], datetime | None]


def _nested(value: pb.Value, what: str, ctx: ParseContext) -> list[tuple[int, int, pb.Value]]:
    if not isinstance(value, memoryview):
        ctx.warn(f"{what} is not an embedded message")
        return []
    try:
        return list(pb.fields(value))
    except pb.ProtoError as exc:
        ctx.warn(f"damaged {what}: {exc}")
        return []


def _signal_proto(value: pb.Value, found: dict[str, Any], ctx: ParseContext) -> None:
    sig: dict[int, pb.Value] = {}
    for number, _, item in _nested(value, "signal_info", ctx):
        sig[number] = item
    text = {n: pb.text(v) if isinstance(v, memoryview) else None for n, v in sig.items()}
    num = {n: v if isinstance(v, int) else 0 for n, v in sig.items()}
    found.update(signal_number=pb.signed(num.get(1, 0), 32), signal=text.get(2) or None)
    found.update(code=pb.signed(num.get(3, 0), 32), code_name=text.get(4) or None)
    if num.get(5):
        found.update(sender_uid=pb.signed(num.get(6, 0), 32))
        found.update(sender_pid=pb.signed(num.get(7, 0), 32))
    found["fault_addr"] = f"0x{num.get(9, 0):x}" if num.get(8) else None


def _thread(value: pb.Value, threads: dict[int, str], ctx: ParseContext) -> None:
    key, name = 0, ""
    for number, _, item in _nested(value, "threads entry", ctx):
        if number == 1 and isinstance(item, int):
            key = item
        elif number == 2 and isinstance(item, memoryview):
            for field, _, sub in _nested(item, "thread", ctx):
                if field == 2 and isinstance(sub, memoryview):
                    name = pb.text(sub)
    threads[key] = name


_STRINGS = {2: "build_fingerprint", 3: "revision", 8: "selinux_label", 14: "abort_message"}
_NUMBERS = {5: "pid", 6: "tid", 7: "uid", 20: "process_uptime"}


def read_tombstone(data: bytes, ctx: ParseContext, read_time: TimeReader) -> dict[str, Any]:
    """The fields of a ``Tombstone`` message, named as the record's; unknown fields skipped."""
    if not data:
        raise InputError("empty tombstone file")
    found: dict[str, Any] = {"arch": ARCHES[0], "pid": 0, "tid": 0, "uid": 0}
    command: list[str] = []
    causes: list[str] = []
    threads: dict[int, str] = {}
    try:
        for number, wire, value in pb.fields(data):
            expected = pb.VARINT if number in _NUMBERS or number == 1 else pb.LEN
            if number in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 20) and wire != expected:
                ctx.warn(f"field {number} has wire type {wire}, not {expected}")
            elif isinstance(value, memoryview):
                if number in _STRINGS:
                    # selinux_label keeps the NUL ending the kernel's attr/current text (MVT's
                    # tombstone_process.pb; libselinux getcon_raw strdup()s it away).
                    found[_STRINGS[number]] = pb.text(value).rstrip("\x00") or None
                elif number == 4:
                    found["ts"] = read_time(pb.text(value), ctx, None) if value else None
                elif number == 9:
                    command.append(pb.text(value))
                elif number == 10:
                    _signal_proto(value, found, ctx)
                elif number == 15:
                    for field, _, sub in _nested(value, "cause", ctx):
                        if field == 1 and isinstance(sub, memoryview):
                            causes.append(pb.text(sub))
                elif number == 16:
                    _thread(value, threads, ctx)
            elif number == 1:
                found["arch"] = ARCHES.get(value)
            elif number in _NUMBERS:
                found[_NUMBERS[number]] = value
    except pb.ProtoError as exc:
        raise InputError(f"damaged protobuf tombstone: {exc}") from None
    if not any(k in found for k in ("build_fingerprint", "ts", "revision")) and not command:
        raise SchemaMismatch("no tombstone fields (build fingerprint, timestamp, command line)")
    found["command_line"] = " ".join(command) or None
    found["binary_path"] = command[0] if command else None
    found["process_name"] = threads.get(found["tid"]) or None
    found["cause"] = causes[0] if causes else None
    return found
