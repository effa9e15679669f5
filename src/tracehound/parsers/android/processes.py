"""Running processes at acquisition time, from ``ps -A`` text or androidqf's collector JSON.

Facts: androidqf ``modules/processes.go`` writes ``processes.txt``: the text of ``ps -A`` when no
collector runs, otherwise the collector's JSON list (``adb/collector.go`` ``ProcessInfo``: ``pid``,
``uid``, ``ppid``, ``pgroup``, ``psid``, ``filename`` (the kernel ``comm``, wrapped in parentheses
by the Go collector), ``priority``, ``state``, ``user_time``, ``kernel_time``, ``path`` (``exe``
link), ``context`` (SELinux), ``previous_context``, ``command_line`` (argv), ``env``, ``cwd``).
Older androidqf wrote ``ps.txt`` (botherder ``acquisition/processes.go``), the file MVT's
``AQFProcesses`` reads. Toybox ``ps -A`` columns: USER PID PPID VSZ RSS WCHAN ADDR S NAME (WCHAN
may be empty; ``-Z`` adds a LABEL column first; kernel threads are shown as ``[name]``); the
toolbox ``ps`` of Android 7 and older prints USER PID PPID VSIZE RSS WCHAN PC S NAME. The input
is one artifact: the content (JSON or text) decides, since both share one file name. A
bugreport's dumpstate text holds the list in its ``PROCESSES AND THREADS`` section (read by
``_ps_dumpstate``: there the name is the main thread's, at most 15 characters).

The kernel keeps 15 characters of a name (``comm``); app names are taken from argv[0] instead.
``gatekeeperd`` is AOSP's Gatekeeper daemon (``system/core/gatekeeperd/gatekeeperd.rc``: runs
``/system/bin/gatekeeperd`` as user ``system``) and also an iOS Pegasus process indicator, so MVT
skips it; here the genuine daemon (that path or unknown, that user or unknown) is not offered to
indicator matching (``not_matched`` says so), while a ``gatekeeperd`` elsewhere still matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import AppId, ExecPath, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import check_text, json_items, text_or_none
from tracehound.parsers.android._ps_dumpstate import process_rows
from tracehound.parsers.common.runner import load_json

_STATES = frozenset("RSDTtZXxKWPI")
_APP = re.compile(r"[A-Za-z][\w]*(?:\.[A-Za-z_][\w]*)+(?::[\w.]+)?")
_GATEKEEPERD = "gatekeeperd"
_GATEKEEPERD_NOTE = (
    "AOSP Gatekeeper daemon (/system/bin/gatekeeperd, user system): its name equals an iOS "
    "Pegasus indicator, so it is not offered to indicator matching (as MVT)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Process(Record):
    """One process of the list taken at acquisition time (no time of its own)."""

    TYPE = "android.processes"
    TS_DESC = "No time (running at acquisition)"

    pid: int | None
    ppid: int | None
    uid: int | None
    user: str | None
    name: ProcessName | None  # offered to indicator matching; None for AOSP gatekeeperd
    listed_name: str  # NAME of ps, or the collector's comm
    app_id: AppId | None  # package of an app process (argv[0] before ":")
    path: ExecPath | None  # executable (collector only)
    context: str | None  # SELinux context (ps -Z LABEL or collector)
    command_line: str | None
    state: str | None
    not_matched: str | None
    listing: str  # "ps", "collector" or "dumpstate" (a bugreport's PROCESSES AND THREADS)


def _make(
    *,
    row: int,
    listed: str,
    full: str,
    path: str | None,
    listing: str,
    pid: int | None,
    ppid: int | None,
    uid: int | None,
    user: str | None,
    context: str | None,
    command_line: str | None,
    state: str | None,
) -> Process:
    """Build a record from argv[0] (``full``), hiding the genuine AOSP gatekeeperd from matching."""
    name = full.rsplit("/", 1)[-1] if full.startswith("/") else full
    genuine = (
        name == _GATEKEEPERD
        and path in (None, "/system/bin/gatekeeperd")
        and user in (None, "system")
        and uid in (None, 1000)
    )
    return Process(
        ts=None,
        row=row,
        pid=pid,
        ppid=ppid,
        uid=uid,
        user=user,
        name=None if genuine else (name or None),
        listed_name=listed,
        app_id=full.split(":", 1)[0] if _APP.fullmatch(full) else None,
        path=None if genuine else path,
        context=context,
        command_line=command_line,
        state=state,
        not_matched=_GATEKEEPERD_NOTE if genuine else None,
        listing=listing,
    )


def _ps_line(line: str, row: int) -> Process | None:
    tokens = line.split()
    label = tokens.pop(0) if tokens and tokens[0].startswith("u:") else None
    if len(tokens) < 7 or not tokens[1].isdigit() or not tokens[2].isdigit():
        return None
    for i in range(5, len(tokens) - 1):
        if tokens[i] in _STATES:
            listed = " ".join(tokens[i + 1 :])
            full = listed[1:-1] if listed.startswith("[") and listed.endswith("]") else listed
            return _make(
                row=row,
                listed=listed,
                full=full,
                path=None,
                listing="ps",
                pid=int(tokens[1]),
                ppid=int(tokens[2]),
                uid=None,
                user=tokens[0],
                context=label,
                command_line=None,
                state=tokens[i],
            )
    return None


def _ps(text: str, ctx: ParseContext) -> Iterator[Process]:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if lines and "PID" in lines[0][1].split():
        lines = lines[1:]
    elif lines and _ps_line(lines[0][1], lines[0][0]) is None:
        raise SchemaMismatch("not ps output: no USER/PID header and no process line")
    for number, line in lines:
        record = _ps_line(line, number)
        if record is None:
            ctx.warn(f"not a ps line: {line[:80]!r}", number)
            continue
        yield record


def _collector_item(item: Any, row: int, ctx: ParseContext) -> Process | None:
    if not isinstance(item, dict) or "pid" not in item:
        ctx.warn(f"process entry is not an object with a pid: {str(item)[:80]!r}", row)
        return None
    comm = text_or_none(item.get("filename")) or ""
    if comm.startswith("(") and comm.endswith(")"):
        comm = comm[1:-1]
    argv = item.get("command_line")
    args = [a for a in argv if isinstance(a, str)] if isinstance(argv, list) else []
    full = args[0] if args and args[0] else comm
    return _make(
        row=row,
        listed=comm,
        full=full,
        path=text_or_none(item.get("path")),
        listing="collector",
        pid=ctx.integer(item.get("pid"), row, "pid"),
        ppid=ctx.integer(item.get("ppid"), row, "ppid"),
        uid=ctx.integer(item.get("uid"), row, "uid"),
        user=None,
        context=text_or_none(item.get("context")),
        command_line=" ".join(args) or None,
        state=text_or_none(item.get("state")),
    )


def _dumpstate(text: str, ctx: ParseContext) -> Iterator[Process]:
    for row in process_rows(text, ctx):
        listed = row.name
        full = listed[1:-1] if listed.startswith("[") and listed.endswith("]") else listed
        record = _make(
            row=row.row,
            listed=listed,
            full=full,
            path=None,
            listing="dumpstate",
            pid=row.pid,
            ppid=row.ppid,
            uid=None,
            user=row.user,
            context=row.label,
            command_line=None,
            state=row.state,
        )
        # 15 characters may be the tail of a longer name (ART): not a package name then.
        yield replace(record, app_id=None) if len(full) >= 15 else record


@artifact(
    record=Process,
    input="text",
    paths=(
        "androidqf:processes.txt",
        "androidqf:processes.json",
        "androidqf:ps.txt",
        "bugreport:dumpstate.txt",
    ),
)
def parse(text: str, ctx: ParseContext) -> Iterator[Process]:
    """Processes running at acquisition (ps -A or collector): name, pid, user, path, SELinux."""
    check_text(text, "process list")
    if ctx.path.startswith("bugreport:"):
        yield from _dumpstate(text, ctx)
        return
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith(("[", "{", "null")):
        yield from _ps(text, ctx)
        return
    data = load_json(body.encode("utf-8"))  # InputError when it is not JSON
    for row, item in enumerate(json_items(data, "process list")):
        record = _collector_item(item, row, ctx)
        if record is not None:
            yield record
