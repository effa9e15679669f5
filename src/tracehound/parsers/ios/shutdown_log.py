"""Processes still running when the phone shut down, from shutdown.log and its rotations.

Facts: MVT's ``ShutdownLog`` module (PR #196) and Kaspersky's iShutdown scripts (Securelist,
Jan 2024). Each shutdown appends blocks of ``After X.XXs, these clients are still here:`` headers
each followed by ``remaining client pid: N (path)`` lines, and the block ends with
``SIGTERM: [<Unix seconds>] ...`` (MVT also accepts ``SIGTERM: ... @<Unix seconds>``). Clients
listed before a SIGTERM line belong to that reboot. Since iOS 26 the file is also named
``shutdown.0.log`` and client paths end with a ``/<UUID>`` component (MVT issue #830, iLEAPP PR
#2205); Kaspersky's README shows the same shape (``.../mptbd/<UUID>``) in 2021 logs. Sysdiagnose
archives hold a copy at ``system_logs.logarchive/Extra/shutdown*.log`` (EC-DIGIT-CSIRC SAF).
One record per client per reboot; ``ts`` is the reboot (SIGTERM) time, None after the last one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.records import ExecPath, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix


@dataclass(frozen=True, slots=True, kw_only=True)
class ShutdownClient(Record):
    """A process still running after SIGTERM during one shutdown (``row`` is its first line)."""

    TYPE = "ios.shutdown_log"
    MEANING = (
        "shutdown.log lists processes still running when the phone was shut down: a name here "
        "means the program was running; Pegasus processes were found this way."
    )
    TS_DESC = "Shutdown (SIGTERM) with process still running"

    pid: int
    client: ExecPath  # path without a trailing /<UUID> component
    client_raw: str  # path as logged
    client_uuid: str | None  # the stripped UUID component
    process: ProcessName | None  # last component of ``client``
    delay: float | None  # seconds of the last "still here" header listing this client
    times_listed: int  # "still here" headers that list this client in this reboot
    times_delayed: int  # "still here" headers before this reboot's SIGTERM
    reboot: int  # 1-based number of the shutdown block in this file


PATHS = (
    "/private/var/db/diagnostics/shutdown.log",
    "/private/var/db/diagnostics/shutdown.*.log",
    "/**/system_logs.logarchive/Extra/shutdown*.log",
    "sysdiagnose:system_logs.logarchive/Extra/shutdown*.log",
)

_CLIENT = re.compile(r"remaining client pid:\s*(\d+)\s*\((.*)\)")
_AFTER = re.compile(r"After\s+([0-9]+(?:\.[0-9]*)?)s,\s*these clients are still here")
_SIGTERM = re.compile(r"SIGTERM:\s*\[(\d+)\]")
_SIGTERM_AT = re.compile(r"SIGTERM:.*?@\s*(\d{9,11})")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")


def split_client(raw: str) -> tuple[str, str | None, str | None]:
    """(path without a trailing /<UUID>, the UUID or None, the process name or None)."""
    path = raw.strip()
    head, _, last = path.rpartition("/")
    uid = None
    if head and _UUID.fullmatch(last):
        path, uid = head, last
    name = path.rstrip("/").rpartition("/")[2]
    return path, uid, name or None


@dataclass
class _Client:
    delay: float | None  # last "still here" header listing it
    listed: int  # headers listing it
    line: int  # first line that names it


@dataclass
class _Block:
    """The shutdown being read: its clients by (pid, path) and its "still here" headers."""

    clients: dict[tuple[int, str], _Client] = field(default_factory=dict)
    delays: int = 0
    delay: float | None = None

    def add(self, pid: int, raw: str, line: int) -> None:
        entry = self.clients.setdefault((pid, raw), _Client(None, 0, line))
        entry.delay = self.delay
        entry.listed += 1 if self.delays else 0


def _reboot_time(line: str, ctx: ParseContext, row: int) -> datetime | None:
    found = _SIGTERM.search(line) or _SIGTERM_AT.search(line)
    if found is None:
        ctx.warn(f"SIGTERM line without a time: {line.strip()[:80]!r}", row)
        return None
    return ctx.time(from_unix, int(found[1]), row, "SIGTERM")


def _records(block: _Block, ts: datetime | None, reboot: int) -> Iterator[ShutdownClient]:
    for (pid, raw), entry in block.clients.items():
        path, uid, name = split_client(raw)
        yield ShutdownClient(
            ts=ts,
            row=entry.line,
            pid=pid,
            client=path,
            client_raw=raw,
            client_uuid=uid,
            process=name,
            delay=entry.delay,
            times_listed=entry.listed,
            times_delayed=block.delays,
            reboot=reboot,
        )


def _check_text(text: str) -> None:
    body = text.rstrip("\x00")
    bad = body.count("\x00") + body.count("\ufffd")
    if body and bad * 10 > len(body):
        raise InputError("binary data: not a shutdown log")


@artifact(record=ShutdownClient, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[ShutdownClient]:
    """Processes still running after SIGTERM at each shutdown (shutdown.log), with the delays."""
    _check_text(text)
    block, reboot, known = _Block(), 0, 0
    for number, line in enumerate(text.splitlines(), 1):
        if (client := _CLIENT.search(line)) is not None:
            known += 1
            block.add(int(client[1]), client[2], number)
        elif (after := _AFTER.search(line)) is not None:
            known += 1
            block.delays += 1
            block.delay = float(after[1])
        elif "SIGTERM:" in line:
            known += 1
            reboot += 1
            yield from _records(block, _reboot_time(line, ctx, number), reboot)
            block = _Block()
        elif "remaining client pid" in line:
            ctx.warn(f"unreadable client line: {line.strip()[:80]!r}", number)
    if block.clients:
        ctx.warn(f"{len(block.clients)} client(s) after the last SIGTERM line: no reboot time")
        yield from _records(block, None, reboot + 1)
    if known == 0 and text.strip("\x00 \t\r\n"):
        raise SchemaMismatch("no shutdown.log lines (SIGTERM, clients still here)")
