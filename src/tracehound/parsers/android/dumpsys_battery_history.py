"""App events (jobs, top app, alarms, installs) from the battery history in dumpsys batterystats.

Facts: AOSP ``BatteryStats.HistoryPrinter`` prints, after ``Battery History (...):``, one line
per history item: the time since the history start (``TimeUtils.formatDuration``: ``0``,
``+47s645ms``, ``+1h26m18s315ms``; newer builds may print ``MM-dd HH:mm:ss.SSS``), the command
``(2)``, the battery level and the changes. ``RESET:TIME: yyyy-MM-dd-HH-mm-ss`` and ``TIME: ...``
give the device-local wall clock at that item. Events carrying a tag are printed
``[+-]<name>=<uid>:"<string>"``: ``+job``/``-job`` (``<uid>:"pkg/.Service"``), ``+top``/``-top``,
``+wake_lock`` (``*walarm*:<alarm>`` for alarms), ``pkginst``/``pkgunin`` (the number is the
version code there). MVT ``dumpsys_battery_history.py`` reads job, wake (alarm) and top events.
Only events whose tag names a package are yielded; the time is the history clock where known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, PACKAGE_RE, DeviceClock, Dumpsys, sections

_LINE_RE = re.compile(r"^\s*(\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}|[+-]?[0-9dhms]+) \(\d+\) (.*)$")
_CLOCK_RE = re.compile(r"(?:^|\s)(?:RESET:)?TIME: (\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)")
_TAG_RE = re.compile(r'(?:^|\s)([+-]?)([a-z_]+)=([^\s:"]+):"([^"]*)"')
_OFFSET_RE = re.compile(r"^\+?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")
_WAKE_PREFIXES = ("*walarm*:", "*alarm*:", "*job*/", "*sync*/")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryHistoryEvent(Record):
    """One tagged battery history event naming a package."""

    TYPE = "android.dumpsys_battery_history"
    TS_DESC = "Battery history event"

    time_elapsed: str  # as printed: "+1h26m18s315ms" or "01-04 17:30:01.123"
    event: str  # e.g. "+job", "-job", "+top", "+wake_lock", "pkginst"
    uid: str  # as printed (u0a94, 1000); the version code for pkginst/pkgunin
    package: AppId
    tag: str  # the event's string, e.g. "com.example/.SyncJob"


def _offset(text: str) -> timedelta | None:
    if text == "0":
        return timedelta(0)
    match = _OFFSET_RE.match(text)
    if match is None or not text.startswith("+"):
        return None  # legacy (KitKat) negative offsets count back from the dump: no clock
    d, h, m, s, ms = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s, milliseconds=ms)


def _package(name: str, tag: str) -> str | None:
    if name.startswith("wake_lock"):
        prefix = next((p for p in _WAKE_PREFIXES if tag.startswith(p)), None)
        if prefix is None:
            return None
        tag = tag[len(prefix) :]
    candidate = tag.split("/", 1)[0].strip()
    return candidate if PACKAGE_RE.fullmatch(candidate) else None


class _Clock:
    """Wall clock of the history: the last TIME mark plus the elapsed time since it."""

    def __init__(self, clock: DeviceClock) -> None:
        self.device = clock
        self.base: datetime | None = None  # aware UTC at the last TIME mark
        self.base_local: datetime | None = None
        self.base_offset = timedelta(0)

    def mark(self, local_text: str, offset: timedelta | None) -> None:
        self.base = self.device.parse(local_text, "battery history TIME")
        self.base_local = datetime.strptime(local_text, "%Y-%m-%d-%H-%M-%S") if self.base else None
        self.base_offset = offset or timedelta(0)

    def at(self, stamp: str, offset: timedelta | None) -> datetime | None:
        if offset is not None and self.base is not None:
            return self.base + (offset - self.base_offset)
        if " " in stamp and self.base_local is not None:  # MM-dd HH:mm:ss.SSS, year of the mark
            return self.device.parse(f"{self.base_local.year}-{stamp}", "battery history time")
        return None


def _parse(lines: Iterator[str], ctx: ParseContext, clock: _Clock) -> Iterator[BatteryHistoryEvent]:
    seen = understood = 0
    for line in lines:
        if not line.strip():
            break
        seen += 1
        match = _LINE_RE.match(line)
        if match is None:
            continue
        understood += 1
        stamp, rest = match.group(1), match.group(2)
        offset = _offset(stamp)
        if mark := _CLOCK_RE.search(rest):
            clock.mark(mark.group(1), offset)
        for tag in _TAG_RE.finditer(rest):
            sign, name, uid, value = tag.groups()
            package = _package(name, value)
            if package is None:
                continue
            yield BatteryHistoryEvent(
                ts=clock.at(stamp, offset), time_elapsed=stamp, event=sign + name, uid=uid,
                package=package, tag=value,
            )  # fmt: skip
    if seen and not understood:
        ctx.warn("battery history lines not understood")


@artifact(record=BatteryHistoryEvent, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[BatteryHistoryEvent]:
    """Package events (jobs, top app, alarms, installs) in the battery history (dumpsys)."""
    clock = DeviceClock(ctx)
    for _, body in sections(dump, ("batterystats",)):
        lines = iter(body.splitlines())
        if not any(line.startswith("Battery History ") for line in lines):
            if body.strip():
                ctx.warn("batterystats section has no 'Battery History' part")
            continue
        yield from _parse(lines, ctx, _Clock(clock))
