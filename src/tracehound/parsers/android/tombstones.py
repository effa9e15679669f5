"""Native crash reports (tombstones) copied into a bugreport, as text or protobuf.

Facts: debuggerd writes ``/data/tombstones/tombstone_NN`` (text) and, since Android 12,
``tombstone_NN.pb`` (protobuf); dumpstate copies them to ``FS/data/tombstones/`` of the bugreport
(MVT ``Tombstones`` reads ``*/tombstone_*``). androidqf does not pull /data/tombstones
(``modules/logs.go`` copies /data/anr, /data/log, /sdcard/log and a few /proc files only).
Protobuf tombstones are read by ``_tombstone_proto.py``. Text (``tombstone_proto_to_text.cpp``):
``Build fingerprint: '...'``, ``Revision: '...'``, ``ABI: '...'``, ``Timestamp: <time>``,
``Process uptime: Ns``, ``Cmdline: <args joined by spaces>``, ``pid: P, tid: T, name: <thread>
>>> <command_line[0]> <<<``, ``uid: U``, ``signal N (NAME), code C (CODE[ from pid P, uid U]),
fault addr 0x...|--------``, ``Cause: ...``, ``Abort message: '...'``; other threads follow
``--- --- ---`` lines. The timestamp (debuggerd ``get_timestamp``) is device local time with its
UTC offset, ``2023-04-12 15:31:02.123456789+0200`` (older: no fraction); MVT drops the offset,
here it is applied. Old tombstones (before Android 10) have no Timestamp line: ``ts`` is None.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import DevicePath, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import localize
from tracehound.parsers.android._aqf import check_text
from tracehound.parsers.android._tombstone_proto import read_tombstone


@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone(Record):
    """One native crash: which process, as which user, with which signal."""

    TYPE = "android.tombstones"
    TS_DESC = "Native crash (tombstone)"

    file_name: str
    format: str  # "text" or "protobuf"
    build_fingerprint: str | None
    revision: str | None
    arch: str | None  # "arm", "arm64", "x86", "x86_64", "riscv64"
    process_uptime: int | None  # seconds
    pid: int | None
    tid: int | None
    uid: int | None
    selinux_label: str | None
    process_name: ProcessName | None  # name of the crashing thread
    binary_path: DevicePath | None  # first word of the command line (path or app process)
    command_line: str | None  # arguments joined by spaces
    # basename of the command line's first word, when it differs from process_name (which
    # would match the same process indicators twice)
    command_basename: ProcessName | None
    signal: str | None
    signal_number: int | None
    code: int | None
    code_name: str | None
    fault_addr: str | None  # "0x..." or None when the signal has no fault address
    sender_pid: int | None
    sender_uid: int | None
    cause: str | None
    abort_message: str | None


_TIME = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?\s*\Z")
_PID = re.compile(r"pid: (\d+), tid: (\d+), name: (.*?)(?:  >>> (.*) <<<)?\s*\Z")
_SIGNAL = re.compile(
    r"signal (-?\d+) \(([^)]*)\), code (-?\d+) \((.*?)(?: from pid (\d+), uid (\d+))?\), "
    r"fault addr (\S+)"
)
_QUOTED = {"Build fingerprint": "build_fingerprint", "Revision": "revision", "ABI": "arch"}
_KEYS = {*_QUOTED, "Timestamp", "Process uptime", "Cmdline", "pid", "uid", "signal", "Cause",
         "Abort message"}  # fmt: skip
_ABORT_LINES = 200  # an abort message may span lines; stop looking for its end after these


def _time(value: str, ctx: ParseContext, where: int | None) -> datetime | None:
    match = _TIME.match(value.strip())
    if match is None:
        ctx.warn(f"Timestamp is not a time: {value[:80]!r}", where)
        return None
    day, clock, fraction, offset = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "" if offset is None else "+00:00" if offset == "Z" else offset
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}")
    except ValueError:
        ctx.warn(f"Timestamp is not a valid time: {value[:80]!r}", where)
        return None
    if parsed.tzinfo is None and not ctx.device.get("timezone"):
        ctx.warn("Timestamp has no UTC offset and the device time zone is unknown: taken as UTC")
    result = localize(parsed, ctx.device.get("timezone"))
    if result is None:
        ctx.warn(f"Timestamp is out of range: {value[:80]!r}", where)
    return result


def _first(command: str | None) -> str | None:
    first = command.split(" ", 1)[0] if command else ""
    return first if first and first != "<unknown>" else None


def _basename(path: str | None) -> str | None:
    if not path:
        return None
    return path.rstrip("/").rpartition("/")[2] or None


def _record(found: dict[str, Any], ctx: ParseContext, fmt: str) -> Tombstone:
    binary = found.get("binary_path")
    binary = _first(found.get("command_line")) if binary in (None, "", "<unknown>") else binary
    base = _basename(binary)
    command = found.get("command_line")
    return Tombstone(
        ts=found.get("ts"),
        file_name=ctx.path.rpartition("/")[2],
        format=fmt,
        binary_path=binary,
        command_basename=base if base != found.get("process_name") else None,
        **{k: found.get(k) for k in _FIELDS},
        command_line=command if command != "<unknown>" else None,
    )


_FIELDS = (
    "build_fingerprint", "revision", "arch", "process_uptime", "pid", "tid", "uid",
    "selinux_label", "process_name", "signal", "signal_number", "code",
    "code_name", "fault_addr", "sender_pid", "sender_uid", "cause", "abort_message",
)  # fmt: skip


def _int(value: str, name: str, found: dict[str, Any], ctx: ParseContext, line: int) -> None:
    try:
        found[name] = int(value.strip())
    except ValueError:
        ctx.warn(f"{name} is not a number: {value[:80]!r}", line)


def _pid_line(line: str, found: dict[str, Any], ctx: ParseContext, number: int) -> None:
    match = _PID.match(line)
    if match is None:
        ctx.warn(f"unreadable pid line: {line[:80]!r}", number)
        return
    found["pid"], found["tid"] = int(match.group(1)), int(match.group(2))
    found["process_name"] = match.group(3).strip() or None
    if match.group(4):
        found["binary_path"] = match.group(4).strip()


def _signal_line(line: str, found: dict[str, Any], ctx: ParseContext, number: int) -> None:
    match = _SIGNAL.match(line)
    if match is None:
        if line.strip() != "signal information missing":
            ctx.warn(f"unreadable signal line: {line[:80]!r}", number)
        return
    num, name, code, code_name, s_pid, s_uid, addr = match.groups()
    found.update(signal_number=int(num), signal=name or None, code=int(code))
    found.update(code_name=code_name or None, fault_addr=None)
    if s_pid is not None:
        found.update(sender_pid=int(s_pid), sender_uid=int(s_uid))
    if not addr.startswith("-"):
        try:
            found["fault_addr"] = f"0x{int(addr, 16):x}"
        except ValueError:
            ctx.warn(f"fault addr is not hexadecimal: {addr[:40]!r}", number)


def parse_text(text: str, ctx: ParseContext) -> Tombstone:
    """The header of a text tombstone (the crashing thread; other threads are not read)."""
    check_text(text, "tombstone")
    found: dict[str, Any] = {}
    seen: set[str] = set()
    lines = enumerate(io.StringIO(text), 1)  # lazily: the end of a tombstone is not read
    for number, raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith(("--- --- ---", "--------- ")):
            break  # other threads or the log tail
        key, _, value = line.partition(": ")
        key = "signal" if line.startswith("signal ") else key
        if key in seen or key not in _KEYS:
            continue
        seen.add(key)
        if key in _QUOTED:
            found[_QUOTED[key]] = value.strip().strip("'") or None
        elif key == "Timestamp":
            found["ts"] = _time(value, ctx, number)
        elif key == "Process uptime":
            _int(value.strip().removesuffix("s"), "process_uptime", found, ctx, number)
        elif key == "Cmdline":
            found["command_line"] = value.strip() or None
        elif key == "pid":
            _pid_line(line, found, ctx, number)
        elif key == "uid":
            _int(value, "uid", found, ctx, number)
        elif key == "signal":
            _signal_line(line, found, ctx, number)
        elif key == "Cause":
            found["cause"] = value.strip() or None
        else:  # Abort message: may span lines up to the closing quote
            parts = [value.rstrip().removeprefix("'")]
            while not parts[-1].endswith("'") and len(parts) < _ABORT_LINES:
                following = next(lines, None)
                if following is None:
                    break
                parts.append(following[1].rstrip("\r\n"))
            found["abort_message"] = "\n".join(parts).removesuffix("'")
    if "pid" not in seen and "Build fingerprint" not in seen:
        raise SchemaMismatch("not a tombstone: no 'Build fingerprint' and no 'pid:' line")
    if "pid" not in seen:
        ctx.warn("tombstone without a 'pid:' line")
    return _record(found, ctx, "text")


def _is_text(data: bytes, path: str) -> bool:
    """Text tombstones start with the ``*** ***`` line; ``.pb`` files and binary data are
    protobuf."""
    head = data[:4096]
    if head.lstrip().startswith((b"*** ***", b"Build fingerprint: ")):
        return True
    return not path.endswith(".pb") and b"\x00" not in head


@artifact(record=Tombstone, input="bytes", paths=("bugreport:FS/data/tombstones/tombstone_*",))
def parse(data: bytes, ctx: ParseContext) -> Iterator[Tombstone]:
    """Native crashes (tombstones): process, uid, signal, abort message, crash time."""
    if _is_text(data, ctx.path):
        yield parse_text(data.decode("utf-8", errors="replace"), ctx)
    else:
        yield _record(read_tombstone(data, ctx, _time), ctx, "protobuf")
