"""Processes and their thread counts when the sysdiagnose was taken, from its ``ps_thread.txt``.

Facts: the EC-DIGIT-CSIRC sysdiagnose framework's ``psthread`` parser
(``src/sysdiagnose/parsers/psthread.py``): a header line, then per process one line with all
columns (its TT column reads ``??``) followed by one line per further thread; it counts the
lines of each process as its threads. The file is ``ps -M`` output (Apple ps(1): ``-M`` shows
threads; its own columns ``USER PID TT %CPU STAT PRI STIME UTIME COMMAND`` come first, then the
``-o`` columns), e.g. ``USER PID TT %CPU STAT PRI STIME UTIME COMMAND PPID %MEM PRI NI VSZ RSS
WCHAN STARTED TIME COMMAND``: the first COMMAND is cut to a few characters (and may then end
inside a word or hold a space), the last is the whole command line. Thread lines start with
blanks (no USER, TT or COMMAND). STARTED is local, dateless text, kept as printed (``ts`` is
empty), as in ``sysdiagnose_ps``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import ExecPath, ProcessName, Record
from tracehound.core.registry import artifact

_NUMERIC = frozenset({"PID", "PPID", "UID", "NI", "VSZ", "RSS", "%CPU", "%MEM"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SysdiagnoseThreadProcess(Record):
    """One process of ``ps_thread.txt`` (``row`` is its line) with its number of threads."""

    TYPE = "ios.sysdiagnose_ps_thread"
    TS_DESC = "Process running at sysdiagnose time (no start date in ps_thread.txt)"

    pid: int
    ppid: int | None
    user: str | None
    path: ExecPath  # first word of the (last) COMMAND
    process: ProcessName | None  # last component of ``path``
    arguments: str | None
    started: str | None  # STARTED as printed: local and without a date
    threads: int  # the process line and its thread lines


def _header(line: str) -> tuple[list[str], int]:
    """Column names and the index of the first COMMAND."""
    names = line.split()
    if "PID" not in names or "COMMAND" not in names or names[0] != "USER":
        raise SchemaMismatch("no ps -M header (USER, PID ... COMMAND) on the first line")
    first = names.index("COMMAND")
    if first != len(names) - 1 and names[-1] != "COMMAND":
        raise SchemaMismatch("ps -M header without a whole COMMAND column at the end")
    return names, first


def _fits(tokens: list[str], middle: list[str]) -> bool:
    return len(tokens) >= len(middle) and all(
        tokens[i].replace(".", "", 1).lstrip("-").isdigit()
        for i, name in enumerate(middle)
        if name in _NUMERIC
    )


def _fields(line: str, names: list[str], first: int) -> dict[str, str] | None:
    """Column name -> value; the cut COMMAND is found as 1-3 words after which the columns fit."""
    if first == len(names) - 1:
        parts = line.split(None, first)
        return dict(zip(names, parts, strict=True)) if len(parts) == len(names) else None
    middle = names[first + 1 : -1]
    tokens = line.split()
    for cut in (1, 2, 3):
        if _fits(tokens[first + cut :], middle):
            parts = line.split(None, first + cut + len(middle))
            if len(parts) != first + cut + len(middle) + 1:
                return None
            values = parts[:first] + parts[first + cut : -1] + [parts[-1]]
            return dict(zip([*names[:first], *middle, "COMMAND"], values, strict=True))
    return None


def _record(fields: dict[str, str], number: int) -> SysdiagnoseThreadProcess | None:
    pid, ppid = fields.get("PID", ""), fields.get("PPID")
    if not pid.isdigit() or (ppid is not None and not ppid.isdigit()):
        return None
    path, _, arguments = fields["COMMAND"].strip().partition(" ")
    return SysdiagnoseThreadProcess(
        ts=None,
        row=number,
        pid=int(pid),
        ppid=int(ppid) if ppid is not None else None,
        user=fields.get("USER"),
        path=path,
        process=path.rstrip("/").rpartition("/")[2] or None,
        arguments=arguments.strip() or None,
        started=fields.get("STARTED"),
        threads=1,
    )


@artifact(record=SysdiagnoseThreadProcess, input="text", paths=("sysdiagnose:ps_thread.txt",))
def parse(text: str, ctx: ParseContext) -> Iterator[SysdiagnoseThreadProcess]:
    """Processes of ps_thread.txt (ps -M): path, user, pid, start and number of threads."""
    lines = text.splitlines()
    names, first = _header(lines[0] if lines else "")
    current: SysdiagnoseThreadProcess | None = None
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        if line[0].isspace():  # a further thread of the process above
            if current is None:
                ctx.warn(f"thread line before any process: {line.strip()[:80]!r}", number)
            else:
                current = replace(current, threads=current.threads + 1)
            continue
        fields = _fields(line, names, first)
        record = _record(fields, number) if fields is not None else None
        if record is None:
            ctx.warn(f"unreadable ps -M line: {line.strip()[:80]!r}", number)
            continue
        if current is not None:
            yield current
        current = record
    if current is not None:
        yield current
