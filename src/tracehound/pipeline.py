"""source -> parsers -> index + detectors -> writers, with the run report.

One pass: each record is written, matched and shown to the detectors as it streams from its
parser, so memory does not grow with the acquisition. Every artifact ends in one status:
``ran``, ``not_present``, ``missing``, ``schema_mismatch`` or ``error``, with counts, so a
missing database never reads as a clean result.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound import OUTPUT_FORMAT_VERSION, __version__
from tracehound.core.columns import (
    EXTRA_COLUMN,
    batch_records,
    records_at,
    records_batch,
    with_provenance,
)
from tracehound.core.context import ParseContext
from tracehound.core.detection import Detection, from_finding, from_match, is_serious
from tracehound.core.errors import (
    EXIT_CLEAN,
    EXIT_DETECTED,
    EXIT_INCOMPLETE,
    InputError,
    MissingInput,
    SchemaMismatch,
    TracehoundError,
)
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Artifact, Detector, Finding, artifacts, detectors, units
from tracehound.evidence import EvidenceLog
from tracehound.iocs.cache import load_iocs_cached
from tracehound.iocs.feeds import default_paths, label, read_manifest
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.stix import IocSet
from tracehound.parallel import artifact_of, default_jobs, run_parallel
from tracehound.parsers.common.runner import (
    LISTING_PATH,
    check_schema,
    filter_listing,
    open_raw,
    parse_guard,
    prepare,
)
from tracehound.reports.derived import write_derived
from tracehound.reports.jsonl import write_line
from tracehound.reports.runinfo import (
    artifact_table,
    coverage_summary,
    detection_summary,
    ioc_summary,
)
from tracehound.reports.text import counted
from tracehound.reports.timeline import TimelineWriter, max_severity
from tracehound.reports.timeline_columns import timeline_lines
from tracehound.sources.base import Source, SourceOptions
from tracehound.sources.detect import open_source
from tracehound.store.detections import write_detections_parquet
from tracehound.store.records import RecordStore
from tracehound.store.results import ResultsStaging, check_output

#: ``progress(label, done, total)``: what the check is doing now ("parsing ios.sms", "sorting
#: the timeline"), called when that step starts, with the number of artifacts finished so far
#: (``total`` 0 while the artifacts are not known yet).
Progress = Callable[[str, int, int], None]
ENV_IOCS = "TRACEHOUND_IOCS"
#: Records taken from a parser before they go on as one Arrow batch (columns written, values
#: matched, heuristics fed): memory is bounded by this, whatever the size of the input.
BATCH_ROWS = 8192
#: Artifact statuses that leave an input unchecked and the run incomplete.
UNCHECKED_STATUSES = ("error", "schema_mismatch", "missing")


@dataclass
class CheckOptions:
    """What ``tracehound check`` was asked to do."""

    target: Path
    output: Path
    ioc_paths: list[Path] = field(default_factory=list)
    bundled_iocs: bool = True
    command: list[str] = field(default_factory=list)
    source: SourceOptions = field(default_factory=SourceOptions)
    jobs: int = 0  # worker processes; 0: as many as there are CPU cores, at most 2
    #: How each secret was given (e.g. ``{"password": "--password-file"}``), never its value.
    secrets: dict[str, str] = field(default_factory=dict)
    #: Also write every record as JSON lines (``records/<TYPE>.jsonl``) beside the Parquet.
    records_jsonl: bool = False
    #: Write ``timeline.csv`` too (else ``tracehound export timeline`` writes it from the store;
    #: the timeline is a view of the records, and as CSV it is ten times their size).
    timeline_csv: bool = False


@dataclass
class ArtifactRun:
    """What happened to one artifact."""

    artifact: Artifact
    status: str = "not_present"
    records: int = 0
    warnings: int = 0
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    detections: int = 0
    rank: int = 0  # the artifact's place in the registry order (detections are ordered by it)


#: Where a detection was made, for one order whatever the number of workers: (artifact rank,
#: input file, row in the file's stream, 0 for an indicator hit / 1 for a heuristic, order).
Position = tuple[int, int, int, int, int]
#: Rows a worker hands to the parent's heuristics: (record type, (rank, file), row numbers in
#: the file's stream, the rows as a batch, for each row the indices of the detectors of that
#: type that want it).
Shipped = tuple[str, tuple[int, int], list[int], pa.RecordBatch, list[tuple[int, ...]]]
_AFTER_ALL = 1 << 30  # the rank of findings made by ``finish``, after every streamed row


@dataclass
class RunResult:
    """The outcome: exit code, the run.json content and the detections."""

    exit_code: int
    run: dict[str, Any]
    detections: list[dict[str, Any]]
    output: Path


def _step(progress: Progress | None, label: str, done: int = 0, total: int = 0) -> None:
    """Tell ``progress`` (if any) that the step ``label`` starts."""
    if progress:
        progress(label, done, total)


def ioc_set_for(options: CheckOptions) -> tuple[str, list[Path]]:
    """The default set's name and the indicator files to load, in order: the default set
    (downloaded by ``tracehound iocs update``, else bundled), TRACEHOUND_IOCS, then --iocs."""
    name, default = default_paths()
    paths = list(default) if options.bundled_iocs else []
    if not options.bundled_iocs:
        name = "none"
    env = os.environ.get(ENV_IOCS, "")
    paths.extend(Path(p) for p in env.split(os.pathsep) if p.strip())
    paths.extend(options.ioc_paths)
    return name, paths


def load_indicators(options: CheckOptions) -> tuple[str, IocSet, IndicatorIndex]:
    """The default set's name, the indicators and their index; refuse to run (exit 4) when an
    indicator file cannot be used, before any evidence is read: a check with a silently
    missing indicator file would read as clean for what that file would have found."""
    set_name, ioc_paths = ioc_set_for(options)
    iocs = load_iocs_cached(ioc_paths, label)
    broken = [f for f in iocs.files if f.error]
    if broken:
        first = broken[0]
        more = f" (and {len(broken) - 1} more indicator files)" if len(broken) > 1 else ""
        raise TracehoundError(
            f"{first.path}: indicator file cannot be used: {first.error}{more}; nothing was "
            "checked (fix or remove it, or run `tracehound iocs update`)"
        )
    return set_name, iocs, IndicatorIndex.build(iocs.indicators)


class _Run:
    """State of one check (or of one worker's share of it) while it streams."""

    def __init__(
        self,
        source: Source,
        index: IndicatorIndex,
        output: Path,
        timeline: TimelineWriter,
        detector_classes: list[type[Detector]] | None = None,
        write_detections: bool = True,
        records_jsonl: bool = False,
        timeline_csv: bool = True,
        ship: bool = False,
    ) -> None:
        self.source = source
        self.facts = source.facts()
        self.index = index
        self.output = output
        self.evidence = EvidenceLog()
        self.detections: list[Detection] = []
        self.positions: list[Position] = []  # where each detection was made (same order)
        self.at: tuple[int, int] = (0, 0)  # (artifact rank, input file) being read
        self.row_base = 0  # rows of that file already handled
        self.store = RecordStore(output / "records", jsonl=records_jsonl)
        self.detectors: dict[str, list[Detector]] = {}
        self.add_detectors(detectors() if detector_classes is None else detector_classes)
        self.det_handle: IO[str] | None = None
        if write_detections:
            self.det_handle = (output / "detections.jsonl").open("w", encoding="utf-8")
        self.timeline = timeline
        timeline.enabled = timeline_csv
        # A worker whose heuristics run in the parent (parallel.py): detectors used only to say
        # which rows they want, and the rows shipped to the parent.
        self.ship = ship
        self.wanters: dict[str, list[Detector]] = {}
        self.shipped: list[Shipped] = []
        if ship:
            for cls in detectors():
                instance = cls()
                for type_name in cls.TYPES:
                    self.wanters.setdefault(type_name, []).append(instance)

    def add_detectors(self, classes: list[type[Detector]]) -> None:
        """Start these detectors (one instance each) on the records of their types."""
        for cls in classes:
            instance = cls()
            instance.use_indicators(self.index)
            for type_name in cls.TYPES:
                self.detectors.setdefault(type_name, []).append(instance)

    def emit(self, detection: Detection, position: Position = (_AFTER_ALL, 0, 0, 0, 0)) -> None:
        self.detections.append(detection)
        self.positions.append(position)
        if self.det_handle is not None:
            write_line(self.det_handle, detection.to_json())

    def handle_batch(self, records: list[Record], prov: Provenance) -> int:
        """The data path of every record, a batch at a time: the records become Arrow columns
        (``records/<TYPE>.parquet``), each column's distinct values are matched against the
        indicators once, then each record, in order, meets its matches and the heuristics and
        goes on the timeline. Return how many detections the batch caused."""
        count = 0
        start = 0
        while start < len(records):  # runs of one record type (an artifact may yield several)
            cls = type(records[start])
            stop = start + 1
            while stop < len(records) and type(records[stop]) is cls:
                stop += 1
            count += self._handle_run(cls, records[start:stop], prov)
            start = stop
        return count

    def _handle_run(self, cls: type[Record], records: list[Record], prov: Provenance) -> int:
        return self.handle_columns(cls, records_batch(cls, records, prov), prov, records)

    def handle_columns(
        self,
        cls: type[Record],
        batch: pa.RecordBatch,
        prov: Provenance,
        records: list[Record] | None = None,
    ) -> int:
        """One batch of ``cls``'s rows as Arrow columns (provenance included). ``records`` are
        the same rows as objects when the parser built them; for a columnar parser's batch,
        objects are made here only for the rows that need one: indicator hits and the rows the
        heuristics want (``Detector.wants``)."""
        count_rows = batch.num_rows
        if records is None and self.store.jsonl:
            records = records_at(cls, batch, range(count_rows))
        self.store.write(cls, batch, records or [], prov)
        severities = [""] * count_rows
        count = 0
        rank, file = self.at
        detectors = self.detectors.get(cls.TYPE, [])
        for number, record, row_prov, found, matches in detect_batch(
            cls, batch, self.index, detectors, records, prov
        ):
            for k, item in enumerate(found):
                phase = 0 if k < matches else 1
                self.emit(item, (rank, file, self.row_base + number, phase, k))
                self.timeline.add_detection(
                    record.ts, item.severity, item.message, record.TYPE, row_prov.path, record.row
                )
            severities[number] = max_severity([d.severity for d in found])
            count += len(found)
        if self.ship:
            self._ship(cls, batch)
        self.row_base += count_rows
        # The records' timeline rows, from the columns; rows whose values Arrow could not hold
        # exactly (``_extra``) are described in Python.
        if not self.timeline.enabled:
            return count
        odd = pc.indices_nonzero(pc.is_valid(batch.column(EXTRA_COLUMN))).to_pylist()
        self.timeline.add_lines(timeline_lines(cls, batch, severities, prov.path, odd))
        odd_records = [records[n] for n in odd] if records else records_at(cls, batch, odd)
        for number, record in zip(odd, odd_records, strict=True):
            self.timeline.add_record(record, prov, severities[number])
        return count

    def _ship(self, cls: type[Record], batch: pa.RecordBatch) -> None:
        """Keep the rows the parent's heuristics want (``Detector.wants`` of each detector of
        this type, asked here of instances that are never fed), with where they were read."""
        wanters = self.wanters.get(cls.TYPE, ())
        if not wanters:
            return
        masks = [wanted_rows(det, cls.TYPE, batch) for det in wanters]
        every = set(range(batch.num_rows))
        chosen = [every if rows is None else rows for rows in masks]
        numbers = sorted(set().union(*chosen))
        if not numbers:
            return
        by = [tuple(i for i, rows in enumerate(chosen) if n in rows) for n in numbers]
        taken = batch.take(pa.array(numbers, pa.int64()))
        self.shipped.append((cls.TYPE, self.at, [self.row_base + n for n in numbers], taken, by))

    def feed_shipped(self, cls: type[Record], shipped: Shipped) -> None:
        """Run this run's heuristics on rows a worker shipped, as if it had read them."""
        _, (rank, file), row_numbers, batch, by = shipped
        instances = self.detectors.get(cls.TYPE, [])
        for i, det in enumerate(instances):  # detectors that take their rows as columns
            if cls.TYPE in det.COLUMN_TYPES:
                mine = [n for n, wanting in enumerate(by) if i in wanting]
                if mine:
                    det.feed_columns(cls.TYPE, batch.take(pa.array(mine, pa.int64())), cls)
                by = [tuple(j for j in wanting if j != i) for wanting in by]
        numbers = [n for n, wanting in enumerate(by) if wanting]
        if not numbers:
            return
        rest = batch if len(numbers) == len(by) else batch.take(pa.array(numbers, pa.int64()))
        for n, (record, prov) in zip(numbers, batch_records(cls, rest), strict=True):
            found = [from_finding(f) for i in by[n] for f in instances[i].feed(record, prov)]
            for k, item in enumerate(found):
                self.emit(item, (rank, file, row_numbers[n], 1, k))

    def finish_detectors(self) -> None:
        seen: set[int] = set()
        for instances in self.detectors.values():
            for det in instances:
                if id(det) in seen:
                    continue
                seen.add(id(det))
                for finding in det.finish():
                    self._emit_finding(finding)

    def _emit_finding(self, finding: Finding) -> None:
        item = from_finding(finding)
        self.emit(item)
        self.timeline.add_detection(
            finding.ts,
            item.severity,
            item.message,
            finding.record.TYPE,
            finding.prov.path,
            finding.record.row,
        )

    def close_files(self) -> None:
        """Close the detection and record files (the timeline is closed by its owner)."""
        if self.det_handle is not None:
            self.det_handle.close()
        self.store.close()


def detect_batch(
    cls: type[Record],
    batch: pa.RecordBatch,
    index: IndicatorIndex,
    detectors: Sequence[Detector],
    records: Sequence[Record] | None = None,
    prov: Provenance | None = None,
) -> Iterator[tuple[int, Record, Provenance, list[Detection], int]]:
    """The detections of one batch of ``cls``'s rows, as ``(row number, record, provenance,
    detections, how many of them are indicator hits)`` for each row with one, in row order:
    a row's hits first, then what each detector (in order) finds on it. Each column's distinct
    values are matched once (``IndicatorIndex.match_batch``); only the rows with a hit or that
    a detector wants (``Detector.wants``) become records, unless ``records`` (the same rows,
    all of one input file ``prov``) are given. Used by the check and by ``hunt``."""
    hits = index.match_batch(batch)
    wanted = [wanted_rows(det, cls.TYPE, batch) for det in detectors]
    for i, det in enumerate(detectors):  # detectors that take their rows as columns
        rows = wanted[i]
        if cls.TYPE in det.COLUMN_TYPES:
            if rows is None:
                det.feed_columns(cls.TYPE, batch, cls)
            elif rows:
                det.feed_columns(cls.TYPE, batch.take(pa.array(sorted(rows), pa.int64())), cls)
            wanted[i] = set()
    numbers: Sequence[int]
    if any(rows is None for rows in wanted):
        numbers = range(batch.num_rows)
    else:  # only the rows with indicator hits or that a heuristic asked for need a step
        numbers = sorted(set(hits).union(*(rows for rows in wanted if rows is not None)))
    if records is not None and prov is not None:
        pairs: Iterator[tuple[Record, Provenance]] = ((records[n], prov) for n in numbers)
    elif len(numbers) == batch.num_rows:
        pairs = batch_records(cls, batch)
    else:
        pairs = batch_records(cls, batch.take(pa.array(numbers, pa.int64())))
    for number, (record, row_prov) in zip(numbers, pairs, strict=True):
        found = [from_match(m, record, row_prov) for m in hits.get(number, ())]
        matches = len(found)
        for det, rows in zip(detectors, wanted, strict=True):
            if rows is None or number in rows:
                found.extend(from_finding(f) for f in det.feed(record, row_prov))
        if found:  # nearly every record has no detection
            yield number, record, row_prov, found, matches


def wanted_rows(det: Detector, type_name: str, batch: pa.RecordBatch) -> set[int] | None:
    """The row numbers of ``batch`` a detector must see (None: every row): those its
    ``wants`` mask selects, and every row with values Arrow could not hold (``_extra``),
    whose columns hold nulls in their place, so that a mask on the columns cannot judge it."""
    mask = det.wants(type_name, batch)
    if mask is None:
        return None
    mask = pc.fill_null(mask, False)
    if EXTRA_COLUMN in batch.schema.names:
        mask = pc.or_(mask, pc.is_valid(batch.column(EXTRA_COLUMN)))
    return set(pc.indices_nonzero(mask).to_pylist())


def _register_input(run: _Run, art: Artifact, device_path: str) -> tuple[Path, Provenance]:
    """The local file of ``device_path``, hashed (with a database's -wal and -shm) before it is
    read, and the provenance of its records. Raises MissingInput, InputError or OSError."""
    local = run.source.local(device_path)
    item = run.evidence.register(
        device_path,
        local,
        run.source.describe(device_path),
        art.name,
        run.source.origin(device_path),
    )
    wal = None
    if art.input == "sqlite":
        wal = run.evidence.register_sidecars(item, art.name, run.source.describe, run.source.origin)
    prov = Provenance(
        source=run.source.kind,
        path=device_path,
        sha256=item.sha256,
        parser=art.name,
        parser_version=art.version,
        wal_sha256=wal,
    )
    return local, prov


def _run_file(run: _Run, states: list[ArtifactRun], number: int, device_path: str) -> None:
    """Parse one input file for the artifacts that read it: one artifact, or the members of a
    shared reader (``Reader``), for which the file is registered, opened and prepared once.
    Each artifact's outcome goes in its own state; one that fails does not stop the others."""
    entries = [{"path": device_path, "status": "ran", "records": 0, "warnings": 0} for _ in states]
    for state, entry in zip(states, entries, strict=True):
        state.files.append(entry)
    opening = time.perf_counter()
    try:
        registered = [_register_input(run, s.artifact, device_path) for s in states]
    except MissingInput as exc:
        # Listed in the acquisition's own index but not in it: not damaged, not "not present".
        for state, entry in zip(states, entries, strict=True):
            entry.update(status="missing", error=f"missing: {exc}")
            state.errors.append(f"{device_path}: missing: {exc}")
        return
    except (OSError, InputError) as exc:
        for state, entry in zip(states, entries, strict=True):
            entry.update(status="error", error=f"cannot read: {exc}")
            state.errors.append(f"{device_path}: cannot read: {exc}")
        return
    pending = [(s, e, prov) for s, e, (_, prov) in zip(states, entries, registered, strict=True)]
    first = states[0].artifact
    try:
        with open_raw(first.input, registered[0][0]) as raw:
            prepared = prepare(first, raw)
            states[0].seconds += time.perf_counter() - opening  # the shared open, once
            while pending:
                state, entry, prov = pending.pop(0)
                run.at, run.row_base = (state.rank, number), 0
                started = time.perf_counter()
                _parse_into(run, state, entry, raw, prepared, prov)
                state.seconds += time.perf_counter() - started
    except Exception as exc:  # the input could not be opened, prepared or closed
        # The members not run yet; or, when closing failed after every member ran (a private
        # -wal copy that cannot be removed), every member: the error is never dropped.
        failed = [(s, e) for s, e, _ in pending] or list(zip(states, entries, strict=True))
        for state, entry in failed:
            _failed(state, entry, exc)


def _parse_into(
    run: _Run, state: ArtifactRun, entry: dict[str, Any], raw: Any, opened: Any, prov: Provenance
) -> None:
    """Run one artifact's parser on an opened input (``raw``, as opened; ``opened``, what its
    reader prepared from it) and pass its records on, recording the outcome in ``entry``."""
    art = state.artifact
    ctx = ParseContext(artifact=art.name, path=entry["path"], device=run.facts)
    batch: list[Record] = []
    try:
        with parse_guard(art, raw):
            check_schema(art, raw)
            _consume(run, state, entry, art, art.func(opened, ctx), batch, prov)
    except Exception as exc:  # a parser bug must not stop the other artifacts
        _failed(state, entry, exc)
    _flush(run, state, entry, batch, prov)
    entry["warnings"] = ctx.warnings
    state.records += entry["records"]
    state.warnings += ctx.warnings
    state.messages.extend(ctx.messages[: 50 - len(state.messages)])


def _failed(state: ArtifactRun, entry: dict[str, Any], exc: Exception) -> None:
    """Record why an input was not (wholly) parsed: a layout the parser does not know, a
    damaged input, or a parser bug."""
    path = entry["path"]
    if isinstance(exc, SchemaMismatch):
        entry.update(status="schema_mismatch", error=str(exc))
    elif isinstance(exc, InputError):
        entry.update(status="error", error=str(exc))
        state.errors.append(f"{path}: {exc}")
    else:
        entry.update(status="error", error=f"parser failed: {type(exc).__name__}: {exc}")
        state.errors.append(f"{path}: parser failed: {type(exc).__name__}: {exc}")


def _consume(
    run: _Run,
    state: ArtifactRun,
    entry: dict[str, Any],
    art: Artifact,
    items: Iterator[Record | pa.RecordBatch],
    batch: list[Record],
    prov: Provenance,
) -> None:
    """Take what a parser yields: records, gathered into batches of BATCH_ROWS, or Arrow
    batches of its record's fields (a columnar parser), each passed on as it comes so the
    rows keep the parser's order. ``batch`` keeps the records not passed on yet when the
    parser stops or fails (``_flush``)."""
    for item in items:
        if isinstance(item, pa.RecordBatch):
            if batch:
                full = batch[:]
                batch.clear()
                entry["records"] += len(full)
                state.detections += run.handle_batch(full, prov)
            entry["records"] += item.num_rows
            cls = art.record
            kind = (item.schema.metadata or {}).get(b"type", b"").decode()
            if kind != cls.TYPE:
                raise ValueError(f"a batch of {kind or 'unknown'} records from {art.name}")
            state.detections += run.handle_columns(cls, with_provenance(cls, item, prov), prov)
            continue
        batch.append(item)
        if len(batch) >= BATCH_ROWS:  # emptied first: a failed batch is not retried
            full = batch[:]
            batch.clear()
            entry["records"] += len(full)
            state.detections += run.handle_batch(full, prov)


def _flush(
    run: _Run, state: ArtifactRun, entry: dict[str, Any], batch: list[Record], prov: Provenance
) -> None:
    """Pass on the records a parser yielded before it finished or failed: a parser that stops
    half-way still leaves the rows it read."""
    if not batch:
        return
    entry["records"] += len(batch)
    try:
        state.detections += run.handle_batch(batch, prov)
    except Exception as exc:  # a record a parser got wrong must not stop the other artifacts
        entry.update(status="error", error=f"records not stored: {type(exc).__name__}: {exc}")
        state.errors.append(f"{entry['path']}: records not stored: {type(exc).__name__}: {exc}")


def _run_listing(run: _Run, state: ArtifactRun) -> None:
    """Run a listing artifact once over the acquisition's file listing."""
    art = state.artifact
    entry: dict[str, Any] = {"path": LISTING_PATH, "status": "ran", "records": 0, "warnings": 0}
    prov = Provenance(
        source=run.source.kind,
        path=LISTING_PATH,
        sha256="",
        parser=art.name,
        parser_version=art.version,
    )
    ctx = ParseContext(artifact=art.name, path=LISTING_PATH, device=run.facts)
    batch: list[Record] = []
    try:
        items = art.func(filter_listing(art, run.source.entries()), ctx)
        _consume(run, state, entry, art, items, batch, prov)
    except (InputError, OSError) as exc:
        entry.update(status="error", error=f"cannot list the acquisition: {exc}")
        state.errors.append(f"{LISTING_PATH}: {exc}")
    except Exception as exc:  # a parser bug must not stop the other artifacts
        entry.update(status="error", error=f"parser failed: {type(exc).__name__}: {exc}")
        state.errors.append(f"{LISTING_PATH}: parser failed: {type(exc).__name__}: {exc}")
    _flush(run, state, entry, batch, prov)
    entry["warnings"] = ctx.warnings
    if entry["records"] or entry["status"] != "ran":
        state.files.append(entry)
    state.records += entry["records"]
    state.warnings += ctx.warnings
    state.messages.extend(ctx.messages[:50])


def run_unit(run: _Run, states: list[ArtifactRun], paths: dict[str, list[str]]) -> None:
    """Run one unit of ``units()``: an artifact, or the members of a shared reader, whose
    files (the same for each member: they share the reader's paths) are each read once."""
    if states[0].artifact.input == "listing":
        started = time.perf_counter()
        run.at, run.row_base = (states[0].rank, -1), 0
        _run_listing(run, states[0])
        states[0].seconds += time.perf_counter() - started
    files = paths.get(states[0].artifact.name, [])
    for number, device_path in enumerate(files):
        _run_file(run, states, number, device_path)
    closing = time.perf_counter()
    run.store.close()  # the artifacts' records files are complete
    states[0].seconds += time.perf_counter() - closing
    for state in states:
        if not state.files and run.source.index_damage:
            _presence_unknown(state, run.source.index_damage)
        state.status = _artifact_status(state.files)
        state.seconds = round(state.seconds, 4)


def _presence_unknown(state: ArtifactRun, cause: str) -> None:
    """No input found, but the acquisition's index is damaged: absence proves nothing, so the
    artifact is ``error`` with that cause (ARCHITECTURE.md, Source), never ``not_present``."""
    art = state.artifact
    error = f"not checked: the acquisition's index is damaged ({cause}), so whether it holds this"
    error += " input is unknown"
    for pattern in [LISTING_PATH] if art.input == "listing" else list(art.paths):
        state.files.append(
            {"path": pattern, "status": "error", "records": 0, "warnings": 0, "error": error}
        )
    state.errors.append(f"{art.name}: {error}")


def _artifact_status(files: list[dict[str, Any]]) -> str:
    """One status from the files' outcomes: a damaged file wins; then any file read; then
    files listed but missing; else all were of an unknown layout."""
    statuses = {f["status"] for f in files}
    if not files:
        return "not_present"
    if "error" in statuses:
        return "error"
    if "ran" in statuses:
        return "ran"
    return "missing" if "missing" in statuses else "schema_mismatch"


def exit_status(
    states: list[ArtifactRun],
    iocs: IocSet,
    evidence: dict[str, Any],
    detections: list[Detection],
    source_errors: list[str],
) -> tuple[int, list[str]]:
    """The exit code, a bit set (``EXIT_DETECTED | EXIT_INCOMPLETE``), and one reason for each
    condition behind a bit, so that an incomplete run never hides a detection (fsck and
    smartctl set bits the same way)."""
    serious = sum(1 for d in detections if is_serious(d.type.value, d.severity))
    detected = [
        "detected: "
        + counted(
            serious, "indicator match or serious finding", "indicator matches or serious findings"
        )
    ]
    unread = [s.artifact.name for s in states if s.status in UNCHECKED_STATUSES]
    incomplete: list[str] = []
    if source_errors:
        incomplete.append(f"the acquisition could not be read whole: {source_errors[0]}")
    if unread:
        names = ", ".join(unread[:3]) + (", ..." if len(unread) > 3 else "")
        incomplete.append(f"{counted(len(unread), 'artifact')} not checked ({names})")
    # A file the acquisition's index lists but that is not in it, even beside files that were
    # read: that input was not checked.
    missing = sum(1 for s in states for f in s.files if f["status"] == "missing")
    if missing:
        incomplete.append(f"{counted(missing, 'listed file')} missing from the acquisition")
    if any(f.error for f in iocs.files):
        incomplete.append("an indicator file could not be read")
    if not evidence["unchanged"]:
        incomplete.append("the evidence changed during the run")
    code = (EXIT_DETECTED if serious else EXIT_CLEAN) | (EXIT_INCOMPLETE if incomplete else 0)
    return code, (detected if serious else []) + [f"incomplete: {r}" for r in incomplete]


def run_check(options: CheckOptions, progress: Progress | None = None) -> RunResult:
    """Check one acquisition and publish its results folder.

    Everything that can refuse the run (the output folder, the indicator files, the
    acquisition's kind and password) is checked before the results are staged; the results
    are written in a private staging folder and published in one rename at the end, so a run
    that stops at any point leaves no result file."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    output = check_output(options.output, [options.target])
    _step(progress, "loading indicators")
    set_name, iocs, index = load_indicators(options)
    _step(progress, "opening the acquisition")
    source = open_source(options.target, options.source)
    try:
        check_output(output, [options.target, source.root])
        staging = ResultsStaging(output)
        try:
            info, detections = _check_into(
                staging.path, source, options, iocs, index, progress, started, clock
            )
            info["indicators"]["default_set"] = set_name
            info["indicators"]["downloaded"] = (
                _download_facts() if set_name == "downloaded" else None
            )
            write_json(staging.path / "run.json", info)
            _step(progress, "writing the report", len(info["artifacts"]), len(info["artifacts"]))
            write_derived(staging.path)
            staging.publish()
        finally:
            staging.discard()
        return RunResult(info["exit_code"], info, detections, output)
    finally:
        source.close()


def _check_into(
    folder: Path,
    source: Source,
    options: CheckOptions,
    iocs: IocSet,
    index: IndicatorIndex,
    progress: Progress | None,
    started: datetime,
    clock: float,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run every artifact of ``source`` into ``folder``; return run.json's content."""
    (folder / "records").mkdir()
    arts = artifacts(platform=source.platform, source_kind=source.kind)
    found = source.find([p for a in arts if a.input != "listing" for p in a.paths])
    states = [ArtifactRun(a, rank=number) for number, a in enumerate(arts)]
    paths = {
        s.artifact.name: sorted({p for pat in s.artifact.paths for p in found.get(pat, ())})
        for s in states
    }
    timeline = TimelineWriter(folder / "timeline.csv")
    try:
        jobs = options.jobs if options.jobs > 0 else default_jobs()
        if jobs > 1:
            make_run = functools.partial(
                _Run,
                source,
                index,
                folder,
                records_jsonl=options.records_jsonl,
                timeline_csv=options.timeline_csv,
            )
            run = run_parallel(
                make_run,
                states,
                paths,
                jobs,
                timeline,
                progress,
                run_unit,
                heuristics_in_parent=not options.timeline_csv,
            )
        else:
            run = _Run(
                source,
                index,
                folder,
                timeline,
                records_jsonl=options.records_jsonl,
                timeline_csv=options.timeline_csv,
            )
            done = 0
            for unit in units(states, artifact_of):
                names = ", ".join(s.artifact.name for s in unit)
                _step(progress, f"parsing {names}", done, len(states))
                run_unit(run, unit, paths)
                done += len(unit)
            _step(progress, "running heuristics", len(states), len(states))
            run.finish_detectors()
            run.close_files()
        _order_detections(run, [s.artifact.name for s in states], folder)
        for name, local in source.own_inputs():
            run.evidence.register(name, local, local.name, "source")
    except BaseException:
        # A run that stops (an error, Ctrl-C) does not spend time merging rows on the way out.
        timeline.discard()
        raise
    _step(progress, "sorting the timeline", len(states), len(states))
    timeline.close()
    _count_detections(states, run.detections)
    write_detections_parquet(folder / "detections.parquet", run.detections)
    detections = [d.to_json() for d in run.detections]
    _step(progress, "checking the evidence is unchanged", len(states), len(states))
    evidence = run.evidence.verify()
    code, reasons = exit_status(states, iocs, evidence, run.detections, source.errors)
    info = {
        "output_format_version": OUTPUT_FORMAT_VERSION,
        "tool": {
            "name": "tracehound",
            "version": __version__,
            "python": platform.python_version(),
            "platform": sys.platform,
        },
        "command": options.command,
        "secrets": options.secrets,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "seconds": round(time.perf_counter() - clock, 3),
        "exit_code": code,
        "exit_reasons": reasons,
        "acquisition": {
            "path": str(source.root.resolve()),
            **source.facts(),
            "errors": source.errors,
            "index_damage": source.index_damage,
        },
        "inputs": run.evidence.to_json(),
        "evidence_check": evidence,
        "indicators": ioc_summary(iocs, index),
        "artifacts": artifact_table(states),
        "coverage": coverage_summary(states),
        "detections": detection_summary(detections),
    }
    return info, detections


def _count_detections(states: list[ArtifactRun], detections: list[Detection]) -> None:
    """Each artifact's detection count from the detections written, heuristic findings made at
    the end of the run included (counting while streaming missed those)."""
    counts: dict[str, int] = {}
    for detection in detections:
        counts[detection.artifact] = counts.get(detection.artifact, 0) + 1
    for state in states:
        state.detections = counts.get(state.artifact.name, 0)


def _order_detections(run: _Run, order: list[str], output: Path) -> None:
    """Put detections in one order whatever the number of workers: by artifact in registry
    order, then where each was made (the artifact, file and row being read, indicator hits
    before heuristic findings, ``finish`` findings last), which is the order of a one-process
    run. Lines are streamed as found, so a run that stops early still leaves its detections;
    the file is rewritten only if its order differs."""
    rank = {name: number for number, name in enumerate(order)}
    keyed = sorted(
        range(len(run.detections)),
        key=lambda n: (rank.get(run.detections[n].artifact, len(rank)), run.positions[n]),
    )
    if keyed == list(range(len(run.detections))):
        return
    run.detections = [run.detections[n] for n in keyed]
    run.positions = [run.positions[n] for n in keyed]
    partial = output / "detections.jsonl.partial"
    with partial.open("w", encoding="utf-8") as handle:
        for detection in run.detections:
            write_line(handle, detection.to_json())
    partial.replace(output / "detections.jsonl")


def _download_facts() -> dict[str, Any] | None:
    manifest = read_manifest()
    if manifest is None:
        return None
    return {"index_url": manifest.get("index_url"), "updated": manifest.get("updated")}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented UTF-8 JSON."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
