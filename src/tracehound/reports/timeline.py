"""``timeline.csv``: every timestamp of every record and detection, sorted, in UTC.

Columns follow Timesketch's CSV import (required ``datetime``, ``timestamp_desc``, ``message``;
optional ``timestamp`` in microseconds since 1970) plus our own: ``artifact``, ``detection`` (the
highest severity of detections on that record, empty if none), ``device_path`` and ``row``.
Rows are staged in a temporary SQLite file and sorted there, so memory stays flat however many
records the acquisition holds.
"""

from __future__ import annotations

import csv
import heapq
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Severity
from tracehound.core.timeutil import UNIX_EPOCH

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


#: Rows staged in memory before one executemany into the staging database.
_BATCH = 5000


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


def _micros(ts: datetime) -> int:
    delta = ts.astimezone(UTC) - UNIX_EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class TimelineWriter:
    """Collects timeline rows and writes them sorted to CSV on ``close``."""

    def __init__(self, output: Path | None, staging: Path | None = None) -> None:
        """Rows go to ``output`` on close; a worker passes ``output=None`` and a ``staging``
        folder, and hands its rows over with ``detach`` (see ``absorb``)."""
        self.output = output
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if staging is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tracehound-timeline-")
            staging = Path(self._tmp.name)
            staging.chmod(0o700)
        self.db_path = staging / "timeline.sqlite"
        self._db = sqlite3.connect(self.db_path)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        # Each row is staged as its finished CSV line: the rendering happens in the workers, and
        # the final sort (on the time, then the line itself: a total order) only copies lines.
        self._db.execute("CREATE TABLE t (us INTEGER, line TEXT)")
        self.rows = 0
        self._pending: list[tuple[object, ...]] = []
        self._others: list[Path] = []

    def detach(self) -> Path:
        """Write pending rows, index them in timeline order (the sort happens here, in the
        worker, in parallel with the others) and close; return the database's path (kept)."""
        self._flush()
        self._db.execute("CREATE INDEX t_order ON t (us, line)")
        self._db.commit()
        self._db.close()
        return self.db_path

    def absorb(self, db_path: Path) -> None:
        """Take over another writer's detached database (merged, in order, on close); it is
        moved next to this writer's own staging file and removed with it."""
        kept = self.db_path.with_name(f"worker-{len(self._others)}.sqlite")
        shutil.move(db_path, kept)
        self._others.append(kept)
        other = sqlite3.connect(f"file:{kept}?mode=ro", uri=True)
        try:
            self.rows += int(other.execute("SELECT count(*) FROM t").fetchone()[0])
        finally:
            other.close()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO t VALUES (?, ?)", self._pending)
            self._pending = []

    def add_record(self, record: Record, prov: Provenance, detection: str = "") -> None:
        """Add the record's ``ts`` and its EXTRA_TIMES fields."""
        times: list[tuple[datetime, str]] = []
        if record.ts is not None:
            times.append((record.ts, record.TS_DESC))
        for name, desc in record.EXTRA_TIMES:
            value = getattr(record, name, None)
            if isinstance(value, datetime):
                times.append((value, desc))
        if not times:
            return
        message = _csv_text(safe_cell(record.describe()))
        tail = (
            f",{record.TYPE},{detection},{_csv_text(safe_cell(prov.path))},{_row(record.row)}\r\n"
        )
        pending = self._pending
        for ts, desc in times:
            us = _micros(ts)
            pending.append((us, f"{ts.isoformat()},{_csv_text(desc)},{message},{us}{tail}"))
        self.rows += len(times)
        if len(pending) >= _BATCH:
            self._flush()

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
        if ts is None:
            return
        us = _micros(ts)
        self._pending.append(
            (
                us,
                f"{ts.isoformat()},Detection,{_csv_text(safe_cell(message))},{us},{artifact},"
                f"{severity},{_csv_text(safe_cell(path))},{_row(row)}\r\n",
            )
        )
        self.rows += 1

    def close(self) -> None:
        """Write the sorted CSV and remove the staging database."""
        if self.output is None:
            raise ValueError("a staging timeline is handed over with detach(), not closed")
        others = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in self._others]
        try:
            self._flush()
            query = "SELECT us, line FROM t ORDER BY us, line"
            streams = [self._db.execute(query), *(db.execute(query) for db in others)]
            with self.output.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerow(COLUMNS)
                # Each stream is already in (time, line) order: merging them gives the same
                # file as one sorted table, without copying the workers' rows.
                rows = streams[0] if len(streams) == 1 else heapq.merge(*streams)
                handle.writelines(line for _, line in rows)
        finally:
            for db in others:
                db.close()
            self._db.close()
            if self._tmp is not None:
                self._tmp.cleanup()

    def __enter__(self) -> TimelineWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def max_severity(severities: list[str]) -> str:
    """The highest of several severities ("" when none)."""
    return max(severities, key=lambda s: Severity(s).rank, default="")
