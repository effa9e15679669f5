"""The process list of a bugreport: the ``PROCESSES AND THREADS`` section, read by its header.

Facts: dumpstate runs ``ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time`` (AOSP
``dumpstate.cpp``). Toybox ``ps`` (``toys/posix/ps.c``, ``ps_main``) on Android defaults to
``USER,PID,PPID,VSIZE,RSS,WCHAN,ADDR,S,NAME``; ``-T`` adds ``TID`` after ``PID`` and shows
``CMD`` (the thread name, ``/proc/TID/stat`` field 2, at most 15 characters) instead of
``NAME``; ``-Z`` puts ``LABEL`` first; ``-O`` inserts its fields before the last one. So the
header is ``LABEL USER PID TID PPID VSZ RSS WCHAN ADDR S PRI NI RTPRIO SCH PCY TIME CMD``, one
line per thread; a process is the line of its main thread (``TID`` equal to ``PID``), and its
name is the main thread's name: the kernel ``comm``, which ART sets from the process name and,
for a dotted name of 15 characters or more, keeps only its last 15 (``SetThreadName``). WCHAN
may be empty (the line then has one word less); the last column may hold spaces. No artifact is
registered here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.parsers.android._dumpstate import find_section

TITLES = ("PROCESSES AND THREADS", "PROCESSES")
LAST = ("CMD", "NAME")
_STATES = frozenset("RSDTtZXxKWPI")


@dataclass(frozen=True, slots=True)
class PsRow:
    """One process (main thread) line of the section."""

    row: int
    pid: int
    ppid: int | None
    user: str | None
    label: str | None
    state: str
    name: str


#: Marker for a line of a thread other than the main one (skipped, not a warning).
_THREAD = PsRow(0, 0, None, None, None, "", "")


def _columns(header: str) -> list[str]:
    names = header.split()
    if "PID" not in names or "S" not in names or not names or names[-1] not in LAST:
        raise SchemaMismatch(f"ps header without PID, S and CMD/NAME: {header[:80]!r}")
    return names


def _fields(line: str, names: list[str]) -> dict[str, str] | None:
    """Column name -> value of one line; None when the line does not fit the header."""
    state_at = names.index("S")
    tokens = line.split()
    words = len(names) - 1  # words before the last column
    if len(tokens) > state_at and tokens[state_at] in _STATES:
        columns = names
    elif "WCHAN" in names and len(tokens) > state_at - 1 and tokens[state_at - 1] in _STATES:
        columns = [n for n in names if n != "WCHAN"]  # empty WCHAN: one word less
        words -= 1
    else:
        return None
    parts = line.split(None, words)
    if len(parts) <= words:
        return None
    return dict(zip(columns, [*parts[:words], parts[words].strip()], strict=True))


def _row(fields: dict[str, str], names: list[str], number: int) -> PsRow | None:
    pid, ppid, tid = fields.get("PID", ""), fields.get("PPID", ""), fields.get("TID")
    if (
        not pid.isdigit()
        or (ppid and not ppid.isdigit())
        or (tid is not None and not tid.isdigit())
    ):
        return None
    if tid is not None and tid != pid:
        return _THREAD
    return PsRow(
        row=number,
        pid=int(pid),
        ppid=int(ppid) if ppid else None,
        user=fields.get("USER"),
        label=fields.get("LABEL"),
        state=fields["S"],
        name=fields[names[-1]],
    )


def process_rows(text: str, ctx: ParseContext) -> Iterator[PsRow]:
    """The processes of the dumpstate's ps section; bad lines are counted warnings."""
    section = next((s for t in TITLES if (s := find_section(text, t)) is not None), None)
    if section is None:
        raise SchemaMismatch("no '------ PROCESSES AND THREADS' section in the dumpstate text")
    lines = [(n, line) for n, line in enumerate(section.lines, section.first_line) if line.strip()]
    if not lines:
        raise SchemaMismatch("the PROCESSES AND THREADS section is empty")
    names = _columns(lines[0][1])
    for number, line in lines[1:]:
        fields = _fields(line, names)
        row = _row(fields, names, number) if fields is not None else None
        if row is None:
            ctx.warn(f"not a ps line: {line[:80]!r}", number)
        elif row is not _THREAD:
            yield row
