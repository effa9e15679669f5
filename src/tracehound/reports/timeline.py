"""``timeline.csv``: every timestamp of every record and detection, sorted, in UTC.

Columns follow Timesketch's CSV import (required ``datetime``, ``timestamp_desc``, ``message``;
optional ``timestamp`` in microseconds since 1970) plus our own: ``artifact``, ``detection`` (the
highest severity of detections on that record, empty if none), ``device_path`` and ``row``.
Rows are sorted by an external merge sort over private run files, so memory stays flat however
many records the acquisition holds. The same writer writes the rows as Timesketch JSON lines
instead (``jsonl=True``, ``timeline_json``; ``tracehound export timesketch``).
"""

from __future__ import annotations

import heapq
import marshal
import shutil
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Severity
from tracehound.core.tempspace import TempSpace
from tracehound.core.timeutil import UNIX_EPOCH, iso_text
from tracehound.reports.timeline_json import LENGTH_WIDTH, json_line, record_fields

COLUMNS = (
    "datetime",
    "timestamp_desc",
    "message",
    "timestamp",
    "artifact",
    "detection",
    "device_path",
    "row",
)

#: Characters that make spreadsheet programs read a cell as a formula (OWASP "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_FIRST = frozenset(_FORMULA_START)


#: Bytes of rows held in memory before they are sorted and written as one run file (about 20,000
#: rows of a typical size); a bigger run means fewer files to merge but more memory. Counted in
#: bytes, not rows, because device text decides how long a row is.
_RUN_BYTES = 8 << 20
#: Sort keys: the time in microseconds plus an offset that makes every time since year 1 positive,
#: zero-padded so that keys compare as bytes in numeric order.
_KEY_OFFSET = 1 << 62
_KEY_WIDTH = 19


def safe_cell(value: object) -> str:
    """Text for a CSV cell that a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in _FORMULA_FIRST:
        return "'" + text
    return text


def _csv_text(text: str) -> str:
    """A CSV cell as ``csv.writer`` (QUOTE_MINIMAL) writes it: quoted only when it holds a
    comma, a quote or a line break, with quotes doubled."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _row(row: int | None) -> str:
    return "" if row is None else str(row)


_MICROSECOND = timedelta(microseconds=1)


class TimelineWriter:
    """Collects timeline rows and writes them sorted to CSV on ``close``.

    Sorting is an external merge sort, so memory stays flat however many records the acquisition
    holds: rows are kept in memory up to ``_RUN_BYTES``, sorted there and written to a run file in
    a private staging folder; ``close`` merges the sorted runs into ``timeline.csv``. A row is
    staged as one UTF-8 byte string, its sort key (the time in microseconds, offset to be
    non-negative and zero-padded to a fixed width) followed by its finished CSV line, so plain
    byte comparison orders rows by time, then by the line itself: a total order, and the file is
    the same whatever the order rows were added in.

    With ``jsonl=True`` the file is Timesketch JSON lines (``timeline_json``) in the same order:
    a row is staged as its sort key, its CSV line (so rows sort exactly as in the CSV), its JSON
    line, and the JSON line's byte count in ``LENGTH_WIDTH`` digits, by which ``close`` cuts
    the JSON line out.
    """

    def __init__(
        self, output: Path | None, staging: Path | None = None, jsonl: bool = False
    ) -> None:
        """Rows go to ``output`` on close; a worker passes ``output=None`` and a ``staging``
        folder, and hands its rows over with ``detach`` (see ``absorb``)."""
        self.output = output
        self.jsonl = jsonl
        self._tmp: TempSpace | None = None
        if staging is None:
            self._tmp = TempSpace("tracehound-timeline-")
            staging = self._tmp.root
        self.staging = staging
        self.rows = 0
        #: False: rows are not kept and ``close`` writes no file (``check --no-timeline-csv``).
        self.enabled = True
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._runs: list[Path] = []
        self._paths: dict[str, str] = {}  # device path -> its CSV cell (one per input file)

    # -- adding rows ----------------------------------------------------------------------------

    def add_record(self, record: Record, prov: Provenance, detection: str = "") -> None:
        """Add the record's ``ts`` and its EXTRA_TIMES fields."""
        if not self.enabled:
            return
        ts = record.ts
        extra = record.EXTRA_TIMES
        if ts is None and not extra:
            return
        times: list[tuple[datetime, str]] = []
        if ts is not None:
            times.append((ts, record.TS_DESC))
        for name, desc in extra:
            value = getattr(record, name, None)
            if isinstance(value, datetime):
                times.append((value, desc))
        if not times:
            return
        text = record.describe()
        message = _csv_text(safe_cell(text))
        path = self._paths.get(prov.path)
        if path is None:
            path = self._paths[prov.path] = _csv_text(safe_cell(prov.path))
        tail = f",{record.TYPE},{detection},{path},{_row(record.row)}\r\n"
        json_parts = None
        if self.jsonl:
            fields = record_fields(record)
            json_parts = (text, record.TYPE, detection, prov.path, record.row, fields)
        for when, desc in times:
            self._stage(when, desc, message, tail, json_parts)

    def add_lines(self, lines: list[bytes]) -> None:
        """Add rows staged elsewhere (``timeline_columns``): sort key, then the CSV line."""
        if not self.enabled:
            return
        for line in lines:
            self._pending.append(line)
            self._pending_bytes += len(line)
        self.rows += len(lines)
        if self._pending_bytes >= _RUN_BYTES:
            self._spill()

    def add_detection(
        self,
        ts: datetime | None,
        severity: str,
        message: str,
        artifact: str,
        path: str,
        row: int | None,
    ) -> None:
        """Add a detection as its own timeline row (it appears next to the record it is about)."""
        if ts is None or not self.enabled:
            return
        tail = f",{artifact},{severity},{_csv_text(safe_cell(path))},{_row(row)}\r\n"
        json_parts = (message, artifact, severity, path, row, "") if self.jsonl else None
        self._stage(ts, "Detection", _csv_text(safe_cell(message)), tail, json_parts)

    def _stage(
        self,
        when: datetime,
        desc: str,
        message: str,
        tail: str,
        json_parts: tuple[str, str, str, str, int | None, str] | None = None,
    ) -> None:
        """Stage one row: its sort key, then its CSV line (``desc`` is the raw description,
        ``message`` a finished cell, ``tail`` the cells after the timestamp), and for JSONL
        the JSON line of ``json_parts`` (message, artifact, severity, device path, row, field
        pairs) and its length; spill to a run file when memory is full."""
        if when.tzinfo is None:  # a parser bug (times are aware UTC): read as UTC, as_utc's rule
            when = when.replace(tzinfo=UTC)
        us = (when - UNIX_EPOCH) // _MICROSECOND  # exact: timedelta arithmetic is integral
        when_text = iso_text(when)
        text = (
            f"{us + _KEY_OFFSET:0{_KEY_WIDTH}d}{when_text},{_csv_text(desc)},{message},{us}{tail}"
        )
        line = _encode(text)
        if json_parts is not None:
            payload = _encode(json_line(when_text, us, desc, *json_parts))
            line += payload + b"%0*d" % (LENGTH_WIDTH, len(payload))
        self._pending.append(line)
        self.rows += 1
        self._pending_bytes += len(line)
        if self._pending_bytes >= _RUN_BYTES:
            self._spill()

    # -- runs -----------------------------------------------------------------------------------

    def _spill(self) -> None:
        """Sort the rows in memory and write them as one more run file."""
        if not self._pending:
            return
        self._pending.sort()
        path = self.staging / f"run-{len(self._runs)}.bin"
        _write_run(path, self._pending)
        self._runs.append(path)
        self._pending, self._pending_bytes = [], 0

    def _streams(self) -> list[Iterator[bytes]]:
        """Every staged row as sorted streams: the run files, then the rows still in memory."""
        self._pending.sort()
        streams = [_read_run(p) for p in self._runs]
        if self._pending:
            streams.append(iter(self._pending))
        return streams

    def detach(self) -> Path:
        """Merge this writer's rows into one sorted run file (in the worker, in parallel with the
        others) and return its path; the file is kept for ``absorb``."""
        path = self.staging / "timeline.run"
        _write_run(path, _merge(self._streams()))
        for run in self._runs:
            run.unlink()
        self._runs, self._pending, self._pending_bytes = [path], [], 0
        return path

    def absorb(self, run: Path) -> None:
        """Take over another writer's detached run (merged, in order, on close); it is moved next
        to this writer's own runs and removed with them."""
        kept = self.staging / f"worker-{len(self._runs)}.run"
        shutil.move(run, kept)
        self._runs.append(kept)
        self.rows += _run_count(kept)

    def close(self) -> None:
        """Write the sorted CSV and remove the staging files."""
        if self.output is None:
            raise ValueError("a staging timeline is handed over with detach(), not closed")
        if not self.enabled:
            self.discard()
            return
        try:
            with self.output.open("wb") as handle:
                if self.jsonl:
                    handle.writelines(_json_of(row) for row in _merge(self._streams()))
                else:
                    handle.write((",".join(COLUMNS) + "\r\n").encode("ascii"))
                    handle.writelines(row[_KEY_WIDTH:] for row in _merge(self._streams()))
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the staged rows (without writing ``timeline.csv``, if not written yet)."""
        self._pending, self._pending_bytes = [], 0
        if self._tmp is not None:
            self._tmp.close()
        else:
            for run in self._runs:
                run.unlink(missing_ok=True)
        self._runs = []

    def __enter__(self) -> TimelineWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _encode(text: str) -> bytes:
    # A lone surrogate cannot be UTF-8. Sources decode with replacement and skip file names that
    # are not UTF-8, so none should arrive; if one does, it is written as a visible \udcxx
    # escape rather than failing the whole timeline.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def _json_of(row: bytes) -> bytes:
    """The JSON line of a staged JSONL row (see ``TimelineWriter``), with its newline."""
    size = int(row[-LENGTH_WIDTH:])
    return row[-LENGTH_WIDTH - size : -LENGTH_WIDTH] + b"\n"


def _merge(streams: list[Iterator[bytes]]) -> Iterator[bytes]:
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams)


#: A run file: an 8-byte row count, then blocks of at most _BLOCK rows, each an 8-byte length and
#: a ``marshal`` dump of a list of rows (a row may hold line breaks inside a quoted cell, so rows
#: cannot be newline-framed). ``marshal`` is safe here: the files are our own, written moments
#: before in a private (0700) folder, never read from elsewhere.
_BLOCK = 500


def _write_run(path: Path, rows: Iterable[bytes]) -> None:
    with path.open("wb") as handle:
        handle.write(bytes(8))
        written = 0
        block: list[bytes] = []
        for row in rows:
            block.append(row)
            if len(block) >= _BLOCK:
                written += _write_block(handle, block)
                block = []
        if block:
            written += _write_block(handle, block)
        handle.seek(0)
        handle.write(written.to_bytes(8, "little"))


def _write_block(handle: IO[bytes], block: list[bytes]) -> int:
    data = marshal.dumps(block)
    handle.write(len(data).to_bytes(8, "little"))
    handle.write(data)
    return len(block)


def _run_count(path: Path) -> int:
    with path.open("rb") as handle:
        return int.from_bytes(handle.read(8), "little")


def _read_run(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(8)
        while size := int.from_bytes(handle.read(8), "little"):
            yield from marshal.loads(handle.read(size))  # noqa: S302 (our own run file)


def max_severity(severities: list[str]) -> str:
    """The highest of several severities ("" when none)."""
    return max(severities, key=lambda s: Severity(s).rank, default="")
