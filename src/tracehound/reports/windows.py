"""The timeline windows of the HTML report: the records around detections, and per-day counts.

Windows of ``Limits.window`` either side of each detection are merged and the most severe kept;
one streaming pass over records/ then counts timestamps per day (for the overview chart) and
keeps, per window, the rows closest to a detection (a bounded heap), so memory stays flat.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.core.registry import Severity, record_types
from tracehound.reports.charts import LANE_BINS, Chart, Mark, lane_chart
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_str as _str
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import fmt_us, iter_jsonl, to_us
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.detections import DetectionIndex, record_key, row_key
from tracehound.reports.limits import Limits
from tracehound.reports.redact import record_summary, redact_path

_MAX_MARKS = 200  # detection marks per window
_DAY_US = 86_400_000_000


@dataclass
class TimelineRow:
    """One timestamp of a record (or a detection) in a window."""

    us: int
    when: str
    desc: str
    artifact: str
    text: str
    path: str
    row: str
    severity: str = ""
    is_detection: bool = False
    anchor: str = ""
    redacted: bool = False


@dataclass
class Window:
    """The records around one or more nearby detections."""

    start: int
    end: int
    marks: list[Mark]  # (us, severity, label, anchor)
    severity: str = "info"
    total: int = 0  # record timestamps in the window
    heap: list[tuple[int, int, TimelineRow]] = field(default_factory=list)
    rows: list[TimelineRow] = field(default_factory=list)
    lanes: dict[str, list[int]] = field(default_factory=dict)
    chart: Chart | None = None

    @property
    def title(self) -> str:
        return f"{fmt_us(self.start, False)} to {fmt_us(self.end, False)} UTC"

    @property
    def hidden(self) -> int:
        return self.total - sum(1 for r in self.rows if not r.is_detection)


def build_windows(index: DetectionIndex, limits: Limits) -> tuple[list[Window], int]:
    """Merged windows around the detections of severity medium or more (all, if none is);
    the most severe ``max_windows`` are kept. Returns the windows and how many were left out."""
    floor = Severity.MEDIUM.rank
    times = sorted(index.times)
    anchors = [t for t in times if _rank(t[1]) >= floor] or times
    span = int(limits.window.total_seconds() * 1_000_000)
    merged: list[Window] = []
    for us, severity, _, _ in anchors:
        if merged and us - span <= merged[-1].end:
            merged[-1].end = max(merged[-1].end, us + span)
        else:
            merged.append(Window(start=us - span, end=us + span, marks=[]))
        if _rank(severity) > _rank(merged[-1].severity):
            merged[-1].severity = severity
    chosen = sorted(merged, key=lambda w: (-_rank(w.severity), w.start))[: limits.max_windows]
    chosen.sort(key=lambda w: w.start)
    starts = [w.start for w in chosen]
    for mark in times:
        i = bisect.bisect_right(starts, mark[0]) - 1
        if i >= 0 and mark[0] <= chosen[i].end and len(chosen[i].marks) < _MAX_MARKS:
            chosen[i].marks.append(mark)
    return chosen, len(merged) - len(chosen)


def _detection_rows(window: Window) -> list[TimelineRow]:
    """The window's detections as rows of its timeline."""
    return [
        TimelineRow(
            us=us,
            when=fmt_us(us),
            desc="Detection",
            artifact="",
            text=label,
            path="",
            row="",
            severity=severity,
            is_detection=True,
            anchor=anchor,
        )
        for us, severity, label, anchor in window.marks
    ]


class RecordScan:
    """One pass over records/: per-day counts for the chart, and the rows of each window."""

    def __init__(
        self, windows: list[Window], index: DetectionIndex, limits: Limits, redact: bool
    ) -> None:
        self.windows = windows
        self.starts = [w.start for w in windows]
        self.marks = [sorted(m[0] for m in w.marks) for w in windows]
        self.index = index
        self.limits = limits
        self.redact = redact
        self.days: Counter[int] = Counter()
        self.overflow = 0
        self.total = 0
        self.records = 0
        self.bad_lines = [0]
        self.seq = itertools.count()

    def run(self, folder: Path) -> None:
        classes = record_types()
        for path in sorted((folder / "records").glob("*.jsonl")):
            artifact = path.stem
            cls = classes.get(artifact)
            fields: list[tuple[str, str]] = [("ts", cls.TS_DESC if cls else "Time")]
            fields.extend(cls.EXTRA_TIMES if cls else ())
            for rec in iter_jsonl(path, self.bad_lines):
                self.records += 1
                for name, desc in fields:
                    us = to_us(rec.get(name))
                    if us is not None:
                        self._time(us, desc, artifact, rec)

    def _time(self, us: int, desc: str, artifact: str, rec: dict[str, Any]) -> None:
        self.total += 1
        day = us // _DAY_US
        if day in self.days or len(self.days) < self.limits.max_days:
            self.days[day] += 1
        else:
            self.overflow += 1
        i = bisect.bisect_right(self.starts, us) - 1
        if i >= 0 and us <= self.windows[i].end:
            self._offer(i, us, desc, artifact, rec)

    def _involved(
        self, artifact: str, path: str, rec: dict[str, Any]
    ) -> tuple[tuple[str, str] | None, bool]:
        """The (severity, anchor) of the detection of this very record, if any; and whether
        the record is involved in a detection at all (itself, or its row as evidence)."""
        found = self.index.by_key.get(record_key(artifact, path, rec))
        key = row_key(artifact, path, rec.get("row"))
        return found, found is not None or (key is not None and key in self.index.involved_rows)

    def _distance(self, i: int, us: int) -> int:
        """How far ``us`` is from the nearest detection of window ``i``."""
        marks = self.marks[i]
        j = bisect.bisect_left(marks, us)
        near = [abs(us - marks[k]) for k in (j - 1, j) if 0 <= k < len(marks)]
        return min(near, default=0)

    def _offer(self, i: int, us: int, desc: str, artifact: str, rec: dict[str, Any]) -> None:
        window = self.windows[i]
        window.total += 1
        lane = window.lanes.setdefault(artifact, [0] * LANE_BINS)
        lane[
            min(LANE_BINS - 1, (us - window.start) * LANE_BINS // (window.end - window.start))
        ] += 1
        path = _str(_dict(rec.get("_provenance")).get("path"))
        found, involved = self._involved(artifact, path, rec)
        distance = 0 if involved else self._distance(i, us)
        heap = window.heap
        if len(heap) >= self.limits.rows_per_window and -heap[0][0] <= distance:
            return
        redacted = self.redact and not involved
        row = TimelineRow(
            us=us,
            when=fmt_us(us),
            desc=desc,
            artifact=artifact,
            text=record_summary(rec, redacted, self.limits.text_chars),
            path=redact_path(path) if redacted else _text(path, self.limits.text_chars),
            row=_text(rec.get("row"), 20),
            severity=found[0] if found else ("related" if involved else ""),
            anchor=found[1] if found else "",
            redacted=redacted,
        )
        item = (-distance, next(self.seq), row)
        if len(heap) >= self.limits.rows_per_window:
            heapq.heapreplace(heap, item)
        else:
            heapq.heappush(heap, item)

    def finish(self) -> None:
        """Sort each window's rows (its detections among them) and draw its lane chart."""
        for window in self.windows:
            rows = [item[2] for item in window.heap]
            rows.extend(_detection_rows(window))
            rows.sort(key=lambda r: (r.us, r.is_detection))
            window.rows = rows
            window.heap = []
            window.chart = lane_chart(window.start, window.end, window.lanes, window.marks)


def scan_records(
    folder: Path, windows: list[Window], index: DetectionIndex, limits: Limits, redact: bool
) -> RecordScan:
    """Fill ``windows`` from the records of the results folder ``folder``; return the scan
    (per-day counts, records read, unreadable lines)."""
    scan = RecordScan(windows, index, limits, redact)
    scan.run(folder)
    scan.finish()
    return scan
