"""Find one ``------ TITLE (command) ------`` section of a bugreport's dumpstate text.

Facts (AOSP ``frameworks/native/cmds/dumpstate/dumpstate.cpp`` and ``DumpstateUtil``):
``RunCommand(title, ...)`` and ``DumpFile(title, path)`` print ``------ TITLE (command or path)
------``, the output, then ``------ 0.012s was the duration of 'TITLE' ------``; a section with
no output is followed directly by that closing line. The process list is ``RunCommand("PROCESSES
AND THREADS", {"ps", "-A", "-T", "-Z", "-O", "pri,nice,rtprio,sched,pcy,time"})``. No artifact is
registered here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DumpstateSection:
    """The lines of one section (without its title and closing line) and where they start."""

    title: str  # the whole title line, e.g. "------ PROCESSES AND THREADS (ps -A ...) ------"
    lines: list[str]
    first_line: int  # 1-based line number of ``lines[0]`` in the dumpstate text


def _line_start(text: str, marker: str) -> int:
    """Offset of the first line that starts with ``marker``, or -1."""
    at = text.find(marker)
    while at > 0 and text[at - 1] != "\n":
        at = text.find(marker, at + 1)
    return at


def find_section(text: str, title: str) -> DumpstateSection | None:
    """The first section titled ``title`` (``------ <title> (`` at the start of a line)."""
    at = _line_start(text, f"------ {title} (")
    if at < 0:
        return None
    head_end = text.find("\n", at)
    if head_end < 0:
        return DumpstateSection(text[at:].rstrip("\r"), [], text.count("\n", 0, at) + 2)
    end = text.find("\n------", head_end)
    body = text[head_end + 1 : end + 1 if end >= 0 else len(text)]
    first = text.count("\n", 0, head_end) + 2
    return DumpstateSection(text[at:head_end].rstrip("\r"), body.splitlines(), first)
