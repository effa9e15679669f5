"""``report.html``: one self-contained case report an analyst can read offline and share.

Built from the results folder alone (run.json, detections.jsonl, records/), in bounded memory:
detections and records are read one line at a time; only the records near a detection (a window
of one hour either side by default, capped per window) and per-day counts for the activity chart
are kept. Charts are inline SVG drawn here, so the page runs no script at all.

Everything shown came from the device and is attacker-controlled. The page is rendered by
jinja2 with autoescaping on every value, plus ``printable`` (control and bidirectional
characters made visible, Unicode TR #36); device URLs are text, never links; a
Content-Security-Policy forbids every fetch and every script, and allows only the page's own
style sheet by its hash (W3C CSP Level 3, "hash-source"). With ``redact=True``, message bodies,
contacts, web history and other personal content of records not involved in a detection are
left out, so the report can go to people who must not see the victim's private life.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import heapq
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from tracehound.core.registry import Severity, artifacts, detectors, record_types
from tracehound.reports import explain
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_int as _int
from tracehound.reports.derived import as_list as _list
from tracehound.reports.derived import as_str as _str
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import (
    fmt_us,
    iter_jsonl,
    load_run,
    register,
    to_us,
)
from tracehound.reports.derived import severity_of as _sev
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.sightings import SIGHTINGS_NAME
from tracehound.reports.text import printable

REPORT_NAME = "report.html"
REDACTED_NAME = "report-redacted.html"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REDACTED = "[redacted]"

#: Record fields still shown for records outside any detection in a redacted report: booleans
#: and these enumerations, which say what kind of event it was without saying who or what.
_REDACT_KEEP = frozenset(
    [
        "direction",
        "service",
        "text_source",
        "transition_type",
        "redirect",
        "operation",
        "access",
        "schema",
        "value_type",
        "id_status",
    ]
)
#: Path segments that name an app (container ids, package folders): hidden when redacting.
_APP_SEGMENT = re.compile(
    r"(/Containers/(?:Data|Shared)/(?:Application|AppGroup|PluginKitPlugin|System|SystemGroup)/"
    r"|/containers/(?:Data|Shared)/(?:System|SystemGroup)/|/data/data/|/data/user/\d+/"
    r"|/data/user_de/\d+/|ab:apps/)[^/]+"
)
_STATUS_LABELS = {
    "ran": "ran",
    "not_present": "absent",
    "schema_mismatch": "mismatched",
    "error": "failed",
}
#: Acquisition facts shown in a redacted report (the others may identify the person).
_ACQ_SAFE = frozenset(
    [
        "kind",
        "platform",
        "product_type",
        "os_version",
        "os_build",
        "backup_date",
        "encrypted",
        "full_backup",
        "backup_version",
        "timezone",
        "timezone_source",
    ]
)


@dataclass
class Limits:
    """Bounds that keep the report's size and memory flat however big the results are."""

    window: timedelta = timedelta(hours=1)  # records shown either side of a detection
    max_windows: int = 20  # detection windows shown (most severe first)
    rows_per_window: int = 150  # record rows per window (closest to a detection first)
    hits_per_group: int = 25  # detections shown per indicator / heuristic group
    max_hits: int = 600  # detections shown in all
    max_tracked: int = 100_000  # detections whose times and keys are used
    text_chars: int = 400  # a device value in tables
    field_chars: int = 2_000  # a device value in a detection's record
    max_days: int = 200_000  # distinct days counted for the activity chart
    max_inputs: int = 400  # input files listed


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def redact_path(path: str) -> str:
    """``path`` with app container ids and package folders replaced by ``[app]``."""
    return _APP_SEGMENT.sub(lambda m: m.group(1) + "[app]", path)


def _record_key(artifact: str, path: str, record: dict[str, Any]) -> str:
    """Identity of one record (same in detections.jsonl and records/)."""
    body = {k: v for k, v in record.items() if k != "_provenance"}
    text = json.dumps([artifact, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _row_key(artifact: str, path: str, row: Any) -> tuple[str, str, int] | None:
    return (artifact, path, row) if isinstance(row, int) and not isinstance(row, bool) else None


# --------------------------------------------------------------------------------------------
# Detections
# --------------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One detection as the report shows it."""

    anchor: str
    severity: str
    when: str
    ts_desc: str
    artifact: str
    meaning: str
    message: str
    value: str
    field: str
    reason: str
    weight: explain.Weight | None
    path: str
    row: str
    sha256: str
    source: str
    related: list[str]
    record: list[tuple[str, str]]


@dataclass
class Group:
    """Detections of the same indicator (or the same heuristic)."""

    key: str
    kind: str  # "indicator" or "heuristic"
    title: str
    severity: str = "info"
    count: int = 0
    first: int | None = None
    last: int | None = None
    artifacts: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    # indicator groups
    ioc_kind: str = ""
    ioc_value: str = ""
    ioc_id: str = ""
    ioc_source: str = ""
    malware: str = ""
    malware_names: list[str] = field(default_factory=list)
    weight: explain.Weight | None = None
    # heuristic groups
    description: str = ""

    @property
    def hidden(self) -> int:
        return self.count - len(self.hits)

    @property
    def span(self) -> str:
        if self.first is None or self.last is None:
            return "no time"
        if self.first == self.last:
            return fmt_us(self.first)
        return f"{fmt_us(self.first)} to {fmt_us(self.last)}"


@dataclass
class Section:
    """The indicator groups of one malware name (or the heuristics)."""

    title: str
    groups: list[Group]
    count: int
    severity: str


@dataclass
class Window:
    """The records around one or more nearby detections."""

    start: int
    end: int
    marks: list[tuple[int, str, str, str]]  # (us, severity, label, anchor)
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
class _Index:
    """What the detections tell the record pass: which records are involved, and where."""

    by_key: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (severity, anchor)
    involved_rows: set[tuple[str, str, int]] = field(default_factory=set)
    times: list[tuple[int, str, str, str]] = field(default_factory=list)
    tracked: int = 0
    untimed: int = 0
    untracked: int = 0


class _Detections:
    """Reads detections.jsonl once into groups, hits (capped) and the index for windows."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.groups: dict[str, Group] = {}
        self.index = _Index()
        self.total = 0
        self.shown = 0
        self.bad_lines = [0]
        self.malware: Counter[str] = Counter()
        self.ts_desc = {name: cls.TS_DESC for name, cls in record_types().items()}
        self.art_desc = {a.name: a.description for a in artifacts()}
        self.det_desc = {d.NAME: d.DESCRIPTION for d in detectors()}

    def read(self, path: Path) -> None:
        for det in iter_jsonl(path, self.bad_lines):
            self.total += 1
            self._add(det, f"det-{self.total}")

    def _group(self, det: dict[str, Any]) -> Group:
        ind = _dict(det.get("indicator"))
        if det.get("type") == "indicator" and ind:
            names = [_text(m, 80) for m in _list(ind.get("malware"))] or ["unnamed malware"]
            malware = ", ".join(names)
            key = f"i|{malware}|{_str(ind.get('id'))}|{_str(ind.get('value'))}"
            group = self.groups.get(key)
            if group is None:
                kind = _text(ind.get("kind"), 40)
                group = self.groups[key] = Group(
                    key=key,
                    kind="indicator",
                    title=f"{kind} {_text(ind.get('value'), 200)}",
                    ioc_kind=kind,
                    ioc_value=_text(ind.get("value"), self.limits.text_chars),
                    ioc_id=_text(ind.get("id"), 100),
                    ioc_source=_text(ind.get("source"), 300),
                    malware=malware,
                    malware_names=names,
                    weight=explain.kind_weight(kind),
                )
            return group
        name = _text(det.get("detector"), 80) or "heuristic"
        key = f"h|{name}"
        if key not in self.groups:
            self.groups[key] = Group(
                key=key,
                kind="heuristic",
                title=name,
                description=self.det_desc.get(name, ""),
            )
        return self.groups[key]

    def _add(self, det: dict[str, Any], anchor: str) -> None:
        group = self._group(det)
        severity = _sev(det.get("severity"))
        artifact = _text(det.get("artifact"), 80)
        us = to_us(det.get("ts"))
        group.count += 1
        if _rank(severity) > _rank(group.severity) or group.count == 1:
            group.severity = severity
        group.artifacts[artifact] = group.artifacts.get(artifact, 0) + 1
        if us is not None:
            group.first = us if group.first is None else min(group.first, us)
            group.last = us if group.last is None else max(group.last, us)
        if group.kind == "indicator":
            for name in group.malware_names:
                self.malware[name] += 1
        shown = len(group.hits) < self.limits.hits_per_group and self.shown < self.limits.max_hits
        if shown:
            self.shown += 1
            group.hits.append(self._hit(det, anchor, severity, artifact, us))
        self._track(det, artifact, severity, us, anchor if shown else "")

    def _hit(
        self, det: dict[str, Any], anchor: str, severity: str, artifact: str, us: int | None
    ) -> Hit:
        limit = self.limits.text_chars
        ev = _dict(det.get("evidence"))
        ind = _dict(det.get("indicator"))
        reason = _text(det.get("reason"), 300)
        weight = None
        if det.get("type") == "indicator":
            weight = explain.hit_weight(_str(ind.get("kind")), reason, artifact)
        related = [
            f"{_text(r.get('artifact'), 80)} {_text(r.get('path'), limit)} row "
            f"{_text(r.get('row'), 20) or '-'}"
            for r in map(_dict, _list(det.get("related"))[:10])
        ]
        record = _dict(det.get("record"))
        return Hit(
            anchor=anchor,
            severity=severity,
            when=fmt_us(us),
            ts_desc=self.ts_desc.get(artifact, "Time"),
            artifact=artifact,
            meaning=explain.artifact_meaning(artifact, self.art_desc.get(artifact, "")),
            message=_text(det.get("message"), limit * 2),
            value=_text(det.get("value"), limit),
            field=_text(det.get("field"), 80),
            reason=reason,
            weight=weight,
            path=_text(ev.get("path"), limit),
            row=_text(ev.get("row"), 20) or "-",
            sha256=_text(ev.get("sha256"), 80) or "-",
            source=_text(ev.get("source"), 80),
            related=related,
            record=[
                (_text(k, 80), _text(v, self.limits.field_chars))
                for k, v in itertools.islice(record.items(), 80)
                if k != "type" and v not in (None, "", [])
            ],
        )

    def _track(
        self, det: dict[str, Any], artifact: str, severity: str, us: int | None, anchor: str
    ) -> None:
        index = self.index
        if index.tracked >= self.limits.max_tracked:
            index.untracked += 1
            return
        index.tracked += 1
        ev = _dict(det.get("evidence"))
        path = _str(ev.get("path"))
        record = _dict(det.get("record"))
        if record:
            key = _record_key(artifact, path, record)
            old = index.by_key.get(key)
            if old is None or _rank(severity) > _rank(old[0]):
                index.by_key[key] = (severity, anchor or (old[1] if old else ""))
        for item in [ev, *map(_dict, _list(det.get("related")))]:
            found = _row_key(
                _str(item.get("artifact")) or artifact, _str(item.get("path")), item.get("row")
            )
            if found:
                index.involved_rows.add(found)
        if us is None:
            index.untimed += 1
            return
        label = f"{severity}: {_text(det.get('message'), 200)}"
        index.times.append((us, severity, label, anchor))


# --------------------------------------------------------------------------------------------
# Windows around detections, filled by one pass over records/
# --------------------------------------------------------------------------------------------

_LANE_BINS = 120
_MAX_MARKS = 200  # detection marks per window


def build_windows(index: _Index, limits: Limits) -> tuple[list[Window], int]:
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


def _summary(rec: dict[str, Any], redact: bool, limit: int) -> str:
    """The record's fields as ``name=value`` text; with ``redact``, only what is not personal."""
    parts: list[str] = []
    hidden = 0
    for name, value in rec.items():
        if name in ("type", "ts", "row", "_provenance") or value in (None, "", []):
            continue
        if redact and not (isinstance(value, bool) or name in _REDACT_KEEP):
            hidden += 1
            continue
        parts.append(f"{name}={_text(value, 200)}")
        if sum(len(p) for p in parts) > limit:
            break
    if hidden:
        parts.append(f"[{hidden} fields redacted]")
    return _text(" ".join(parts), limit)


class _Scan:
    """One pass over records/: per-day counts for the chart, and the rows of each window."""

    def __init__(self, windows: list[Window], index: _Index, limits: Limits, redact: bool):
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
        day = us // 86_400_000_000
        if day in self.days or len(self.days) < self.limits.max_days:
            self.days[day] += 1
        else:
            self.overflow += 1
        i = bisect.bisect_right(self.starts, us) - 1
        if i >= 0 and us <= self.windows[i].end:
            self._offer(i, us, desc, artifact, rec)

    def _offer(self, i: int, us: int, desc: str, artifact: str, rec: dict[str, Any]) -> None:
        window = self.windows[i]
        window.total += 1
        lane = window.lanes.setdefault(artifact, [0] * _LANE_BINS)
        lane[
            min(_LANE_BINS - 1, (us - window.start) * _LANE_BINS // (window.end - window.start))
        ] += 1
        path = _str(_dict(rec.get("_provenance")).get("path"))
        found = self.index.by_key.get(_record_key(artifact, path, rec))
        row_key = _row_key(artifact, path, rec.get("row"))
        involved = found is not None or (
            row_key is not None and row_key in self.index.involved_rows
        )
        marks = self.marks[i]
        j = bisect.bisect_left(marks, us)
        near = [abs(us - marks[k]) for k in (j - 1, j) if 0 <= k < len(marks)]
        distance = 0 if involved else min(near, default=0)
        heap = window.heap
        if len(heap) >= self.limits.rows_per_window and -heap[0][0] <= distance:
            return
        redacted = self.redact and not involved
        row = TimelineRow(
            us=us,
            when=fmt_us(us),
            desc=desc,
            artifact=artifact,
            text=_summary(rec, redacted, self.limits.text_chars),
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
        for window in self.windows:
            rows = [item[2] for item in window.heap]
            rows.extend(
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
            )
            rows.sort(key=lambda r: (r.us, r.is_detection))
            window.rows = rows
            window.heap = []
            window.chart = lane_chart(window)


# --------------------------------------------------------------------------------------------
# Charts (inline SVG geometry; the template only draws it)
# --------------------------------------------------------------------------------------------


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


_W = 960
_BIN_DAYS = (1, 2, 3, 7, 14, 30, 61, 91, 182, 365, 730, 1826, 3652)


def _density(count: int) -> str:
    return "d1" if count == 1 else "d2" if count <= 5 else "d3" if count <= 20 else "d4"


def _day_text(day: int) -> str:
    return fmt_us(day * 86_400_000_000)[:10]


_GAP_DAYS = 90  # days without any timestamp that separate two periods of activity


def _range(days: Counter[int], marks: list[tuple[int, str, str, str]]) -> tuple[int, int]:
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
    marked = sorted({us // 86_400_000_000 for us, *_ in marks})

    def score(period: list[int]) -> tuple[bool, int]:
        i = bisect.bisect_left(marked, period[0])
        return (i < len(marked) and marked[i] <= period[1], period[2])

    lo, hi, _ = max(periods, key=score)
    for day in marked:
        if lo - 365 <= day <= hi + 365:
            lo, hi = min(lo, day), max(hi, day)
    return lo, hi


def overview_chart(
    days: Counter[int], marks: list[tuple[int, str, str, str]], overflow: int
) -> Chart | None:
    """Timestamps per day (or per bin of days) over the acquisition, detections marked."""
    if not days:
        return None
    lo, hi = _range(days, marks)
    span = hi - lo + 1
    size = next((b for b in _BIN_DAYS if span / b <= 150), math.ceil(span / 150))
    bins = math.ceil(span / size)
    counts = [0] * bins
    before = after = 0
    for day, count in days.items():
        if day < lo:
            before += count
        elif day > hi:
            after += count
        else:
            counts[(day - lo) // size] += count
    left, top, plot_w, plot_h = 60.0, 10.0, _W - 70.0, 150.0
    step = plot_w / bins
    peak = max(counts) or 1
    unit = "day" if size == 1 else f"{size} days"
    shapes = []
    for n, count in enumerate(counts):
        if count:
            h = max(1.0, plot_h * count / peak)
            start = lo + n * size
            when = _day_text(start) if size == 1 else f"{_day_text(start)} + {size} days"
            shapes.append(
                Shape(
                    left + n * step,
                    top + plot_h - h,
                    max(step - 1, 1.0),
                    h,
                    "bar",
                    f"{when}: {count:,} timestamps",
                )
            )
    by_bin: dict[int, list[tuple[int, str, str, str]]] = {}
    for mark in marks:
        day = mark[0] // 86_400_000_000
        if lo <= day <= hi:
            by_bin.setdefault((day - lo) // size, []).append(mark)
    lines = [_mark_line(left + (n + 0.5) * step, top, plot_h, group) for n, group in by_bin.items()]
    labels = [
        Label(left - 6, top + 10, f"{peak:,}", "end"),
        Label(left - 6, top + plot_h, "0", "end"),
    ]
    for n in range(0, bins, max(1, bins // 6)):
        x = left + n * step
        side = "end" if x > left + plot_w - 80 else "start"
        labels.append(Label(x, top + plot_h + 18, _day_text(lo + n * size), side))
    notes = []
    if before or after:
        notes.append(
            f"{before:,} timestamps before {_day_text(lo)} and {after:,} after {_day_text(hi)} "
            "(outliers, e.g. zero dates) are not drawn."
        )
    outside = sum(1 for us, *_ in marks if not lo <= us // 86_400_000_000 <= hi)
    if outside:
        notes.append(f"{outside:,} detections lie outside the drawn period.")
    if overflow:
        notes.append(f"{overflow:,} timestamps on too many distinct days were not counted.")
    caption = f"Timestamps of all records per {unit} (UTC), {sum(days.values()):,} in all."
    return Chart(_W, int(top + plot_h + 28), shapes, lines, labels, caption, " ".join(notes))


def _mark_line(
    x: float, top: float, height: float, group: list[tuple[int, str, str, str]]
) -> Shape:
    worst = max(group, key=lambda m: _rank(m[1]))
    more = f" (+{len(group) - 1} more)" if len(group) > 1 else ""
    title = f"{fmt_us(worst[0])} {worst[2]}{more}"
    return Shape(x, top, 0, height, f"mark sev-{worst[1]}", title)


def lane_chart(window: Window) -> Chart:
    """One lane per artifact over the window, shaded by how many timestamps fall in each bin;
    detections are vertical lines (the delivery -> process -> clean-up sequence)."""
    names = sorted(window.lanes)
    left, top, lane_h = 250.0, 6.0, 16.0
    plot_w = _W - left - 10
    step = plot_w / _LANE_BINS
    width = window.end - window.start
    shapes = []
    labels = []
    for n, name in enumerate(names):
        y = top + n * lane_h
        labels.append(Label(left - 6, y + 11, name, "end"))
        for b, count in enumerate(window.lanes[name]):
            if count:
                start = window.start + b * width // _LANE_BINS
                title = f"{name}: {count:,} at {fmt_us(start, False)[11:16]}"
                shapes.append(
                    Shape(
                        left + b * step,
                        y + 2,
                        max(step, 1.0),
                        lane_h - 4,
                        f"cell {_density(count)}",
                        title,
                    )
                )
    plot_h = max(lane_h, lane_h * len(names))
    lines = [
        _mark_line(left + (m[0] - window.start) * plot_w / width, top, plot_h, [m])
        for m in window.marks
    ]
    for n in range(7):
        us = window.start + n * width // 6
        text = fmt_us(us, False)[11:16] if n not in (0, 6) else fmt_us(us, False)[5:16]
        side = "start" if n == 0 else "end" if n == 6 else "middle"
        labels.append(Label(left + n * plot_w / 6, top + plot_h + 16, text, side))
    caption = "Record timestamps per artifact (darker: more), detections as lines (UTC)."
    return Chart(_W, int(top + plot_h + 24), shapes, lines, labels, caption)


# --------------------------------------------------------------------------------------------
# Run facts: verdict, coverage, acquisition, indicators
# --------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    level: str  # "infected", "suspicious", "clean"
    headline: str
    detail: str
    incomplete: bool
    reasons: list[str]
    exit_code: str


@dataclass
class FileRow:
    path: str
    status: str
    label: str
    records: int
    warnings: int
    error: str


@dataclass
class CoverageRow:
    name: str
    description: str
    status: str
    label: str
    records: int
    warnings: int
    detections: int
    files: list[FileRow]
    messages: list[str]


def _status(value: Any) -> tuple[str, str]:
    status = value if value in _STATUS_LABELS else "error"
    return status, _STATUS_LABELS[status]


def coverage(run: dict[str, Any], redact: bool, limit: int) -> list[CoverageRow]:
    """One row per artifact with its status (ran / absent / mismatched / failed) and files."""
    rows = []
    for name, info in _dict(run.get("artifacts")).items():
        info = _dict(info)
        status, label = _status(info.get("status"))
        files = []
        for f in map(_dict, _list(info.get("files"))[:50]):
            f_status, f_label = _status(f.get("status"))
            path = _text(f.get("path"), limit)
            files.append(
                FileRow(
                    path=redact_path(path) if redact else path,
                    status=f_status,
                    label=f_label,
                    records=_int(f.get("records")),
                    warnings=_int(f.get("warnings")),
                    error=_text(f.get("error"), limit),
                )
            )
        messages = (
            [] if redact else [_text(m, limit) for m in _list(info.get("warning_messages"))[:10]]
        )
        rows.append(
            CoverageRow(
                name=_text(name, 100),
                description=_text(info.get("description"), 300),
                status=status,
                label=label,
                records=_int(info.get("records")),
                warnings=_int(info.get("warnings")),
                detections=_int(info.get("detections")),
                files=files,
                messages=messages,
            )
        )
    return rows


def _incomplete_reasons(run: dict[str, Any], cover: list[CoverageRow]) -> list[str]:
    acq = _dict(run.get("acquisition"))
    reasons = [f"acquisition: {_text(e, 300)}" for e in _list(acq.get("errors"))[:20]]
    for row in cover:
        if row.status in ("error", "schema_mismatch"):
            reasons.append(
                f"{row.name}: {row.label} "
                + "; ".join(f"{f.path}: {f.error}" for f in row.files if f.error)[:600]
            )
    for f in map(_dict, _list(_dict(run.get("indicators")).get("files"))):
        if f.get("error"):
            reasons.append(
                f"indicator file {_text(f.get('path'), 200)}: {_text(f.get('error'), 300)}"
            )
    check = _dict(run.get("evidence_check"))
    if check and check.get("unchanged") is False:
        reasons.append("the evidence changed while it was read (see the evidence check below)")
    return reasons


def verdict(run: dict[str, Any], det: _Detections, cover: list[CoverageRow]) -> Verdict:
    """The result in plain words, with the malware names and the number of detections."""
    code = run.get("exit_code")
    groups = det.groups.values()
    indicator_hits = sum(g.count for g in groups if g.kind == "indicator")
    heuristics = [g for g in groups if g.kind == "heuristic"]
    serious = sum(g.count for g in heuristics if _rank(g.severity) >= Severity.MEDIUM.rank)
    notes = sum(g.count for g in heuristics if _rank(g.severity) < Severity.MEDIUM.rank)
    names = ", ".join(f"{n} ({c})" for n, c in det.malware.most_common(12))
    if indicator_hits:
        level = "infected"
        headline = f"Indicators of known spyware found: {names}"
        detail = (
            f"{det.total:,} detections: {indicator_hits:,} indicator matches and "
            f"{det.total - indicator_hits:,} heuristic findings. Review each below; their weight "
            "differs (a visited web page weighs less than a spyware process)."
        )
    elif serious or code == 1:
        level = "suspicious"
        headline = "Suspicious traces found, but no indicator of a known spyware"
        detail = (
            f"{det.total:,} heuristic findings, {serious:,} of severity medium or more. "
            "Heuristics need no indicator; each must be reviewed before concluding anything."
        )
    else:
        level = "clean"
        headline = "Nothing found with the loaded indicators and heuristics"
        detail = f"{notes:,} low-severity notes to review below." if notes else "No detections."
    incomplete = code == 2 or code not in (0, 1)
    reasons = _incomplete_reasons(run, cover)
    if code not in (0, 1, 2):
        reasons.insert(0, "run.json has no valid exit code: the check may not have finished")
    if det.bad_lines[0]:
        reasons.append(f"{det.bad_lines[0]:,} lines of detections.jsonl could not be read")
    return Verdict(level, headline, detail, incomplete, reasons, _text(code, 10))


def acquisition_facts(run: dict[str, Any], redact: bool, limit: int) -> list[tuple[str, str]]:
    """Facts about the acquisition; when redacting, only the non-identifying ones."""
    acq = _dict(run.get("acquisition"))
    keys = [k for k in acq if k != "errors"]
    out = []
    for key in keys:
        if redact and key not in _ACQ_SAFE:
            out.append((_text(key, 80), REDACTED))
        else:
            out.append((_text(key, 80), _text(acq[key], limit)))
    return out


def indicator_files(run: dict[str, Any], redact: bool) -> list[dict[str, str]]:
    out = []
    for f in map(_dict, _list(_dict(run.get("indicators")).get("files"))):
        path = _text(f.get("path"), 300)
        if redact and not path.startswith("bundled:"):
            path = path.replace("\\", "/").rsplit("/", 1)[-1]
        out.append(
            {
                "path": path,
                "sha256": _text(f.get("sha256"), 80),
                "indicators": f"{_int(f.get('indicators')):,}",
                "malware": _text(f.get("malware"), 300),
                "warnings": f"{_int(f.get('warnings')):,}",
                "error": _text(f.get("error"), 300),
            }
        )
    return out


def input_files(
    run: dict[str, Any], redact: bool, limits: Limits
) -> tuple[list[dict[str, str]], int]:
    inputs = _list(run.get("inputs"))
    out = []
    for item in map(_dict, inputs[: limits.max_inputs]):
        path = _text(item.get("device_path"), limits.text_chars)
        out.append(
            {
                "path": redact_path(path) if redact else path,
                "sha256": _text(item.get("sha256"), 80),
                "size": f"{_int(item.get('size')):,}",
                "artifacts": _text(item.get("artifacts"), 300),
            }
        )
    return out, max(0, len(inputs) - limits.max_inputs)


# --------------------------------------------------------------------------------------------
# Assembly and rendering
# --------------------------------------------------------------------------------------------


def _sections(det: _Detections) -> list[Section]:
    by_malware: dict[str, list[Group]] = {}
    heuristics: list[Group] = []
    for group in det.groups.values():
        if group.kind == "indicator":
            by_malware.setdefault(group.malware, []).append(group)
        else:
            heuristics.append(group)

    def order(g: Group) -> tuple[int, int]:
        return (-_rank(g.severity), g.first if g.first is not None else 2**62)

    sections = []
    for name, groups in by_malware.items():
        groups.sort(key=order)
        sections.append(
            Section(f"{name}", groups, sum(g.count for g in groups), groups[0].severity)
        )
    sections.sort(key=lambda s: (-_rank(s.severity), -s.count))
    if heuristics:
        heuristics.sort(key=order)
        worst = heuristics[0].severity
        sections.append(Section("Heuristics", heuristics, sum(g.count for g in heuristics), worst))
    return sections


def build_report(
    folder: Path, redact: bool = False, limits: Limits | None = None
) -> dict[str, Any]:
    """Everything the template shows, read from the results folder in bounded memory."""
    limits = limits or Limits()
    run = load_run(folder)
    det = _Detections(limits)
    det.read(folder / "detections.jsonl")
    windows, left_out = build_windows(det.index, limits)
    scan = _Scan(windows, det.index, limits, redact)
    scan.run(folder)
    scan.finish()
    cover = coverage(run, redact, limits.text_chars)
    tool = _dict(run.get("tool"))
    inputs, inputs_hidden = input_files(run, redact, limits)
    statuses = Counter(row.label for row in cover)
    sightings = folder / SIGHTINGS_NAME
    return {
        "redacted": redact,
        "verdict": verdict(run, det, cover),
        "total": det.total,
        "shown": det.shown,
        "sections": _sections(det),
        "windows": windows,
        "windows_left_out": left_out,
        "window_hours": limits.window.total_seconds() / 3600,
        "untimed": det.index.untimed,
        "untracked": det.index.untracked,
        "overview": overview_chart(scan.days, det.index.times, scan.overflow),
        "records": scan.records,
        "record_bad_lines": scan.bad_lines[0],
        "coverage": cover,
        "statuses": [(label, statuses.get(label, 0)) for label in _STATUS_LABELS.values()],
        "acquisition": acquisition_facts(run, redact, limits.text_chars),
        "acq_errors": [_text(e, 300) for e in _list(_dict(run.get("acquisition")).get("errors"))],
        "evidence": _dict(run.get("evidence_check")),
        "inputs": inputs,
        "inputs_hidden": inputs_hidden,
        "indicator_files": indicator_files(run, redact),
        "indicator_total": _int(_dict(run.get("indicators")).get("total")),
        "indicator_warnings": _int(_dict(run.get("indicators")).get("warning_count")),
        "tool": _text(tool.get("version"), 40),
        "python": _text(tool.get("python"), 40),
        "command": "" if redact else _text(" ".join(map(str, _list(run.get("command")))), 600),
        "started": _text(run.get("started"), 60),
        "finished": _text(run.get("finished"), 60),
        "seconds": _text(run.get("seconds"), 20),
        "sightings": sightings.is_file(),
        "severities": [(s.value, explain.severity_words(s.value)) for s in reversed(Severity)],
    }


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: Any) -> Any:
    """Every value printed by the template: control and bidi characters made visible."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    return env


def render_report(context: dict[str, Any]) -> str:
    """The HTML page for a context from ``build_report``."""
    css = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; script-src 'none'; img-src 'none'; connect-src 'none'; "
        f"style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    template = _environment().get_template("report.html.j2")
    # The style sheet is our own file (never device data), so it goes in unescaped.
    return template.render(**context, css=Markup(css), csp=csp)  # noqa: S704


def write_report(
    folder: Path, redact: bool = False, output: Path | None = None, limits: Limits | None = None
) -> Path:
    """Write the HTML report of the results folder ``folder``; return its path."""
    html = render_report(build_report(folder, redact, limits))
    target = output or folder / (REDACTED_NAME if redact else REPORT_NAME)
    target.write_text(html, encoding="utf-8", errors="replace")
    return target


@register
def write_html_report(folder: Path) -> Path:
    """Write ``report.html`` (not redacted) into the results folder."""
    return write_report(folder)
