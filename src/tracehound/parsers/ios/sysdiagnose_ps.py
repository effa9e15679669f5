"""Processes running when the sysdiagnose was taken, from its ``ps.txt``.

Facts: plaso's ``apple_ps_txt`` text plugin (``plaso/parsers/text_plugins/apple_pstxt.py``) and
the EC-DIGIT-CSIRC sysdiagnose framework's ``ps`` parser: sysdiagnose runs ``ps`` with the
columns ``USER UID PRSNA PID PPID F %CPU %MEM PRI NI VSZ RSS WCHAN TT STAT STARTED TIME
COMMAND``; COMMAND is last and may hold spaces (the executable path, then its arguments).
STARTED is local, dateless text (``2:09PM``, ``Mon02PM``, ``2Jan23``): it is kept as printed,
never turned into a time by guessing the day, so ``ts`` is empty. Columns are taken by the
header's names, so a header with other or reordered columns still reads; a file without a
``PID`` and ``COMMAND`` header is a schema mismatch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import ExecPath, ProcessName, Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class SysdiagnoseProcess(Record):
    """One process of ``ps.txt`` (``row`` is its line)."""

    TYPE = "ios.sysdiagnose_ps"
    TS_DESC = "Process running at sysdiagnose time (no start date in ps.txt)"

    pid: int
    ppid: int | None
    user: str | None
    uid: int | None
    path: ExecPath  # first word of COMMAND
    process: ProcessName | None  # last component of ``path``
    arguments: str | None
    started: str | None  # STARTED as printed: local and without a date


PATHS = ("sysdiagnose:ps.txt",)
REQUIRED = ("PID", "COMMAND")


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _header(lines: list[str]) -> tuple[int, list[str]]:
    for number, line in enumerate(lines[:20], 1):
        names = line.split()
        if all(name in names for name in REQUIRED) and names[-1] == "COMMAND":
            return number, names
    raise SchemaMismatch("no ps header with PID and COMMAND columns")


def _record(fields: dict[str, str], number: int) -> SysdiagnoseProcess:
    command = fields["COMMAND"]
    path, _, arguments = command.partition(" ")
    name = path.rstrip("/").rpartition("/")[2] or None
    return SysdiagnoseProcess(
        ts=None,
        row=number,
        pid=int(fields["PID"]),
        ppid=_int(fields.get("PPID")),
        user=fields.get("USER"),
        uid=_int(fields.get("UID")),
        path=path,
        process=name,
        arguments=arguments.strip() or None,
        started=fields.get("STARTED"),
    )


@artifact(record=SysdiagnoseProcess, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[SysdiagnoseProcess]:
    """Processes running when the sysdiagnose was taken (ps.txt): path, user, pid, start."""
    lines = text.splitlines()
    start, names = _header(lines)
    for number, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            continue
        values = line.split(None, len(names) - 1)
        fields = dict(zip(names, values, strict=False))
        if len(values) != len(names) or not fields["PID"].isdigit():
            ctx.warn(f"unreadable ps line: {line.strip()[:80]!r}", number)
            continue
        yield _record(fields, number)
