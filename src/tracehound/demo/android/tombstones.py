"""Tombstones (native crash reports) as debuggerd writes them: text and protobuf.

Facts: AOSP ``system/core/debuggerd``: ``proto/tombstone.proto`` (field numbers, see
``parsers/android/_tombstone_proto.py``), ``libdebuggerd/tombstone_proto.cpp`` (what is filled:
``ro.build.fingerprint``, ``ro.revision``, ``get_timestamp()``, uptime, pid/tid/uid, SELinux
label, command line, signal, abort message, threads, memory maps, open files) and
``tombstone_proto_to_text.cpp`` (the text layout: header, ``Cmdline:``, ``pid: ..., name: <thread>
>>> <cmdline[0]> <<<``, ``uid:``, ``signal ... fault addr ...``, ``Cause:``, ``Abort message:``,
registers, ``backtrace:``, memory map, other threads after ``--- --- ---``, open files). proto3
omits zero values; protobuf's C++ serializer writes fields in field-number order. The timestamp
is local time with nanoseconds and the UTC offset (``%F %H:%M:%S.%09ld%z``); tombstones before
Android 11 had no Cmdline/uptime lines and no fraction in the timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DEMO_FINGERPRINT = "google/oriole/oriole:13/TQ2A.230505.002/9790110:user/release-keys"
SIGNALS = {4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV"}
CODES = {(11, 1): "SEGV_MAPERR", (11, 2): "SEGV_ACCERR", (6, -6): "SI_TKILL",
         (6, -1): "SI_QUEUE", (7, 1): "BUS_ADRALN", (4, 1): "ILL_ILLOPC"}  # fmt: skip
ARCH_NUMBERS = {"arm": 0, "arm64": 1, "x86": 2, "x86_64": 3, "riscv64": 4}


def local_time(when: datetime, zone: str) -> datetime:
    """``when`` in the device zone; a naive ``when`` is already the device's wall time."""
    tz = ZoneInfo(zone)
    return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)


def timestamp_text(when: datetime, zone: str = "Europe/Paris", legacy: bool = False) -> str:
    """debuggerd's timestamp: local wall time, nanoseconds (not in legacy) and ``+HHMM``."""
    local = local_time(when, zone)
    fraction = "" if legacy else f".{local.microsecond * 1000:09d}"
    return local.strftime("%Y-%m-%d %H:%M:%S") + fraction + local.strftime("%z")


def _names(
    command_line: Sequence[str], pid: int, tid: int | None, thread_name: str | None
) -> tuple[int, str]:
    """The crashing thread id (default: the main thread) and name (default: the last 15
    characters of the program name, as the kernel's ``comm`` keeps them)."""
    name = thread_name or (command_line[0].rpartition("/")[2][-15:] if command_line else "")
    return (tid if tid is not None else pid), name


def _addr(fault_addr: int | None) -> str:
    return "--------" if fault_addr is None else f"0x{fault_addr:016x}"


@dataclass(frozen=True, kw_only=True)
class Crash:
    """One native crash, as both tombstone forms record it. ``sender`` is (pid, uid) of a
    signal sent by another process; ``tid``/``thread_name`` default to the main thread."""

    when: datetime
    command_line: Sequence[str] = ("com.example.notes",)
    pid: int = 8123
    tid: int | None = None
    uid: int = 10145
    thread_name: str | None = None
    signal: int = 11
    code: int = 1
    fault_addr: int | None = 0
    sender: tuple[int, int] | None = None
    cause: str | None = "null pointer dereference"
    abort_message: str | None = None
    uptime: int = 42
    zone: str = "Europe/Paris"
    fingerprint: str = DEMO_FINGERPRINT
    arch: str = "arm64"
    other_threads: Sequence[tuple[int, str]] = ()


def render_text(*, legacy: bool = False, **crash: Any) -> bytes:
    """A text tombstone (``tombstone_NN``); ``sender`` is (pid, uid) of a signal sent by another
    process; ``legacy`` writes the Android 9/10 header (no Cmdline, no uptime, no fraction)."""
    return _text(Crash(**crash), legacy)


def _text(c: Crash, legacy: bool) -> bytes:
    tid, name = _names(c.command_line, c.pid, c.tid, c.thread_name)
    stamp, addr = timestamp_text(c.when, c.zone, legacy), _addr(c.fault_addr)
    first = c.command_line[0] if c.command_line else "<unknown>"
    code_name = CODES.get((c.signal, c.code), "UNKNOWN")
    origin = f" from pid {c.sender[0]}, uid {c.sender[1]}" if c.sender else ""
    lines = ["*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***",
             f"Build fingerprint: '{c.fingerprint}'", "Revision: '0'", f"ABI: '{c.arch}'",
             f"Timestamp: {stamp}"]  # fmt: skip
    if not legacy:
        lines += [f"Process uptime: {c.uptime}s", f"Cmdline: {' '.join(c.command_line) or first}"]
    lines += [f"pid: {c.pid}, tid: {tid}, name: {name}  >>> {first} <<<", f"uid: {c.uid}"]
    if c.arch == "arm64" and not legacy:
        lines.append("tagged_addr_ctrl: 0000000000000001 (PR_TAGGED_ADDR_ENABLE)")
    sig = SIGNALS.get(c.signal, f"SIG{c.signal}")
    lines.append(
        f"signal {c.signal} ({sig}), code {c.code} ({code_name}{origin}), fault addr {addr}"
    )
    if c.cause:
        lines.append(f"Cause: {c.cause}")
    if c.abort_message is not None:
        lines.append(f"Abort message: '{c.abort_message}'")
    library = first if first.startswith("/") else "/system/lib64/libhwui.so"
    lines += [*_registers(), "", "2 total frames", "backtrace:"]
    lines += [
        "      #00 pc 000000000004f2a0  /apex/com.android.runtime/lib64/bionic/libc.so (abort+164)",
        f"      #01 pc 00000000000a1b3c  {library}",
        "",
        "memory map (2 entries):",
        "    00000060'd6a00000-00000060'd6a3ffff r--    0   40000  /system/lib64/libhwui.so",
        "    00000060'd6a40000-00000060'd6b2ffff r-x 40000   f0000  /system/lib64/libhwui.so",
        "--------- tail end of log main",
        f"{local_time(c.when, c.zone).strftime('%m-%d %H:%M:%S')}.000 {c.pid:5d} {tid:5d} F libc"
        f"    : Fatal signal {c.signal} ({sig}), code {c.code}",
    ]  # fmt: skip
    for other, other_name in c.other_threads:
        lines += ["--- --- --- --- --- --- --- --- --- --- --- --- --- --- --- ---",
                  f"pid: {c.pid}, tid: {other}, name: {other_name}  >>> {first} <<<",
                  f"uid: {c.uid}", *_registers(), "", "1 total frames", "backtrace:",
                  "      #00 pc 00000000000a0f6c  /apex/com.android.runtime/lib64/bionic/libc.so"
                  " (__epoll_pwait+12)"]  # fmt: skip
    lines += ["", "open files:", "    fd 0: /dev/null (unowned)"]
    return ("\n".join(lines) + "\n").encode()


def _registers() -> list[str]:
    def row(start: int) -> str:
        return "  ".join(f"x{i:<2} {0x7A00 + i * 0x111:016x}" for i in range(start, start + 4))

    return ["    " + row(start) for start in range(0, 28, 4)]


# --- protobuf -------------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32/int64: two's complement on 64 bits
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _num(field: int, value: int) -> bytes:
    """A VARINT field; proto3 does not write zero."""
    return _varint(field << 3) + _varint(value) if value else b""


def _len(field: int, value: bytes | str) -> bytes:
    """A LEN field (string, bytes or message); proto3 does not write empty strings."""
    data = value.encode() if isinstance(value, str) else value
    return _varint((field << 3) | 2) + _varint(len(data)) + data if data else b""


def _thread(tid: int, name: str, pc: int) -> bytes:
    registers = b"".join(_len(3, _len(1, f"x{i}") + _num(2, 0x7A00 + i * 0x111)) for i in range(4))
    frame = _num(1, pc) + _num(2, 0x7D00000000 + pc) + _len(4, "abort") + _num(5, 164)
    frame += _len(6, "/apex/com.android.runtime/lib64/bionic/libc.so")
    return _num(1, tid) + _len(2, name) + registers + _len(4, frame) + _num(6, 1)


def render_proto(
    *, selinux_label: str = "u:r:untrusted_app:s0:c145,c256,c512,c768", **crash: Any
) -> bytes:
    """A protobuf tombstone (``tombstone_NN.pb``, message ``Tombstone``); same arguments as
    ``render_text`` plus the SELinux label, which only the protobuf form records."""
    return _proto(Crash(**crash), selinux_label)


def _proto(c: Crash, selinux_label: str) -> bytes:
    tid, name = _names(c.command_line, c.pid, c.tid, c.thread_name)
    stamp = timestamp_text(c.when, c.zone)
    sig = _num(1, c.signal) + _len(2, SIGNALS.get(c.signal, f"SIG{c.signal}"))
    sig += _num(3, c.code) + _len(4, CODES.get((c.signal, c.code), "UNKNOWN"))
    if c.sender:
        sig += _num(5, 1) + _num(6, c.sender[1]) + _num(7, c.sender[0])
    if c.fault_addr is not None:
        sig += _num(8, 1) + _num(9, c.fault_addr)
    out = _num(1, ARCH_NUMBERS[c.arch]) + _len(2, c.fingerprint) + _len(3, "0") + _len(4, stamp)
    out += _num(5, c.pid) + _num(6, tid) + _num(7, c.uid) + _len(8, selinux_label)
    out += b"".join(_len(9, arg) for arg in c.command_line)
    out += _varint((10 << 3) | 2) + _varint(len(sig)) + sig  # present even when all zero
    if c.abort_message:
        out += _len(14, c.abort_message)
    if c.cause:
        out += _len(15, _len(1, c.cause))
    for number, (thread_id, thread) in enumerate([(tid, name), *c.other_threads]):
        out += _len(16, _num(1, thread_id) + _len(2, _thread(thread_id, thread, 0x4F2A0 + number)))
    mapping = _num(1, 0x60D6A40000) + _num(2, 0x60D6B30000) + _num(3, 0x40000) + _num(4, 1)
    out += _len(17, mapping + _num(6, 1) + _len(7, "/system/lib64/libhwui.so"))
    out += _len(19, _len(2, "/dev/null"))
    out += _num(20, c.uptime) + _num(22, 4096)
    return out
