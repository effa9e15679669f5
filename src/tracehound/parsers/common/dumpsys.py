"""Split ``dumpsys`` output into per-service sections, and helpers shared by dumpsys parsers.

Facts (AOSP ``frameworks/native/cmds/dumpsys/dumpsys.cpp``): when dumping more than one
service, dumpsys writes a line of 79 dashes, then ``DUMP OF SERVICE <name>:`` (or
``DUMP OF SERVICE <PRIORITY> <name>:`` with ``--priority CRITICAL|HIGH``), the service's dump, and
a footer ``--------- 0.004s was the duration of dumpsys <name>, ending at: <local time>``.
androidqf's ``dumpsys.txt`` is plain ``adb shell dumpsys`` (androidqf ``modules/dumpsys.go``).
A bugreport's dumpstate text wraps the same sections in ``------ DUMPSYS CRITICAL
(/system/bin/dumpsys) ------``, ``------ DUMPSYS HIGH ...`` and ``------ DUMPSYS ...`` blocks
(AOSP ``frameworks/native/cmds/dumpstate/dumpstate.cpp``, ``RunDumpsysText``), each service
with its own header and footer.

The splitter finds headers with one regular-expression scan and copies only the sections asked
for, so a dumpstate of hundreds of megabytes is read once and never copied whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.registry import Reader
from tracehound.core.timeutil import known_zone, localize

HEADER_RE = re.compile(
    r"^DUMP OF SERVICE (?:(CRITICAL|HIGH|NORMAL) )?(\S[^\r\n]*?):[ \t]*\r?$", re.M
)
FOOTER_RE = re.compile(
    r"^--------- [0-9.]+s was the duration of dumpsys [^\r\n]*?, ending at: ([^\r\n]*?)\r?$", re.M
)
_HEADER_PREFIX = "DUMP OF SERVICE "
_FOOTER_PREFIX = "\n--------- "
#: Android package names: at least two dot-separated Java identifiers (PackageParser rules).
PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_HEX_RE = re.compile(r"[0-9a-f]+")
_LOCAL_TIME_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ -](\d\d)[:-](\d\d)[:-](\d\d)(?:\.(\d{1,6}))?$")


@dataclass(frozen=True, slots=True)
class Section:
    """Where one service's dump lies in the text: ``text[start:end]`` is its body."""

    name: str
    priority: str  # "" for a normal dump, else "CRITICAL", "HIGH" or "NORMAL"
    start: int
    end: int
    ended_at: str | None  # the footer's "ending at" device-local time, if there is a footer

    def body(self, text: str) -> str:
        return text[self.start : self.end]


def _headers(text: str) -> Iterator[re.Match[str]]:
    """Header lines, found with ``str.find`` (far faster than a multi-line regex scan)."""
    at = text.find(_HEADER_PREFIX)
    while at >= 0:
        if at == 0 or text[at - 1] == "\n":
            match = HEADER_RE.match(text, at)
            if match is not None:
                yield match
        at = text.find(_HEADER_PREFIX, at + 1)


def _footer(text: str, start: int, limit: int) -> re.Match[str] | None:
    at = text.find(_FOOTER_PREFIX, max(start - 1, 0), limit)
    while at >= 0:
        match = FOOTER_RE.match(text, at + 1)
        if match is not None:
            return match
        at = text.find(_FOOTER_PREFIX, at + 1, limit)
    return None


def _section(text: str, header: re.Match[str], limit: int) -> Section:
    start = header.end()
    if text.startswith("\n", start):
        start += 1
    footer = _footer(text, start, limit)
    if footer is not None:
        end, ended_at = footer.start(), footer.group(1)
    else:
        end, ended_at = _drop_separator(text, start, limit), None
    return Section(header.group(2), header.group(1) or "", start, max(start, end), ended_at)


def find_sections(
    text: str, services: Collection[str] | None = None, priorities: Collection[str] | None = None
) -> Iterator[Section]:
    """The ``DUMP OF SERVICE`` sections of ``text`` in order, as offsets (nothing is copied).

    Only sections of the requested ``services`` and header ``priorities`` ("" for normal
    dumps, "CRITICAL", "HIGH") are measured and yielded; None means all.
    """
    headers = _headers(text)
    current = next(headers, None)
    while current is not None:
        following = next(headers, None)
        if _asked(current.group(2), current.group(1) or "", services, priorities):
            yield _section(text, current, following.start() if following else len(text))
        current = following


def _asked(
    name: str, priority: str, services: Collection[str] | None, priorities: Collection[str] | None
) -> bool:
    """Whether a section of service ``name`` and header ``priority`` was asked for."""
    return (services is None or name in services) and (priorities is None or priority in priorities)


def _drop_separator(text: str, start: int, end: int) -> int:
    """Cut a trailing line of dashes (the next header's separator) from ``text[start:end]``."""
    if end > start and text[end - 1] == "\n":
        line_start = text.rfind("\n", start, end - 1) + 1
        line = text[max(line_start, start) : end].strip()
        if len(line) >= 20 and not line.strip("-"):
            return max(line_start, start)
    return end


@dataclass(frozen=True, slots=True)
class Dumpsys:
    """A dumpsys output with every section found in one scan: what the ``android.dumpsys``
    reader gives its ten artifacts, so a dumpstate of hundreds of megabytes is scanned once,
    not once per service parser."""

    text: str
    found: tuple[Section, ...]

    @classmethod
    def index(cls, text: str) -> Dumpsys:
        return cls(text, tuple(find_sections(text)))


#: The dumpsys output of an androidqf acquisition (``adb shell dumpsys``) or of a bugreport
#: (inside dumpstate.txt), read once for every dumpsys artifact.
DUMPSYS = Reader(
    name="android.dumpsys",
    input="text",
    paths=("androidqf:dumpsys.txt", "bugreport:dumpstate.txt"),
    description="dumpsys service sections, found in one scan for every dumpsys artifact",
    prepare=Dumpsys.index,
)


def sections(
    dump: str | Dumpsys,
    services: Collection[str] | None = None,
    priorities: Collection[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """Yield (service name, section text) for the requested services (all when None).

    ``priorities`` limits to header priorities ("" for normal dumps, "CRITICAL", "HIGH").
    Only the requested sections are copied out of the text.
    """
    if isinstance(dump, Dumpsys):
        text = dump.text
        found: Iterator[Section] | tuple[Section, ...] = tuple(
            s for s in dump.found if _asked(s.name, s.priority, services, priorities)
        )
    else:
        text = dump
        found = find_sections(text, services, priorities)
    for section in found:
        yield section.name, section.body(text)


def indent(line: str) -> int:
    """Number of leading spaces of ``line``."""
    return len(line) - len(line.lstrip(" "))


def package_of_component(component: str) -> str | None:
    """The package of ``pkg/.Class`` or ``pkg/full.Class``, if it looks like a package name."""
    package = component.split("/", 1)[0].strip()
    return package if PACKAGE_RE.fullmatch(package) else None


def full_component(component: str) -> str:
    """``pkg/.Cls`` (ComponentName.flattenToShortString) expanded to ``pkg/pkg.Cls``."""
    package, sep, cls = component.partition("/")
    if sep and cls.startswith("."):
        return f"{package}/{package}{cls}"
    return component


def resolver_table(section: str, title: str, ctx: ParseContext) -> Iterator[tuple[str, str, str]]:
    """(sub-table, key, component) of one ``dumpsys package`` resolver table.

    Facts (AOSP ``IntentResolver.dump``/``dumpMap``; MVT ``dumpsys_package_activities.py``):
    ``<title>`` at column 0, sub-tables such as ``  Non-Data Actions:`` or ``  Schemes:`` at
    two spaces, keys (action, scheme or MIME type) at six spaces ending in ``:``, and one
    ``<hash> <package>/<class>[ filter <hash>]`` line per filter at eight spaces.
    """
    lines = iter(section.splitlines())
    for line in lines:
        if line.rstrip() == title:
            break
    else:
        return
    table = key = None
    for line in lines:
        if not line.strip():
            continue
        depth = indent(line)
        if depth == 0:
            return
        stripped = line.strip()
        if depth <= 2 and stripped.endswith(":"):
            table, key = stripped[:-1], None
        elif depth <= 6 and stripped.endswith(":"):
            key = stripped[:-1]
        elif depth >= 8 and table and key:
            parts = stripped.split()
            if len(parts) >= 2 and _HEX_RE.fullmatch(parts[0]) and "/" in parts[1]:
                yield table, key, parts[1]
            elif depth == 8:
                ctx.warn(f"{title} entry not understood: {stripped[:80]!r}")
        else:
            ctx.warn(f"{title} line not understood: {stripped[:80]!r}")


class DeviceClock:
    """Device-local wall-clock text to aware UTC, in the device's zone (``ctx.device``).

    Android prints dumpsys times in local time without a zone (SimpleDateFormat, DateFormat,
    localtime). With no known zone the times are taken as UTC and the run is warned once.
    """

    def __init__(self, ctx: ParseContext) -> None:
        self._ctx = ctx
        zone = ctx.device.get("timezone")
        self._zone = zone if isinstance(zone, str) and known_zone(zone) else None
        self._warned = False

    def parse(self, value: str, name: str = "time") -> datetime | None:
        """``yyyy-MM-dd HH:mm:ss[.SSS]`` or ``yyyy-MM-dd-HH-mm-ss``; bad text is a warning."""
        match = _LOCAL_TIME_RE.match(value.strip())
        try:
            if match is None:
                raise ValueError(value)
            g = match.groups()
            micro = int((g[6] or "0").ljust(6, "0"))
            naive = datetime(
                int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), micro
            )
        except ValueError:
            self._ctx.warn(f"{name} is not a valid time: {value.strip()[:80]!r}")
            return None
        result = self.localize(naive)
        if result is None:
            self._ctx.warn(f"{name} is out of range: {value.strip()[:80]!r}")
        return result

    def localize(self, naive: datetime) -> datetime | None:
        if self._zone is None and not self._warned:
            self._warned = True
            self._ctx.warn("device time zone unknown: device-local times are taken as UTC")
        return localize(naive, self._zone)
