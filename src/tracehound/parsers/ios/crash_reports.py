"""Crash, spin and jetsam reports (``.ips``) of a sysdiagnose or of a crash-log folder.

Facts: Apple, "Interpreting the JSON format of a crash report" (developer.apple.com/
documentation/xcode/interpreting-the-json-format-of-a-crash-report): an ``.ips`` file is one
line of JSON metadata (``bug_type``, ``timestamp`` as ``YYYY-MM-DD HH:MM:SS.ss ±ZZZZ``,
``name``/``app_name``, ``incident_id``, ``os_version``) followed by the report's JSON body
(``procName``, ``procPath``, ``pid``, ``parentProc``, ``parentPid``, ``incident``,
``captureTime``). Bug type 298 is a JetsamEvent whose body lists ``processes`` (``name``,
``pid``, ``reason``...) instead of one process (EC-DIGIT-CSIRC sysdiagnose ``crashlogs.py``;
MVT's ``analytics`` notes). Sysdiagnoses hold them under ``crashes_and_spins/`` (EC-DIGIT-CSIRC
``crashlogs.py``). One record for the report, plus one per JetsamEvent process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import ExecPath, ProcessName, Record
from tracehound.core.registry import artifact

JETSAM = "298"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrashReport(Record):
    """One crash/spin report, or one process listed by a JetsamEvent (``entry`` says which)."""

    TYPE = "ios.crash_reports"
    TS_DESC = "Crash or diagnostic report written"

    entry: str  # "report" or "jetsam_process"
    bug_type: str | None
    process: ProcessName | None
    path: ExecPath | None
    pid: int | None
    parent: ProcessName | None
    parent_pid: int | None
    incident_id: str | None
    os_version: str | None
    reason: str | None  # jetsam: why the process was killed


PATHS = ("sysdiagnose:crashes_and_spins/**.ips", "crashlogs:**.ips")


def from_ips_time(value: str | None) -> datetime | None:
    """``2023-05-24 13:29:15.00 -0700`` (the .ips ``timestamp``), aware UTC; None when the
    text is not in that form (ParseContext.time counts it as a warning)."""
    if not value:
        return None
    for layout in ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(value.strip(), layout).astimezone(UTC)
        except ValueError:
            continue
    return None


def _text(doc: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _split(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, _, rest = text.lstrip("\ufeff").partition("\n")
    try:
        meta = json.loads(head)
    except json.JSONDecodeError as exc:
        raise SchemaMismatch(f"first line is not the .ips JSON metadata ({exc.msg})") from None
    if not isinstance(meta, dict) or "bug_type" not in meta:
        raise SchemaMismatch("first line has no bug_type: not an .ips report")
    try:
        body = json.loads(rest) if rest.strip() else {}
    except json.JSONDecodeError:
        body = None
    return meta, body if isinstance(body, dict) else {"_unreadable": True}


def _jetsam(body: dict[str, Any], base: CrashReport, ctx: ParseContext) -> Iterator[CrashReport]:
    processes = body.get("processes")
    for index, proc in enumerate(processes if isinstance(processes, list) else []):
        if not isinstance(proc, dict):
            ctx.warn(f"JetsamEvent process {index} is not an object", base.row)
            continue
        yield CrashReport(
            ts=base.ts,
            row=base.row,
            entry="jetsam_process",
            bug_type=JETSAM,
            process=_text(proc, "name"),
            path=None,
            pid=_int(proc, "pid"),
            parent=None,
            parent_pid=None,
            incident_id=base.incident_id,
            os_version=base.os_version,
            reason=_text(proc, "reason"),
        )


@artifact(record=CrashReport, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[CrashReport]:
    """Crash, spin and jetsam reports (.ips): process, path, parent, bug type, incident, time."""
    meta, body = _split(text)
    if body.get("_unreadable"):
        ctx.warn("the report body after the metadata line is not JSON; metadata only", 2)
        body = {}
    report = CrashReport(
        ts=ctx.time(from_ips_time, _text(meta, "timestamp"), 1, "timestamp"),
        row=1,
        entry="report",
        bug_type=_text(meta, "bug_type"),
        process=_text(body, "procName") or _text(meta, "name", "app_name"),
        path=_text(body, "procPath"),
        pid=_int(body, "pid"),
        parent=_text(body, "parentProc"),
        parent_pid=_int(body, "parentPid"),
        incident_id=_text(meta, "incident_id") or _text(body, "incident"),
        os_version=_text(meta, "os_version"),
        reason=None,
    )
    yield report
    if report.bug_type == JETSAM:
        yield from _jetsam(body, report, ctx)
