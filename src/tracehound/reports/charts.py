"""The report's charts as inline SVG geometry (the template only draws it; the page runs no
script): the activity overview (timestamps per day, detections marked) and the lane chart of
one timeline window (one lane per artifact)."""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass

from tracehound.reports.derived import fmt_us
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.text import counted

#: A detection mark: (microseconds since the epoch, severity, label, anchor in the page).
Mark = tuple[int, str, str, str]

LANE_BINS = 120  # bins of a window's lane chart

_W = 960
_BIN_DAYS = (1, 2, 3, 7, 14, 30, 61, 91, 182, 365, 730, 1826, 3652)
_GAP_DAYS = 90  # days without any timestamp that separate two periods of activity
_DAY_US = 86_400_000_000
# The overview's plot area.
_LEFT, _TOP, _PLOT_W, _PLOT_H = 60.0, 10.0, _W - 70.0, 150.0
# The lane chart's plot area.
_LANE_LEFT, _LANE_TOP, _LANE_H = 250.0, 6.0, 16.0


@dataclass
class Shape:
    """A rectangle (bar, lane cell) or, with ``w == 0``, a vertical line."""

    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    shapes: list[Shape]
    marks: list[Shape]
    labels: list[Label]
    caption: str
    note: str = ""


def _density(count: int) -> str:
    return "d1" if count == 1 else "d2" if count <= 5 else "d3" if count <= 20 else "d4"


def _day_text(day: int) -> str:
    return fmt_us(day * _DAY_US)[:10]


def _mark_line(x: float, top: float, height: float, group: list[Mark]) -> Shape:
    worst = max(group, key=lambda m: _rank(m[1]))
    more = f" (+{len(group) - 1} more)" if len(group) > 1 else ""
    title = f"{fmt_us(worst[0])} {worst[2]}{more}"
    return Shape(x, top, 0, height, f"mark sev-{worst[1]}", title)


# --------------------------------------------------------------------------------------------
# Overview: timestamps per day over the acquisition
# --------------------------------------------------------------------------------------------


def _range(days: Counter[int], marks: list[Mark]) -> tuple[int, int]:
    """First and last day drawn. Days are split into periods at gaps of over 90 days (zero
    dates, clocks reset: outliers); the period drawn is the one with detections and the most
    timestamps, widened to detections within a year of it. The rest is counted, not drawn."""
    ordered = sorted(days)
    periods: list[list[int]] = [[ordered[0], ordered[0], 0]]
    for day in ordered:
        if day - periods[-1][1] > _GAP_DAYS:
            periods.append([day, day, 0])
        periods[-1][1] = day
        periods[-1][2] += days[day]
    marked = sorted({us // _DAY_US for us, *_ in marks})

    def score(period: list[int]) -> tuple[bool, int]:
        i = bisect.bisect_left(marked, period[0])
        return (i < len(marked) and marked[i] <= period[1], period[2])

    lo, hi, _ = max(periods, key=score)
    for day in marked:
        if lo - 365 <= day <= hi + 365:
            lo, hi = min(lo, day), max(hi, day)
    return lo, hi


@dataclass
class _Bins:
    """Timestamp counts of the drawn days, ``size`` days per bin."""

    lo: int  # first day drawn
    hi: int  # last day drawn
    size: int
    counts: list[int]
    before: int = 0  # timestamps before ``lo`` (not drawn)
    after: int = 0  # timestamps after ``hi`` (not drawn)

    @property
    def step(self) -> float:
        return _PLOT_W / len(self.counts)

    @property
    def peak(self) -> int:
        return max(self.counts) or 1


def _bin_days(days: Counter[int], marks: list[Mark]) -> _Bins:
    lo, hi = _range(days, marks)
    span = hi - lo + 1
    size = next((b for b in _BIN_DAYS if span / b <= 150), math.ceil(span / 150))
    bins = _Bins(lo, hi, size, [0] * math.ceil(span / size))
    for day, count in days.items():
        if day < lo:
            bins.before += count
        elif day > hi:
            bins.after += count
        else:
            bins.counts[(day - lo) // size] += count
    return bins


def _bars(bins: _Bins) -> list[Shape]:
    step, peak, size = bins.step, bins.peak, bins.size
    shapes = []
    for n, count in enumerate(bins.counts):
        if count:
            h = max(1.0, _PLOT_H * count / peak)
            start = bins.lo + n * size
            when = _day_text(start) if size == 1 else f"{_day_text(start)} + {size} days"
            shapes.append(
                Shape(
                    _LEFT + n * step,
                    _TOP + _PLOT_H - h,
                    max(step - 1, 1.0),
                    h,
                    "bar",
                    f"{when}: {count:,} timestamps",
                )
            )
    return shapes


def _overview_marks(bins: _Bins, marks: list[Mark]) -> list[Shape]:
    """One line per bin holding detections (the most severe one named)."""
    by_bin: dict[int, list[Mark]] = {}
    for mark in marks:
        day = mark[0] // _DAY_US
        if bins.lo <= day <= bins.hi:
            by_bin.setdefault((day - bins.lo) // bins.size, []).append(mark)
    step = bins.step
    return [
        _mark_line(_LEFT + (n + 0.5) * step, _TOP, _PLOT_H, group) for n, group in by_bin.items()
    ]


def _overview_labels(bins: _Bins) -> list[Label]:
    labels = [
        Label(_LEFT - 6, _TOP + 10, f"{bins.peak:,}", "end"),
        Label(_LEFT - 6, _TOP + _PLOT_H, "0", "end"),
    ]
    count = len(bins.counts)
    for n in range(0, count, max(1, count // 6)):
        x = _LEFT + n * bins.step
        side = "end" if x > _LEFT + _PLOT_W - 80 else "start"
        labels.append(Label(x, _TOP + _PLOT_H + 18, _day_text(bins.lo + n * bins.size), side))
    return labels


def _overview_notes(bins: _Bins, marks: list[Mark], overflow: int, unread: int) -> str:
    """What the chart does not draw: outlying days, detections outside, uncounted days,
    unreadable rows of timeline.csv."""
    notes = []
    if bins.before or bins.after:
        notes.append(
            f"Not drawn: {counted(bins.before, 'timestamp')} before {_day_text(bins.lo)} and "
            f"{bins.after:,} after {_day_text(bins.hi)} (outliers, e.g. zero dates)."
        )
    outside = sum(1 for us, *_ in marks if not bins.lo <= us // _DAY_US <= bins.hi)
    if outside:
        notes.append(f"Outside the drawn period: {counted(outside, 'detection')}.")
    if overflow:
        notes.append(f"Not counted: {counted(overflow, 'timestamp')} on too many distinct days.")
    if unread:
        notes.append(f"{counted(unread, 'row')} of timeline.csv could not be read (not counted).")
    return " ".join(notes)


def overview_chart(
    days: Counter[int], marks: list[Mark], overflow: int, unread: int = 0
) -> Chart | None:
    """Timestamps per day (or per bin of days) over the acquisition, detections marked;
    ``unread``: rows of timeline.csv that could not be read (said in the note)."""
    if not days:
        return None
    bins = _bin_days(days, marks)
    unit = "day" if bins.size == 1 else f"{bins.size} days"
    caption = f"Timestamps of all records per {unit} (UTC), {sum(days.values()):,} in all."
    return Chart(
        _W,
        int(_TOP + _PLOT_H + 28),
        _bars(bins),
        _overview_marks(bins, marks),
        _overview_labels(bins),
        caption,
        _overview_notes(bins, marks, overflow, unread),
    )


# --------------------------------------------------------------------------------------------
# Lane chart of one timeline window
# --------------------------------------------------------------------------------------------


def _lane_cells(start: int, end: int, lanes: dict[str, list[int]]) -> list[Shape]:
    """One cell per non-empty bin of each lane, shaded by its count."""
    step = (_W - _LANE_LEFT - 10) / LANE_BINS
    width = end - start
    shapes = []
    for n, name in enumerate(sorted(lanes)):
        y = _LANE_TOP + n * _LANE_H
        for b, count in enumerate(lanes[name]):
            if count:
                when = start + b * width // LANE_BINS
                title = f"{name}: {count:,} at {fmt_us(when, False)[11:16]}"
                shapes.append(
                    Shape(
                        _LANE_LEFT + b * step,
                        y + 2,
                        max(step, 1.0),
                        _LANE_H - 4,
                        f"cell {_density(count)}",
                        title,
                    )
                )
    return shapes


def _lane_labels(start: int, end: int, names: list[str], plot_h: float) -> list[Label]:
    """The lane names, then seven times along the bottom."""
    plot_w = _W - _LANE_LEFT - 10
    width = end - start
    labels = [
        Label(_LANE_LEFT - 6, _LANE_TOP + n * _LANE_H + 11, name, "end")
        for n, name in enumerate(names)
    ]
    for n in range(7):
        us = start + n * width // 6
        text = fmt_us(us, False)[11:16] if n not in (0, 6) else fmt_us(us, False)[5:16]
        side = "start" if n == 0 else "end" if n == 6 else "middle"
        labels.append(Label(_LANE_LEFT + n * plot_w / 6, _LANE_TOP + plot_h + 16, text, side))
    return labels


def lane_chart(start: int, end: int, lanes: dict[str, list[int]], marks: list[Mark]) -> Chart:
    """One lane per artifact over the window ``start``-``end``, shaded by how many timestamps
    fall in each of its ``LANE_BINS`` bins (``lanes``); detections are vertical lines (the
    delivery -> process -> clean-up sequence)."""
    names = sorted(lanes)
    plot_w = _W - _LANE_LEFT - 10
    plot_h = max(_LANE_H, _LANE_H * len(names))
    lines = [
        _mark_line(_LANE_LEFT + (m[0] - start) * plot_w / (end - start), _LANE_TOP, plot_h, [m])
        for m in marks
    ]
    caption = "Record timestamps per artifact (darker: more), detections as lines (UTC)."
    return Chart(
        _W,
        int(_LANE_TOP + plot_h + 24),
        _lane_cells(start, end, lanes),
        lines,
        _lane_labels(start, end, names, plot_h),
        caption,
    )
