"""Recent SQLite operations per app database, from ``dumpsys dbinfo``.

Facts: AOSP ``SQLiteConnection.OperationLog.dump`` prints, per connection pool (``Connection pool
for <path>:``, under ``** Database info for pid <pid> [<process>] **``), ``Most recently executed
operations:`` then ``<n>: [yyyy-MM-dd HH:mm:ss.SSS] <kind> took <n>ms - <status>, sql="<sql>",
path=<path>`` (``Operation.describe``; device-local ``SimpleDateFormat``). Samsung builds insert
``[Pid:(<n>)]`` before the kind (MVT ``dumpsys_dbinfo.py`` and its fixture). MVT checks every
``/``-separated part of the database path against app id indicators: ``path_components`` holds
the parts that can be package names (they contain a dot), as app ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, DevicePath, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, DeviceClock, Dumpsys, sections

_PROCESS_RE = re.compile(r"^\*\* Database info for pid (\d+) \[([^\]]*)\] \*\*")
_POOL_RE = re.compile(r"^Connection pool for (.+):$")
_OP_RE = re.compile(r"^\s*\d+: \[([^\]]*)\] (?:\[Pid:\((\d+)\)\])?(\w+)(.*)$")
_STATUS_RE = re.compile(r" - (\w+)")
_MARKERS = ("Database info", "Connection pool for", "Applications Database Info")


@dataclass(frozen=True, slots=True, kw_only=True)
class DbOperation(Record):
    """One recently executed SQLite operation of one app database."""

    TYPE = "android.dumpsys_dbinfo"
    TS_DESC = "SQLite operation started"

    process: AppId | None  # the process that owns the connection
    pid: int | None  # the process id (or Samsung's [Pid:(n)] value when given)
    action: str  # executeForCursorWindow, executeForLong, prepare...
    status: str | None  # succeeded, failed, running
    sql: str | None
    path: DevicePath | None
    path_components: tuple[AppId, ...]


def _sql_and_path(rest: str) -> tuple[str | None, str | None]:
    start, end = rest.find(', sql="'), rest.rfind('", path=')
    path_at = rest.rfind(", path=")
    sql = rest[start + 7 : end] if start >= 0 and end > start else None
    path = rest[path_at + 7 :] if path_at >= 0 else None
    if path is not None:
        path = re.split(r", (?:exception|result)=", path, maxsplit=1)[0].strip() or None
    return sql, path


def _parse(text: str, ctx: ParseContext, clock: DeviceClock) -> Iterator[DbOperation]:
    process: str | None = None
    process_pid: int | None = None
    pool: str | None = None
    for line in text.splitlines():
        if match := _PROCESS_RE.match(line):
            process_pid, process, pool = int(match.group(1)), match.group(2) or None, None
        elif match := _POOL_RE.match(line):
            pool = match.group(1).strip()
        elif pool and (match := _OP_RE.match(line)):
            ts = clock.parse(match.group(1), "operation time")
            rest = match.group(4)
            sql, path = _sql_and_path(rest)
            path = path or pool
            status = _STATUS_RE.search(rest)
            yield DbOperation(
                ts=ts,
                process=process,
                pid=int(match.group(2)) if match.group(2) else process_pid,
                action=match.group(3),
                status=status.group(1) if status else None,
                sql=sql,
                path=path,
                path_components=tuple(p for p in path.split("/") if "." in p.strip(".")),
            )


@artifact(record=DbOperation, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[DbOperation]:
    """Recently executed SQLite operations of app databases (dumpsys dbinfo)."""
    clock = DeviceClock(ctx)
    for _, body in sections(dump, ("dbinfo",)):
        if body.strip() and not any(marker in body for marker in _MARKERS):
            ctx.warn("dbinfo section not understood: no database or connection pool")
            continue
        yield from _parse(body, ctx, clock)
