"""The timeline windows of the HTML report: the records around detections, and per-day counts.

Windows of ``Limits.window`` either side of each detection are merged and the most severe kept;
one streaming pass then counts timestamps per day (for the overview chart) and keeps, per
window, the rows closest to a detection (a bounded heap), so memory stays flat.

The pass reads timeline.csv, which holds every timestamp of every record, sorted (time,
artifact, device path, row, and the record's fields as ``message``), in blocks of whole rows
(``derived.iter_csv_blocks``), without decoding them: a block whose rows fall on a few days is
counted with a few ``bytes.count`` calls (``TimelineScan._by_date``), any other one with one
list item per row (``TimelineScan._each_row``); only the blocks that overlap a window are
parsed with the ``csv`` module. The window rows show the timeline's ``message``; the records
they are about are recognised by their timeline rows (``detections.timeline_keys``). Nothing of
records/ is read, except, for a redacted report, the few records whose redacted summary is
shown (``redact.find_records``). Without a usable timeline.csv (deleted, or another layout),
records/ is read instead (``RecordScan``), as the report did before.
"""

from __future__ import annotations

import bisect
import csv
import heapq
import io
import itertools
import operator
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracehound.core.columns import batch_records
from tracehound.core.records import Record, record_json
from tracehound.core.registry import Severity, record_types
from tracehound.reports.charts import LANE_BINS, Chart, Mark, lane_chart
from tracehound.reports.derived import (
    CsvBlock,
    first_row_break,
    fmt_us,
    iter_csv_blocks,
    last_row_break,
    to_us,
)
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_str as _str
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.detections import (
    DetectionIndex,
    MessageKey,
    key_token,
    record_key,
    row_key,
)
from tracehound.reports.limits import Limits
from tracehound.reports.redact import NOT_FOUND, find_records, record_summary, redact_path
from tracehound.store.records import iter_record_dicts, record_files

_MAX_MARKS = 200  # detection marks per window
_DAY_US = 86_400_000_000
_UTC_US = pa.timestamp("us", tz="UTC")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The header of the timeline.csv layout read here (reports/timeline.py, output format 1.x).
_HEADER = b"datetime,timestamp_desc,message,timestamp,artifact,detection,device_path,row"
#: The first five cells of a row of timeline.csv (the fifth holds the rest of the row).
_FIVE_CELLS = operator.methodcaller("split", b",", 4)
#: Microseconds of the years 1 to 9999 (what a datetime can hold): other times are not read.
_MIN_US, _MAX_US = -62_135_596_800_000_000, 253_402_300_799_999_999
#: Days a block may span to be counted at once (``TimelineScan._by_date``).
_BLOCK_DAYS = 4
#: First characters after which the timeline writer puts a ``'`` (reports/timeline.py).
_FORMULA_FIRST = frozenset("=+-@\t\r\n")


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
    #: For a redacted row of timeline.csv: its identity and time cell, to find its record.
    lookup: tuple[MessageKey, str] | None = None


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


class WindowScan:
    """What every pass does: count days, and offer the rows in a window to its heap."""

    def __init__(
        self, windows: list[Window], index: DetectionIndex, limits: Limits, redact: bool
    ) -> None:
        self.windows = windows
        self.starts = [w.start for w in windows]
        self.ends = [w.end for w in windows]
        self.marks = [sorted(m[0] for m in w.marks) for w in windows]
        self.index = index
        self.limits = limits
        self.redact = redact
        self.days: Counter[int] = Counter()
        self.overflow = 0
        self.total = 0  # record timestamps
        self.records: int | None = 0  # None: not counted (the timeline holds timestamps)
        self.bad_lines = [0]  # lines of records/ that could not be read
        self.timeline_bad = [0]  # rows of timeline.csv that could not be read
        self.seq = itertools.count()

    def _window(self, us: int) -> int:
        """The window holding ``us``, or -1."""
        i = bisect.bisect_right(self.starts, us) - 1
        return i if i >= 0 and us <= self.ends[i] else -1

    def _count_days(self, counts: Counter[int]) -> None:
        """Add timestamps per day, up to ``max_days`` distinct days."""
        days, limit = self.days, self.limits.max_days
        for day, count in counts.items():
            if day in days or len(days) < limit:
                days[day] += count
            else:
                self.overflow += count

    def _distance(self, i: int, us: int) -> int:
        """How far ``us`` is from the nearest detection of window ``i``."""
        marks = self.marks[i]
        j = bisect.bisect_left(marks, us)
        near = [abs(us - marks[k]) for k in (j - 1, j) if 0 <= k < len(marks)]
        return min(near, default=0)

    def _offer(
        self,
        i: int,
        us: int,
        desc: str,
        artifact: str,
        path: str,
        row: Any,
        found: tuple[str, str] | None,
        involved: bool,
    ) -> TimelineRow | None:
        """Count a timestamp of window ``i``; return its row (text still empty) when it is
        among the closest to a detection so far, else None."""
        window = self.windows[i]
        window.total += 1
        lane = window.lanes.setdefault(artifact, [0] * LANE_BINS)
        lane[
            min(LANE_BINS - 1, (us - window.start) * LANE_BINS // (window.end - window.start))
        ] += 1
        distance = 0 if involved else self._distance(i, us)
        heap = window.heap
        if len(heap) >= self.limits.rows_per_window and -heap[0][0] <= distance:
            return None
        redacted = self.redact and not involved
        item = TimelineRow(
            us=us,
            when=fmt_us(us),
            desc=desc,
            artifact=artifact,
            text="",
            path=redact_path(path) if redacted else _text(path, self.limits.text_chars),
            row=_text(row, 20),
            severity=found[0] if found else ("related" if involved else ""),
            anchor=found[1] if found else "",
            redacted=redacted,
        )
        entry = (-distance, next(self.seq), item)
        if len(heap) >= self.limits.rows_per_window:
            heapq.heapreplace(heap, entry)
        else:
            heapq.heappush(heap, entry)
        return item

    def finish(self) -> None:
        """Sort each window's rows (its detections among them) and draw its lane chart."""
        for window in self.windows:
            kept = sorted(window.heap, key=lambda e: (e[2].us, e[1]))
            rows = [entry[2] for entry in kept]
            rows.extend(_detection_rows(window))
            rows.sort(key=lambda r: (r.us, r.is_detection))
            window.rows = rows
            window.heap = []
            window.chart = lane_chart(window.start, window.end, window.lanes, window.marks)


#: Rows of time columns read at once by the record scan.
_TIME_ROWS = 65_536


class RecordScan(WindowScan):
    """One pass over records/ (when there is no usable timeline.csv)."""

    def run(self, folder: Path) -> None:
        classes = record_types()
        count = 0
        for artifact, path in record_files(folder / "records").items():
            cls = classes.get(artifact)
            fields: list[tuple[str, str]] = [("ts", cls.TS_DESC if cls else "Time")]
            fields.extend(cls.EXTRA_TIMES if cls else ())
            if path.suffix == ".parquet" and cls is not None:
                count += self._parquet(path, artifact, cls, fields)
                continue
            for rec in iter_record_dicts(path, cls, self.bad_lines):
                count += 1
                for name, desc in fields:
                    us = to_us(rec.get(name))
                    if us is not None:
                        self._time(us, desc, artifact, rec)
        self.records = count

    def _parquet(
        self, path: Path, artifact: str, cls: type[Record], fields: list[tuple[str, str]]
    ) -> int:
        """One Parquet file of records/, on its columns: days are counted on the time columns,
        and only the rows inside a window become records (in file order, as the lines of JSON
        records were read). Return the records read."""
        count = 0
        try:
            parquet = pq.ParquetFile(path)
            names = set(parquet.schema_arrow.names)
            fields = [(n, d) for n, d in fields if n in names]
            columns = [name for name, _ in fields]
            # The time columns only, in slices of _TIME_ROWS rows (memory stays at a few
            # columns whatever the size of the table); the other columns (message bodies,
            # URLs) are read only for the row groups holding a row in a window.
            chosen: list[tuple[int, int, int, str]] = []
            for times in parquet.iter_batches(batch_size=_TIME_ROWS, columns=columns):
                for order, (name, desc) in enumerate(fields):
                    us = pc.cast(pc.cast(times.column(name), _UTC_US), pa.int64())
                    self._count_column(us)
                    for row, value in self._in_windows(us):
                        chosen.append((count + row, order, value, desc))
                count += times.num_rows
            if chosen:
                chosen.sort()
                starts = list(
                    itertools.accumulate(
                        (
                            parquet.metadata.row_group(g).num_rows
                            for g in range(parquet.num_row_groups)
                        ),
                        initial=0,
                    )
                )
                by_group: dict[int, list[tuple[int, int, int, str]]] = {}
                for row, order, value, desc in chosen:
                    group = bisect.bisect_right(starts, row) - 1
                    by_group.setdefault(group, []).append((row - starts[group], order, value, desc))
                for group, rows in by_group.items():
                    whole = parquet.read_row_group(group).combine_chunks()
                    self._offer_rows(whole, cls, artifact, rows)
        except (OSError, pa.ArrowException, TypeError, ValueError):
            self.bad_lines[0] += 1
        return count

    def _count_column(self, us: pa.Array) -> None:
        """Count the set times of a column per UTC day (floor division, as for one row)."""
        us = pc.drop_null(us)
        self.total += len(us)
        if not len(us):
            return
        day = pc.divide(us, _DAY_US)  # truncates towards zero: step back before 1970
        behind = pc.and_(pc.less(us, 0), pc.not_equal(pc.multiply(day, _DAY_US), us))
        day = pc.if_else(behind, pc.subtract(day, 1), day)
        counts = pc.value_counts(day)
        found = zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        )
        self._count_days(Counter(dict(found)))

    def _in_windows(self, us: pa.Array) -> list[tuple[int, int]]:
        """(row, time) of the times that fall in a window."""
        if not self.windows:
            return []
        inside = None
        for start, end in zip(self.starts, self.ends, strict=True):
            hit = pc.and_(pc.greater_equal(us, start), pc.less_equal(us, end))
            inside = hit if inside is None else pc.or_(inside, hit)
        rows = pc.indices_nonzero(pc.fill_null(inside, False)).to_pylist()
        return list(zip(rows, pc.take(us, pa.array(rows, pa.int64())).to_pylist(), strict=True))

    def _offer_rows(
        self,
        batch: pa.RecordBatch | pa.Table,
        cls: type[Record],
        artifact: str,
        chosen: list[tuple[int, int, int, str]],
    ) -> None:
        if not chosen:
            return
        rows = sorted({row for row, _, _, _ in chosen})
        records = batch_records(cls, batch.take(pa.array(rows, pa.int64())))
        recs = {
            row: {**record_json(record), "_provenance": prov.to_json()}
            for row, (record, prov) in zip(rows, records, strict=True)
        }
        for row, _, us, desc in chosen:
            self._place(us, desc, artifact, recs[row])

    def _time(self, us: int, desc: str, artifact: str, rec: dict[str, Any]) -> None:
        self.total += 1
        day = us // _DAY_US
        if day in self.days or len(self.days) < self.limits.max_days:
            self.days[day] += 1
        else:
            self.overflow += 1
        self._place(us, desc, artifact, rec)

    def _place(self, us: int, desc: str, artifact: str, rec: dict[str, Any]) -> None:
        """Offer one record time to its window, if it falls in one."""
        i = self._window(us)
        if i < 0:
            return
        path = _str(_dict(rec.get("_provenance")).get("path"))
        found = None
        rows = self.index.key_rows
        if rows is None or key_token(artifact, path, rec) in rows:
            found = self.index.by_key.get(record_key(artifact, path, rec))
        key = row_key(artifact, path, rec.get("row"))
        involved = found is not None or (key is not None and key in self.index.involved_rows)
        row = self._offer(i, us, desc, artifact, path, rec.get("row"), found, involved)
        if row is not None:
            row.text = record_summary(rec, row.redacted, self.limits.text_chars)


def _outside(data: bytes, quoted: list[bytes], needle: bytes) -> int:
    """How often ``needle`` (holding no quote) occurs in ``data`` outside its quoted cells."""
    return data.count(needle) - sum(map(bytes.count, quoted, itertools.repeat(needle)))


def _date_prefix(day: int) -> bytes:
    """How the ``datetime`` cells of a UTC day start, e.g. ``b"2024-03-15T"``."""
    return (_EPOCH + timedelta(days=day)).date().isoformat().encode() + b"T"


def _row_cells(row: bytes) -> list[str] | None:
    """The cells of one row of timeline.csv, or None if it is not a row of eight cells."""
    try:
        cells = next(csv.reader(io.StringIO(row.decode("utf-8", "replace"), newline="")))
    except (csv.Error, StopIteration):
        return None
    return cells if len(cells) == 8 else None


def _us_cell(cell: str | bytes) -> int | None:
    """The ``timestamp`` cell of timeline.csv as microseconds (years 1-9999), or None."""
    try:
        us = int(cell)
    except ValueError:
        return None
    return us if _MIN_US <= us <= _MAX_US else None


def _iso_us(us: int) -> str:
    """ISO 8601 (UTC) of microseconds since 1970, as records/ writes times ("" if invalid)."""
    try:
        return (_EPOCH + timedelta(microseconds=us)).isoformat()
    except OverflowError:
        return ""


class TimelineScan(WindowScan):
    """One pass over timeline.csv; records/ is only read for redacted rows shown."""

    #: Bytes read at a time (tests make it small to try rows across blocks).
    block_size = 1 << 17

    def __init__(
        self, windows: list[Window], index: DetectionIndex, limits: Limits, redact: bool
    ) -> None:
        super().__init__(windows, index, limits, redact)
        self.records = None
        self.latest = _MIN_US  # the latest time of the blocks read so far

    def run(self, path: Path) -> bool:
        """Read ``path``; False (and nothing counted) when it is missing or of another layout."""
        try:
            handle = path.open("rb")
        except OSError:
            return False
        with handle:
            if handle.readline(len(_HEADER) + 3).rstrip(b"\r\n") != _HEADER:
                return False
            for block in iter_csv_blocks(handle, self.timeline_bad, self.block_size):
                self._block(block)
        return True

    def _block(self, block: CsvBlock) -> None:
        """Count the days of a block of whole rows; parse it if it overlaps a window."""
        if not self._by_date(block):
            self._each_row(block)

    def _by_date(self, block: CsvBlock) -> bool:
        """Count a block of rows of a few days at once, without a step per row.

        The timeline is sorted by time, so the rows of a block lie between its first and its
        last row's time; that is checked, not assumed, as far as it can be without a step per
        row: the block must follow the previous one, every row must start with the date of
        one of those days (UTC, as the first and the last row), and those row starts, line
        breaks and detection rows are counted outside quoted cells. Other blocks (many days,
        rows out of order, detections, other offsets) are read row by row."""
        data, parts = block
        if not data.endswith(b"\n"):
            return False
        first = _row_cells(data[: first_row_break(parts)])
        last = _row_cells(data[last_row_break(parts, len(data), len(data) - 1)[0] :])
        if first is None or last is None or not first[0].endswith("+00:00"):
            return False
        low, high = _us_cell(first[3]), _us_cell(last[3])
        if low is None or high is None or not self.latest <= low <= high:
            return False
        if not last[0].endswith("+00:00") or high // _DAY_US - low // _DAY_US >= _BLOCK_DAYS:
            return False
        quoted = parts[1::2]
        if _outside(data, quoted, b",Detection,"):
            return False
        counts: Counter[int] = Counter()
        for day in range(low // _DAY_US, high // _DAY_US + 1):
            counts[day] = _outside(data, quoted, b"\n" + _date_prefix(day))
        if not data.startswith(_date_prefix(low // _DAY_US)):
            return False
        counts[low // _DAY_US] += 1  # the first row has no line break before it
        if sum(counts.values()) != _outside(data, quoted, b"\n"):
            return False
        self.latest = high
        self.total += sum(counts.values())
        self._count_days(+counts)
        if bisect.bisect_left(self.ends, low) < bisect.bisect_right(self.starts, high):
            self._parse(data)
        return True

    def _each_row(self, block: CsvBlock) -> None:
        """Count the days of a block row by row (in C but for one list item per row): with
        every other quote-separated part dropped, quoted cells are empty, so what is left has
        one line per row and no comma inside a cell; the fourth cell is the time."""
        data, parts = block
        plain = b"".join(parts[::2]) if len(parts) > 1 else data
        lines = plain.split(b"\n")
        rows = [cells for cells in map(_FIVE_CELLS, lines) if len(cells) == 5]
        if len(rows) < len(lines) - (not lines[-1]):  # lines that are not rows (but empty)
            self.timeline_bad[0] += sum(1 for x in lines if x.strip() and x.count(b",") < 4)
        times = [cells[3] for cells in rows if cells[1] != b"Detection"]
        try:
            stamps = list(map(int, times))
        except ValueError:
            stamps = self._valid_times(times)
        if not stamps:
            return
        low, high = min(stamps), max(stamps)
        if low < _MIN_US or high > _MAX_US:
            stamps = self._valid_times(times)
            if not stamps:
                return
            low, high = min(stamps), max(stamps)
        self.latest = max(self.latest, high)
        self.total += len(stamps)
        self._count_days(Counter(map(operator.floordiv, stamps, itertools.repeat(_DAY_US))))
        if bisect.bisect_left(self.ends, low) < bisect.bisect_right(self.starts, high):
            self._parse(data)

    def _valid_times(self, cells: list[bytes]) -> list[int]:
        """The times of ``cells`` that are integers in the years 1-9999 (others counted)."""
        stamps = []
        for cell in cells:
            us = _us_cell(cell)
            if us is None:
                self.timeline_bad[0] += 1
            else:
                stamps.append(us)
        return stamps

    def _parse(self, data: bytes) -> None:
        """Offer the record rows of a block to the windows they fall in."""
        reader = csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline=""))
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:  # a cell over the csv module's size limit (128 KiB): left out
                continue
            if len(cells) != 8 or cells[1] == "Detection":
                continue
            us = _us_cell(cells[3])
            i = -1 if us is None else self._window(us)
            if us is not None and i >= 0:
                self._row(i, us, cells)

    def _row(self, i: int, us: int, cells: list[str]) -> None:
        """Offer one record row of window ``i``. It is involved in a detection when it is a
        timestamp of the detection's record (same artifact, path, row, time and message) or
        its row is a detection's evidence; its text is the message, unless redacted."""
        when, desc, message, _, artifact, _, path, row = cells
        found = self.index.by_time.get((artifact, path, row, us, message))
        if found is None:
            found = self.index.by_time.get((artifact, path, row, us, None))
        involved = found is not None or (artifact, path, row) in self.index.involved_cells
        shown = path[1:] if path[:1] == "'" and path[1:2] in _FORMULA_FIRST else path
        item = self._offer(i, us, desc, artifact, shown, row, found, involved)
        if item is None:
            return
        if item.redacted:
            item.lookup = ((artifact, path, row, us, message), when)
        else:
            item.text = _text(message, self.limits.text_chars)

    def fill_redacted(self, folder: Path) -> None:
        """The summaries of the redacted rows shown, from their records in records/."""
        wanted: dict[str, list[TimelineRow]] = {}
        for window in self.windows:
            for item in window.rows:
                if item.lookup is not None:
                    wanted.setdefault(item.artifact, []).append(item)
        limit = self.limits.text_chars
        classes = record_types()
        for artifact, items in sorted(wanted.items()):
            cls = classes.get(artifact)
            ts_only = cls is not None and all(item.desc == cls.TS_DESC for item in items)
            lookups = [(item, item.lookup) for item in items if item.lookup is not None]
            keys = {key for _, (key, _) in lookups}
            # A time as the timeline wrote it, and in UTC (records/ writes either form).
            times = {when.encode() for _, (_, when) in lookups}
            times.update(_iso_us(item.us).encode() for item in items)
            found = find_records(folder, artifact, keys, times, self.bad_lines, ts_only)
            for item, (key, _) in lookups:
                rec = found.get(key)
                item.text = NOT_FOUND if rec is None else record_summary(rec, True, limit)
                item.lookup = None


def scan_records(
    folder: Path, windows: list[Window], index: DetectionIndex, limits: Limits, redact: bool
) -> WindowScan:
    """Fill ``windows`` from the results folder ``folder`` (its timeline.csv, else its
    records/); return the pass (per-day counts, records read if counted, unreadable lines)."""
    timeline = TimelineScan(windows, index, limits, redact)
    if timeline.run(folder / "timeline.csv"):
        timeline.finish()
        timeline.fill_redacted(folder)
        return timeline
    scan = RecordScan(windows, index, limits, redact)
    scan.run(folder)
    scan.finish()
    return scan
