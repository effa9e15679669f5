"""The timeline rebuilt from a results folder's store: the records' Parquet columns and the
detections, through the same columnar row builder and external sort as the check.

One row source (``add_timeline_rows``) feeds a ``TimelineWriter``, which writes either
``timeline.csv`` (the file the check writes) or Timesketch JSON lines (``timeline_json``): the
same rows in the same order, since a JSONL row sorts by its CSV line."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracehound.core.columns import EXTRA_COLUMN, batch_records
from tracehound.core.records import Record, record_json
from tracehound.core.registry import record_types
from tracehound.reports.derived import iter_jsonl
from tracehound.reports.timeline import TimelineWriter, max_severity
from tracehound.reports.timeline_columns import timeline_lines
from tracehound.store.records import record_files
from tracehound.store.results import FILE_MODE

#: (artifact, device path, row) -> [(the record's JSON form, severity)] of its detections.
Marks = dict[tuple[str, str, Any], list[tuple[dict[str, Any], str]]]


def _marks(folder: Path) -> tuple[Marks, list[dict[str, Any]]]:
    marks: Marks = {}
    detections = list(iter_jsonl(folder / "detections.jsonl"))
    for det in detections:
        ev = det.get("evidence") or {}
        key = (str(det.get("artifact")), str(ev.get("path")), ev.get("row"))
        marks.setdefault(key, []).append((det.get("record") or {}, str(det.get("severity"))))
    return marks, detections


def _severities(cls: type[Record], batch: pa.RecordBatch, path: str, marks: Marks) -> list[str]:
    """Each row's highest detection severity: a detection marks the record whose artifact,
    path, row and whole JSON form are its own (rows may lack a row id)."""
    out = [""] * batch.num_rows
    rows = batch.column("row").to_pylist()
    candidates = [n for n, row in enumerate(rows) if (cls.TYPE, path, row) in marks]
    if not candidates:
        return out
    records = list(batch_records(cls, batch.take(pa.array(candidates))))
    for number, (record, _) in zip(candidates, records, strict=True):
        found = marks[(cls.TYPE, path, rows[number])]
        shown = record_json(record)
        out[number] = max_severity([sev for rec, sev in found if rec == shown])
    return out


def _by_path(batch: pa.RecordBatch) -> Iterator[tuple[str, pa.RecordBatch]]:
    paths = (
        pc.dictionary_decode(batch.column("_path"))
        if pa.types.is_dictionary(batch.column("_path").type)
        else batch.column("_path")
    )
    for path in pc.unique(paths).to_pylist():
        yield str(path), batch.filter(pc.equal(paths, path))


def _add_records(writer: TimelineWriter, cls: type[Record], path: Path, marks: Marks) -> None:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=8192):
        for device_path, part in _by_path(batch):
            severities = _severities(cls, part, device_path, marks)
            odd = pc.indices_nonzero(pc.is_valid(part.column(EXTRA_COLUMN))).to_pylist()
            lines = timeline_lines(cls, part, severities, device_path, odd, writer.jsonl)
            writer.add_lines(lines)
            if odd:
                rows = list(batch_records(cls, part.take(pa.array(odd))))
                for number, (record, prov) in zip(odd, rows, strict=True):
                    writer.add_record(record, prov, severities[number])


def add_timeline_rows(folder: Path, writer: TimelineWriter) -> None:
    """Stage every timeline row of the results folder ``folder`` in ``writer``: each time of
    each record of ``records/*.parquet``, marked with its detections' highest severity, and
    each detection with a time as a row of its own."""
    marks, detections = _marks(folder)
    classes = record_types()
    for name, path in record_files(folder / "records").items():
        cls = classes.get(name)
        if cls is not None and path.suffix == ".parquet":
            _add_records(writer, cls, path, marks)
    for det in detections:
        ts = det.get("ts")
        ev = det.get("evidence") or {}
        if isinstance(ts, str):
            writer.add_detection(
                datetime.fromisoformat(ts),
                str(det.get("severity")),
                str(det.get("message")),
                str(det.get("artifact")),
                str(ev.get("path")),
                ev.get("row"),
            )


def write_timeline(folder: Path, target: Path, jsonl: bool = False) -> int:
    """Write the timeline of the results folder ``folder`` to ``target`` (CSV, or Timesketch
    JSON lines with ``jsonl``) through a private sibling renamed into place; return its rows."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, FILE_MODE)
    writer = TimelineWriter(Path(tmp), jsonl=jsonl)
    try:
        add_timeline_rows(folder, writer)
        rows = writer.rows
        writer.close()
        os.replace(tmp, target)
    except BaseException:
        writer.discard()
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows
