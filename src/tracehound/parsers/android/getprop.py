"""Android system properties: androidqf's getprop.txt and the getprop section of a bugreport.

Facts: androidqf ``modules/getprop.go`` saves the output of ``adb shell getprop``: one
``[name]: [value]`` line per property, sorted by name; a value may span lines (it ends at the
line that ends with ``]``). A bugreport's dumpstate text holds the same output in the section
that starts with ``------ SYSTEM PROPERTIES (getprop) ------`` and ends at the next ``------``
line (dumpstate's ``------ 0.03s was the duration of 'SYSTEM PROPERTIES' ------``); MVT
``DumpsysGetProp`` reads only that section. MVT matches ``android-property:name`` indicators on
the name and checks ``ro.build.version.security_patch`` (``YYYY-MM-DD``).

Each record carries ``acquired``, the acquisition time from the device facts (``acquired``,
else ``acquisition_started`` of androidqf, else ``bugreport_date``), so that age checks judge an
old acquisition by its own date rather than by today's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import PropName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import localize
from tracehound.parsers.android._aqf import check_text

SECTION = "------ SYSTEM PROPERTIES"
_START = re.compile(r"\[([^\[\]]+)\]: \[(.*)\Z", re.DOTALL)
_WHOLE = re.compile(r"\[[\w.\-:@]+\]: \[.*\]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Property(Record):
    """One system property as read at acquisition time."""

    TYPE = "android.getprop"
    TS_DESC = "No time (property at acquisition)"

    name: PropName
    value: str
    acquired: datetime | None  # acquisition start (device facts): reference date for age checks
    origin: str  # "getprop" (androidqf getprop.txt) or "dumpstate" (bugreport section)


#: Device-fact keys holding when the acquisition was made, in order of preference: the generic
#: name, androidqf's acquisition.json ``started``, and the bugreport's dumpstate header date.
ACQUISITION_KEYS = ("acquired", "acquisition_started", "bugreport_date")


def acquisition_time(ctx: ParseContext) -> datetime | None:
    """The acquisition time from the device facts (ISO text), as aware UTC, or None."""
    value = next((ctx.device[k] for k in ACQUISITION_KEYS if ctx.device.get(k)), None)
    if isinstance(value, datetime):
        return localize(value, ctx.device.get("timezone"))
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        ctx.warn(f"acquisition time in the device facts is not ISO 8601: {value[:80]!r}")
        return None
    return localize(parsed, ctx.device.get("timezone"))


def _lines(text: str, ctx: ParseContext) -> tuple[list[str], int, str]:
    """The lines to read, the line number of the first one, and the origin."""
    at = text.find(SECTION)
    while at > 0 and text[at - 1] != "\n":
        at = text.find(SECTION, at + 1)
    if at < 0:
        if ctx.path.startswith("bugreport:"):
            raise SchemaMismatch("no '------ SYSTEM PROPERTIES' section in the dumpstate text")
        return text.splitlines(), 1, "getprop"
    first = text.count("\n", 0, at) + 2
    end = text.find("\n------", at + len(SECTION))
    return text[at : end if end >= 0 else len(text)].splitlines()[1:], first, "dumpstate"


def _properties(lines: list[str], first: int, ctx: ParseContext) -> Iterator[tuple[int, str, str]]:
    pending: tuple[int, str, list[str]] | None = None
    for number, raw in enumerate(lines, first):
        line = raw.rstrip("\r")
        if pending is not None and _WHOLE.fullmatch(line.rstrip()):
            ctx.warn(f"value of {pending[1]!r} is not closed by ']'", pending[0])
            yield pending[0], pending[1], "\n".join(pending[2])
            pending = None
        if pending is not None:
            if line.rstrip().endswith("]"):
                pending[2].append(line.rstrip()[:-1])
                yield pending[0], pending[1], "\n".join(pending[2])
                pending = None
            else:
                pending[2].append(line)
            continue
        match = _START.match(line)
        if match is None:
            if line.strip():
                ctx.warn(f"not a '[name]: [value]' line: {line[:80]!r}", number)
            continue
        name, rest = match.group(1), match.group(2).rstrip()
        if rest.endswith("]"):
            yield number, name, rest[:-1]
        else:
            pending = (number, name, [rest])
    if pending is not None:
        ctx.warn(f"value of {pending[1]!r} is not closed by ']'", pending[0])
        yield pending[0], pending[1], "\n".join(pending[2])


@artifact(record=Property, input="text", paths=("androidqf:getprop.txt", "bugreport:dumpstate.txt"))
def parse(text: str, ctx: ParseContext) -> Iterator[Property]:
    """System properties (getprop): build, security patch level, time zone, SIM operator..."""
    lines, first, origin = _lines(text, ctx)
    check_text("\n".join(lines[:50]), "getprop output")
    acquired = acquisition_time(ctx)
    found = 0
    for number, name, value in _properties(lines, first, ctx):
        found += 1
        yield Property(
            ts=None, row=number, name=name, value=value, acquired=acquired, origin=origin
        )
    if not found and any(line.strip() for line in lines):
        raise SchemaMismatch("no '[name]: [value]' property line")
