"""``timeline.csv``: every timestamp of every record and detection, sorted, in UTC.

Columns follow Timesketch's CSV import (required ``datetime``, ``timestamp_desc``, ``message``;
optional ``timestamp`` in microseconds since 1970) plus our own: ``artifact``, ``detection`` (the
highest severity of detections on that record, empty if none), ``device_path`` and ``row``.
Rows are staged in a temporary SQLite file and sorted there, so memory stays flat however many
records the acquisition holds.
"""

from __future__ import annotations

import csv
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
        self._db.execute(
            "CREATE TABLE t (us INTEGER, iso TEXT, descr TEXT, message TEXT, artifact TEXT, "
            "detection TEXT, path TEXT, row INTEGER)"
        )
        self.rows = 0
        self._pending: list[tuple[object, ...]] = []

    def detach(self) -> Path:
        """Write pending rows and close the staging database; return its path (kept)."""
        self._flush()
        self._db.commit()
        self._db.close()
        return self.db_path

    def absorb(self, db_path: Path) -> None:
        """Take every row of another writer's detached staging database."""
        self._flush()
        self._db.execute("ATTACH DATABASE ? AS other", (str(db_path),))
        try:
            count = self._db.execute("SELECT count(*) FROM other.t").fetchone()[0]
            self._db.execute("INSERT INTO t SELECT * FROM other.t")
            self._db.commit()
        finally:
            self._db.execute("DETACH DATABASE other")
        self.rows += int(count)

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
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
        message = record.describe()
        pending = self._pending
        for ts, desc in times:
            pending.append(
                (
                    _micros(ts),
                    ts.isoformat(),
                    desc,
                    message,
                    record.TYPE,
                    detection,
                    prov.path,
                    record.row,
                )
            )
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
        self._pending.append(
            (_micros(ts), ts.isoformat(), "Detection", message, artifact, severity, path, row)
        )
        self.rows += 1

    def close(self) -> None:
        """Write the sorted CSV and remove the staging database."""
        if self.output is None:
            raise ValueError("a staging timeline is handed over with detach(), not closed")
        try:
            self._flush()
            with self.output.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS)
                cursor = self._db.execute(
                    # A total order, so the file is the same however the work was split.
                    "SELECT iso, descr, message, us, artifact, detection, path, row FROM t "
                    "ORDER BY us, artifact, path, row, descr, detection, message"
                )
                # Only the message and the device path carry device text; the other columns are
                # ours (ISO times, descriptions, artifact names, severities).
                writer.writerows(
                    (
                        iso_ts,
                        descr,
                        safe_cell(message),
                        us,
                        artifact,
                        detection,
                        safe_cell(path),
                        "" if row is None else row,
                    )
                    for iso_ts, descr, message, us, artifact, detection, path, row in cursor
                )
        finally:
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
