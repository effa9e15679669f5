"""Re-hunting stored cases: their records against today's indicators and heuristics.

A case's ``results/records/*.parquet`` hold every record its check read, so a new indicator file
(a new report, a new campaign) can be tried on every phone a lab ever checked, without the
phones. Each records file is read a batch at a time and matched by the check's own columnar
matcher (``IndicatorIndex.match_batch``); only the rows that hit, and the rows of the types a
registered detector reads (those it wants, when it says), become records, which are fed to the
heuristics as a check feeds them (artifacts in registry order, rows in stored order, then
``finish``). A detection is new
when its stable id (``core.detection``) is not in the case's ``detections.jsonl``; the new ones
are added to the case's results (nothing found earlier is ever dropped), which are rebuilt in
the store's staging folder and committed under the store's lock, one case at a time, so a hunt
that stops leaves every case whole, old or new.

One task handles a group of cases (:func:`hunt_group`), locally or on a Dask cluster through
``cases.executor``; it loads the indicators itself (from the JSON cache of ``iocs.cache``: about
0.15 s, against 0.25 s to pickle and unpickle the built index and 3.7 MB sent per task) and
refuses to run if their SHA-256 differs from what the hunt started with.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracehound import __version__
from tracehound.cases.executor import executor
from tracehound.cases.store import CaseStore, verdict_of
from tracehound.core.detection import Detection, from_finding, is_serious
from tracehound.core.errors import EXIT_DETECTED, EXIT_INCOMPLETE, TracehoundError
from tracehound.core.records import Record
from tracehound.core.registry import Detector, artifacts, detectors, record_types
from tracehound.iocs.cache import load_iocs_cached
from tracehound.iocs.feeds import label
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.load import expand
from tracehound.iocs.stix import IocSet
from tracehound.pipeline import CheckOptions, detect_batch, ioc_set_for, load_indicators
from tracehound.reports.jsonl import json_line

#: Rows read from a records file at a time: memory is bounded by this, whatever the case.
BATCH_ROWS = 65_536
#: Cases per task: enough to spend the indicator loading on, few enough to spread the work.
GROUP = 10
#: Results files the hunt rewrites; every other file of a case's results is kept as it is.
REWRITTEN = (
    "detections.jsonl",
    "detections.parquet",
    "run.json",
    "report.html",
    "sightings.stix2",
    "report-redacted.html",
    "timeline.csv",
)


class HuntError(TracehoundError):
    """One case cannot be hunted; the message names the file and the problem."""


@dataclass(frozen=True)
class Indicators:
    """Which indicator files a hunt uses (picklable: each task loads them itself)."""

    paths: tuple[str, ...]
    sha256: tuple[str, ...]  # of each loaded file, in order, as the hunt started
    files: tuple[dict[str, str], ...]  # [{"path", "label", "sha256"}] for case.json


@dataclass
class CaseResult:
    """What the hunt did to one case (small: goes back from a task)."""

    id: str
    label: str = ""
    new: list[dict[str, Any]] = field(default_factory=list)  # detections.jsonl form
    files: dict[str, str] = field(default_factory=dict)  # new indicator hit id -> file path
    exit_code: int = 0  # the hunt's bits for this case: 1 new detection, 2 not hunted whole
    error: str | None = None  # the case was not hunted (one line)
    notes: list[str] = field(default_factory=list)  # parts not hunted (one line each)


def serious(det: dict[str, Any]) -> bool:
    """Sets the detected bit, as in a check."""
    return is_serious(str(det.get("type")), str(det.get("severity")))


def prepare_indicators(paths: Sequence[Path], bundled: bool) -> tuple[Indicators, IocSet]:
    """The indicator files a hunt uses, loaded once here so that a broken one refuses the hunt
    (exit 4) before any case is touched, as a check refuses."""
    options = CheckOptions(
        target=Path(), output=Path(), ioc_paths=list(paths), bundled_iocs=bundled
    )
    _, iocs, _ = load_indicators(options)
    _, chosen = ioc_set_for(options)
    by_label = {label(p): str(p.resolve()) for p, _ in expand(chosen)}
    files = tuple(
        {"path": by_label.get(f.path, f.path), "label": f.path, "sha256": f.sha256}
        for f in iocs.files
    )
    found = tuple(str(p) for p in chosen)
    return Indicators(found, tuple(f.sha256 for f in iocs.files), files), iocs


def _load(spec: Indicators) -> tuple[IocSet, IndicatorIndex]:
    """The hunt's indicators, loaded in this task (the same files, proven by their SHA-256)."""
    iocs = load_iocs_cached([Path(p) for p in spec.paths], label)
    broken = [f for f in iocs.files if f.error]
    if broken:
        raise HuntError(f"{broken[0].path}: indicator file cannot be used: {broken[0].error}")
    if tuple(f.sha256 for f in iocs.files) != spec.sha256:
        raise HuntError("the indicator files changed during the hunt; hunt again")
    return iocs, IndicatorIndex.build(iocs.indicators)


# -- matching one case ---------------------------------------------------------------------


class _Detectors:
    """The registered detectors, one instance each, keyed by record type as a check keys them
    (``pipeline._Run.add_detectors``), so ``finish`` runs in the check's order."""

    def __init__(self, index: IndicatorIndex) -> None:
        self.by_type: dict[str, list[Detector]] = {}
        for cls in detectors():
            instance = cls()
            instance.use_indicators(index)
            for type_name in cls.TYPES:
                self.by_type.setdefault(type_name, []).append(instance)

    def finish(self) -> Iterator[Detection]:
        seen: set[int] = set()
        for instances in self.by_type.values():
            for det in instances:
                if id(det) not in seen:
                    seen.add(id(det))
                    yield from (from_finding(f) for f in det.finish())


def _batches(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
        yield from parquet.iter_batches(batch_size=BATCH_ROWS)
    except (OSError, pa.ArrowException) as exc:
        raise HuntError(f"{path}: damaged records file: {exc}") from None


def _match_file(
    path: Path, cls: type[Record], index: IndicatorIndex, dets: _Detectors
) -> list[Detection]:
    """The detections of one records file, in the order a check makes them, by the check's
    own step (``pipeline.detect_batch``): per row, its indicator hits, then what the
    heuristics say of it; only the rows with a hit or that a heuristic wants become records."""
    heuristics = dets.by_type.get(cls.TYPE, [])
    found: list[Detection] = []
    for batch in _batches(path):
        try:
            for *_, detections, _ in detect_batch(cls, batch, index, heuristics):
                found.extend(detections)
        except (pa.ArrowException, TypeError, ValueError, KeyError) as exc:
            raise HuntError(
                f"{path}: records cannot be read: {type(exc).__name__}: {exc}"
            ) from None
    return found


def match_results(results: Path, index: IndicatorIndex, notes: list[str]) -> list[Detection]:
    """Every detection today's indicators and heuristics make of a results folder's records,
    ordered as a check orders them (by artifact in registry order, stable)."""
    records = results / "records"
    if not records.is_dir():
        raise HuntError(f"{records}: missing (not a results folder of output format 2.x)")
    classes = record_types()
    dets = _Detectors(index)
    found: list[Detection] = []
    for path in sorted(records.iterdir()):  # file names are artifact names: registry order
        cls = classes.get(path.stem)
        if path.suffix == ".parquet" and cls is not None:
            found.extend(_match_file(path, cls, index, dets))
        elif path.suffix == ".parquet" or (
            path.suffix == ".jsonl" and not path.with_suffix(".parquet").exists()
        ):
            why = "unknown record type" if cls is None else "JSON lines only (output format 1.x)"
            notes.append(f"{path}: not hunted ({why})")
    found.extend(dets.finish())
    rank = {a.name: n for n, a in enumerate(artifacts())}
    return sorted(found, key=lambda d: rank.get(d.artifact, len(rank)))


# -- the case's results --------------------------------------------------------------------


def known_detections(results: Path) -> list[tuple[str, dict[str, Any]]]:
    """The case's detections.jsonl as (line, object), in order; a damaged line refuses the
    case (its ids are what tells new from known: guessing would report old hits as new)."""
    path = results / "detections.jsonl"
    out: list[tuple[str, dict[str, Any]]] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    item = None
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise HuntError(f"{path}: line {number} is not a detection")
                out.append((line.rstrip("\n"), item))
    except FileNotFoundError:
        raise HuntError(f"{path}: missing (the case's results are incomplete)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HuntError(f"{path}: cannot be read: {exc}") from None
    return out


def _link_results(source: Path, target: Path) -> None:
    """Every file of ``source`` but those the hunt rewrites, into the new folder ``target``:
    hard links (records are never written in place: the store replaces whole folders), a
    copy where a link cannot be made."""
    for folder, dirs, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        for name in dirs:
            (target / rel / name).mkdir(mode=0o700)
        for name in files:
            if rel == Path() and name in REWRITTEN:
                continue
            src, dst = Path(folder) / name, target / rel / name
            try:
                os.link(src, dst, follow_symlinks=False)
            except OSError:
                shutil.copy2(src, dst, follow_symlinks=False)


def _merged_tables(
    results: Path, known: list[tuple[str, dict[str, Any]]], new: list[Detection]
) -> tuple[list[str], pa.Table]:
    """The union of the known and new detections as JSON lines and Parquet rows, in one stable
    order: by artifact in registry order, known ones before new ones within an artifact."""
    from tracehound.store.detections import SCHEMA, detections_table

    path = results / "detections.parquet"
    try:
        old = pq.read_table(path, schema=SCHEMA) if path.exists() else None
    except (OSError, pa.ArrowException) as exc:
        raise HuntError(f"{path}: damaged: {exc}") from None
    if old is None:
        raise HuntError(f"{path}: missing (the case's results are incomplete)")
    if old.num_rows != len(known):
        raise HuntError(f"{path}: {old.num_rows} rows for {len(known)} in detections.jsonl")
    lines = [line for line, _ in known] + [json_line(d.to_json()) for d in new]
    arts = [str(item.get("artifact")) for _, item in known] + [d.artifact for d in new]
    rank = {a.name: n for n, a in enumerate(artifacts())}
    order = sorted(range(len(lines)), key=lambda n: rank.get(arts[n], len(rank)))
    table = pa.concat_tables([old, detections_table(new)])
    return [lines[n] for n in order], table.take(pa.array(order, pa.int64()))


def _updated_run(
    run: dict[str, Any], all_dets: list[dict[str, Any]], entry: dict[str, Any]
) -> dict[str, Any]:
    """run.json after a hunt: the detection summary of the union, the detected bit when a new
    detection sets it (the check's incomplete bit stays), and the hunt in ``hunts``."""
    from tracehound.reports.runinfo import detection_summary
    from tracehound.reports.text import counted

    code = int(run.get("exit_code", 0)) | entry["exit_code"]
    reasons = [r for r in run.get("exit_reasons", []) if not str(r).startswith("detected:")]
    count = sum(1 for d in all_dets if serious(d))
    if code & EXIT_DETECTED:
        what = counted(
            count, "indicator match or serious finding", "indicator matches or serious findings"
        )
        reasons.insert(0, f"detected: {what}")
    hunts = [*run.get("hunts", []), {k: entry[k] for k in ("at", "tool_version", "new")}]
    hunts[-1]["indicator_files"] = entry["indicator_files"]
    return {
        **run,
        "exit_code": code,
        "exit_reasons": reasons,
        "detections": detection_summary(all_dets),
        "hunts": hunts,
    }


def _stage(
    store: CaseStore,
    results: Path,
    known: list[tuple[str, dict[str, Any]]],
    new: list[Detection],
    entry: dict[str, Any],
) -> Path:
    """The case's new results folder, complete, in the store's staging area."""
    from tracehound.pipeline import write_json
    from tracehound.reports.derived import NotAResultsFolder, load_run, write_derived
    from tracehound.reports.html import write_report
    from tracehound.reports.timeline_export import write_timeline

    try:
        run = load_run(results)
    except NotAResultsFolder as exc:
        raise HuntError(str(exc)) from None
    lines, table = _merged_tables(results, known, new)
    staging = store.staging()
    try:
        staging.mkdir(mode=0o700)
        _link_results(results, staging)
        with (staging / "detections.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
        pq.write_table(table, staging / "detections.parquet", compression="zstd")
        all_dets = [json.loads(line) for line in lines]
        write_json(staging / "run.json", _updated_run(run, all_dets, entry))
        write_derived(staging)
        if (results / "report-redacted.html").exists():
            write_report(staging, redact=True)
        if (results / "timeline.csv").exists():
            write_timeline(staging, staging / "timeline.csv")
    except BaseException:
        store.discard_staging(staging)
        raise
    return staging


# -- one case, one group, the whole hunt ---------------------------------------------------


def _entry(spec: Indicators, code: int, new: list[Detection]) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC).isoformat(),
        "tool_version": __version__,
        "indicator_files": [dict(f) for f in spec.files],
        "exit_code": code,
        "verdict": verdict_of(code),
        "new": [d.id for d in new],
    }


def _hunt_case(
    store: CaseStore, cid: str, index: IndicatorIndex, spec: Indicators, out: CaseResult
) -> None:
    case = store.load(cid)
    out.label = case.label
    before = (len(case.checks), len(case.hunts))
    results = store.results(cid)
    if not results.is_dir():
        raise HuntError(f"{results}: missing (the case has no results)")
    known = known_detections(results)
    seen = {item["id"] for _, item in known}
    new: list[Detection] = []
    for det in match_results(results, index, out.notes):
        if det.id not in seen:
            seen.add(det.id)
            new.append(det)
    bits = (EXIT_DETECTED if any(serious(d.to_json()) for d in new) else 0) | (
        EXIT_INCOMPLETE if out.notes else 0
    )
    base = int(case.last.get("exit_code", 0))
    entry = _entry(spec, base | bits, new)
    staging = _stage(store, results, known, new, entry) if new else None
    try:
        with store.lock():
            now = store.load(cid)
            if (len(now.checks), len(now.hunts)) != before:
                raise HuntError(f"{cid}: changed while it was hunted (checked again?); hunt again")
            now.hunts.append(entry)
            store.commit(now, staging)
            staging = None
    finally:
        if staging is not None:
            store.discard_staging(staging)
    out.new = [d.to_json() for d in new]
    out.exit_code = bits
    by_label = {f["label"]: f["path"] for f in spec.files}
    out.files = {
        d.id: by_label.get(d.indicator.source, d.indicator.source) for d in new if d.indicator
    }


def hunt_case(store: CaseStore, cid: str, index: IndicatorIndex, spec: Indicators) -> CaseResult:
    """Hunt one case; a case that cannot be hunted comes back with ``error`` and bit 2, its
    results untouched."""
    out = CaseResult(id=cid)
    try:
        _hunt_case(store, cid, index, spec, out)
    except (TracehoundError, OSError) as exc:
        out.error, out.exit_code, out.new = str(exc), EXIT_INCOMPLETE, []
    except Exception as exc:  # a bug on one case must not stop the others
        if os.environ.get("TRACEHOUND_DEBUG"):
            raise
        out.error = f"{cid}: cannot be hunted: {type(exc).__name__}: {exc}"
        out.exit_code, out.new = EXIT_INCOMPLETE, []
    return out


def hunt_group(root: str, ids: list[str], spec: Indicators) -> list[CaseResult]:
    """One task: load the indicators once, then hunt each case of ``ids`` in turn."""
    try:
        store = CaseStore(Path(root))
        _, index = _load(spec)
    except TracehoundError as exc:
        return [CaseResult(id=c, error=str(exc), exit_code=EXIT_INCOMPLETE) for c in ids]
    # The index and the modules live as long as the task: out of the collector's sight, the
    # collections that the records' allocation triggers are cheaper (5 % of a case's matching,
    # measured on a scale-10 case; https://docs.python.org/3/library/gc.html#gc.freeze).
    gc.collect()  # garbage of earlier work is collected, not frozen
    gc.freeze()
    return [hunt_case(store, cid, index, spec) for cid in ids]


def groups(ids: Sequence[str], jobs: int) -> list[list[str]]:
    """Groups of at most GROUP cases, at least one per worker when there are enough cases."""
    size = max(1, min(GROUP, math.ceil(len(ids) / max(1, jobs))))
    return [list(ids[n : n + size]) for n in range(0, len(ids), size)]


def hunt(
    store: CaseStore, ids: Sequence[str], spec: Indicators, jobs: int, scheduler: str | None
) -> list[CaseResult]:
    """Hunt the cases ``ids`` (one task per group); results in the order of ``ids``."""
    from tracehound.parallel import default_jobs

    workers = jobs if jobs > 0 else default_jobs()
    parts = groups(ids, workers)
    results: list[CaseResult] = []
    # One group runs in this process: starting workers for it would only add their start-up.
    with executor(min(workers, len(parts)), scheduler) as pool:
        tasks = [(g, pool.submit(hunt_group, str(store.root), g, spec)) for g in parts]
        for group, task in tasks:
            try:
                results.extend(task.result())
            except Exception as exc:  # a worker that died: its cases are not hunted, said so
                why = f"the task hunting it failed: {type(exc).__name__}: {exc}"
                results.extend(CaseResult(id=c, error=f"{c}: {why}", exit_code=2) for c in group)
    return results


def case_ids(store: CaseStore, refs: Sequence[str]) -> list[str]:
    """The ids of the cases named (id, prefix or label), in order, once each; every case when
    none is named. StoreError for a name that matches no case or several."""
    if not refs:
        return [c.id for c in store.cases()]
    ids: list[str] = []
    for ref in refs:
        cid = store.find(ref).id
        if cid not in ids:
            ids.append(cid)
    return ids
