"""Package updates and uninstalls per day, from the daily stats of ``dumpsys batterystats``.

Facts: AOSP ``BatteryStats.dumpLocked`` prints ``Daily stats:``, ``  Current start time:
yyyy-MM-dd-HH-mm-ss``, ``  Current daily steps:`` (today) and one ``  Daily from <start> to
<end>:`` per past day (newest first; ``DateFormat.format`` in device-local time). Each day may hold
``    Package changes:`` with ``      Update <package> vers=<versionCode>`` or ``      Uninstall
<package>`` lines (``dumpDailyPackageChanges``). MVT ``dumpsys_battery_daily.py`` reads the same
lines, merges repeats within a day, and flags version 0 (uninstall) and downgrades. Days are
processed oldest first here so that a lower version than the previous one is a downgrade.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, DeviceClock, Dumpsys, indent, sections

_DAY_RE = re.compile(r"^  Daily from (\S+) to (\S+):$")
_CURRENT_RE = re.compile(r"^  Current start time: (\S+)$")
_CHANGE_RE = re.compile(r"^(Update|Uninstall) (\S+)(?: vers=(-?\d+))?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryDailyChange(Record):
    """One package change recorded during one day (repeats within the day merged)."""

    TYPE = "android.dumpsys_battery_daily"
    TS_DESC = "Package change recorded (start of the day)"

    period_end: datetime | None  # None for the current day
    action: str  # "update", "downgrade" or "uninstall"
    package: AppId
    version_code: int | None
    previous_version: int | None  # for a downgrade: the version seen before
    occurrences: int


@dataclass
class _Day:
    start: datetime | None
    end: datetime | None
    changes: dict[tuple[str, str, int | None], int]


def _days(text: str, ctx: ParseContext, clock: DeviceClock) -> list[_Day]:
    days: list[_Day] = []
    current_start: datetime | None = None
    day: _Day | None = None
    changes_depth = -1
    for line in text.splitlines():
        if match := _CURRENT_RE.match(line):
            current_start = clock.parse(match.group(1), "daily start time")
        elif line.startswith("  Current daily steps:"):
            day = _Day(current_start, None, {})
            days.append(day)
        elif match := _DAY_RE.match(line):
            day = _Day(clock.parse(match.group(1), "day start"), clock.parse(match.group(2)), {})
            days.append(day)
        elif line.startswith("  Daily from "):
            ctx.warn(f"daily stats header not understood: {line.strip()[:80]!r}")
            day = None
        elif day is not None and line.strip() == "Package changes:":
            changes_depth = indent(line)
        elif day is not None and changes_depth >= 0 and indent(line) > changes_depth:
            change = _CHANGE_RE.match(line.strip())
            if change is None:
                ctx.warn(f"package change not understood: {line.strip()[:80]!r}")
                continue
            version = int(change.group(3)) if change.group(3) is not None else None
            action = "uninstall" if change.group(1) == "Uninstall" or version == 0 else "update"
            key = (action, change.group(2), version)
            day.changes[key] = day.changes.get(key, 0) + 1
        elif line.strip():
            changes_depth = -1
            if indent(line) == 0:
                day = None
    return days


def _records(days: list[_Day]) -> Iterator[BatteryDailyChange]:
    latest: dict[str, int] = {}
    order = sorted(days, key=lambda d: (d.start is None, d.start or datetime.min, d.end is None))
    for day in order:
        for (action, package, version), count in day.changes.items():
            previous = None
            if action == "uninstall":
                latest.pop(package, None)
            elif version is not None:
                if package in latest and version < latest[package]:
                    action, previous = "downgrade", latest[package]
                latest[package] = version
            yield BatteryDailyChange(
                ts=day.start,
                period_end=day.end,
                action=action,
                package=package,
                version_code=version,
                previous_version=previous,
                occurrences=count,
            )


@artifact(record=BatteryDailyChange, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[BatteryDailyChange]:
    """Package updates, downgrades and uninstalls per day (dumpsys batterystats daily stats)."""
    clock = DeviceClock(ctx)
    for _, body in sections(dump, ("batterystats",)):
        if body.strip() and "Daily stats:" not in body:
            ctx.warn("batterystats section has no 'Daily stats:' part")
            continue
        yield from _records(_days(body, ctx, clock))
