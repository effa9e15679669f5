"""Checking acquisitions into the case store: one task per acquisition, run here, on local
worker processes or on a Dask cluster (:mod:`tracehound.cases.executor`).

:func:`check_case` is the task. It hashes the acquisition (its SHA-256 names the case), runs
the ordinary check (:func:`tracehound.pipeline.run_check`) into a private staging folder of the
store, and commits the results and ``case.json`` under the store's lock, so checking the same
acquisition again replaces its case's results instead of adding a case. It never raises for a
bad acquisition: a check that cannot run becomes a :class:`CaseOutcome` with exit code 4 and
its one-line reason, and nothing is committed for it. Its argument and result are small
picklable values; secrets travel in :class:`CaseTask` (to the workers, which are the lab's own
machines) and are never written: ``case.json`` records how each was given, as ``run.json``'s
``secrets`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.executor import executor
from tracehound.cases.store import Case, CaseStore, case_id, verdict_of
from tracehound.core.errors import EXIT_NOT_RUN, TracehoundError
from tracehound.pipeline import CheckOptions, Progress, RunResult, run_check
from tracehound.reports.text import printable
from tracehound.sources.base import SourceOptions

#: Facts of ``run.json``'s ``acquisition`` that are not the device's (kept out of ``device``).
_NOT_DEVICE = ("path", "kind", "errors", "index_damage", "damaged_metadata")


@dataclass(frozen=True)
class CaseTask:
    """What one task checks and how: everything :func:`check_case` needs, picklable."""

    store: str  # the store's absolute path (on a file system every worker shares)
    acquisition: str  # the path as the analyst gave it (recorded in case.json)
    path: str  # the same path made absolute (what the task opens)
    label: str | None = None  # None: keep the case's label (a new case: the file name)
    ioc_paths: tuple[str, ...] = ()
    bundled_iocs: bool = True
    command: tuple[str, ...] = ()  # secrets already redacted
    jobs: int = 1  # run_check's worker processes (1 when several tasks run at once)
    #: Passwords and keys: sent to the worker, never printed (repr) nor written.
    source: SourceOptions = field(default_factory=SourceOptions, repr=False)
    secrets: tuple[tuple[str, str], ...] = ()  # how each secret was given, never its value
    records_jsonl: bool = False
    timeline_csv: bool = False


@dataclass(frozen=True)
class CaseOutcome:
    """What came of one task: the case (``case_id`` empty when the acquisition could not be
    hashed), the check's exit code and verdict, its detection count, and for a check that
    could not run the one-line reason."""

    acquisition: str
    case_id: str
    label: str
    exit_code: int
    verdict: str
    detections: int
    reason: str = ""
    exit_reasons: tuple[str, ...] = ()


def check_case(task: CaseTask, progress: Progress | None = None) -> CaseOutcome:
    """Check one acquisition into the store (see the module docstring)."""
    try:
        store = CaseStore(Path(task.store))
        sha = acquisition_sha256(Path(task.path))
    except TracehoundError as exc:
        return _failed(task, "", str(exc))
    cid = case_id(sha)
    try:
        results = store.staging()
    except OSError as exc:
        return _failed(task, cid, f"{store.root}: cannot stage the results: {exc.strerror or exc}")
    try:
        result = run_check(_options(task, results), progress)
        with store.lock():
            case = _updated_case(store, cid, sha, task, result)
            store.commit(case, results)
    except TracehoundError as exc:
        return _failed(task, cid, str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _failed(task, cid, f"{where}{exc.strerror or exc}")
    except Exception as exc:  # a bug must not stop the other acquisitions' checks
        return _failed(task, cid, f"internal error: {type(exc).__name__}: {exc} (please report)")
    finally:
        store.discard_staging(results)  # nothing left after a commit; all of it after a failure
    return CaseOutcome(
        acquisition=task.acquisition,
        case_id=cid,
        label=case.label,
        exit_code=result.exit_code,
        verdict=verdict_of(result.exit_code),
        detections=len(result.detections),
        exit_reasons=tuple(str(r) for r in result.run.get("exit_reasons") or ()),
    )


def _options(task: CaseTask, output: Path) -> CheckOptions:
    return CheckOptions(
        target=Path(task.path),
        output=output,
        ioc_paths=[Path(p) for p in task.ioc_paths],
        bundled_iocs=task.bundled_iocs,
        command=list(task.command),
        jobs=task.jobs,
        source=task.source,
        secrets=dict(task.secrets),
        records_jsonl=task.records_jsonl,
        timeline_csv=task.timeline_csv,
    )


def _failed(task: CaseTask, cid: str, reason: str) -> CaseOutcome:
    return CaseOutcome(
        acquisition=task.acquisition,
        case_id=cid,
        label=task.label or default_label(task.acquisition),
        exit_code=EXIT_NOT_RUN,
        verdict=verdict_of(EXIT_NOT_RUN),
        detections=0,
        reason=printable(" ".join(reason.split())),  # one line, control characters shown
    )


def default_label(acquisition: str) -> str:
    """A new case's label: the acquisition's file name (of the folder itself for ``.``)."""
    return Path(os.path.abspath(acquisition)).name or acquisition


def _updated_case(store: CaseStore, cid: str, sha: str, task: CaseTask, result: RunResult) -> Case:
    """The case with this check appended: a new one, or the stored one (its label kept
    unless the task gives one). Called with the lock held, so no check entry is lost."""
    run = result.run
    acq = run["acquisition"]
    entry: dict[str, Any] = {
        "at": run["finished"],
        "started": run["started"],
        "tool_version": run["tool"]["version"],
        "acquisition": task.acquisition,
        "indicator_files": [
            {"path": f["path"], "sha256": f["sha256"]} for f in run["indicators"]["files"]
        ],
        "exit_code": result.exit_code,
        "verdict": verdict_of(result.exit_code),
        "exit_reasons": list(run.get("exit_reasons") or ()),
        "detections": len(result.detections),
        "secrets": dict(task.secrets),
    }
    if cid in store.ids():
        case = store.load(cid)
    else:
        label = task.label or default_label(task.acquisition)
        case = Case(id=cid, label=label, acquisition="", sha256=sha, kind="")
        case.created = str(entry["at"])
    if task.label:
        case.label = task.label
    case.acquisition = task.acquisition
    case.kind = str(acq.get("kind", ""))
    case.device = {k: v for k, v in acq.items() if k not in _NOT_DEVICE}
    case.checks.append(entry)
    return case


def check_all(
    tasks: Sequence[CaseTask],
    jobs: int,
    scheduler: str | None = None,
    done: Callable[[CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Run ``tasks`` on ``jobs`` local processes or the Dask ``scheduler``; return their
    outcomes in the tasks' order (``done`` is told of each as it finishes). A task that dies
    (a worker killed, a lost cluster node) becomes a failed outcome; the others go on."""
    outcomes: dict[int, CaseOutcome] = {}
    with executor(jobs, scheduler) as pool:
        futures: dict[Future[CaseOutcome], int] = {
            pool.submit(check_case, task): number for number, task in enumerate(tasks)
        }
        try:
            for future in as_completed(futures):
                number = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = _failed(
                        tasks[number], "", f"the task failed: {type(exc).__name__}: {exc}"
                    )
                outcomes[number] = outcome
                if done is not None:
                    done(outcome)
        except BaseException:
            for future in futures:  # the tasks not started yet never start
                future.cancel()
            raise
    return [outcomes[number] for number in range(len(tasks))]
