"""Split a check over worker processes (one per CPU core), with the same results as one process.

Artifacts are grouped so that every detector sees all its record types in one worker (a
detector that reads DataUsage and the Manifest puts both in the same group), and listing
artifacts share one group (they walk the acquisition's listing). Groups go to workers by input
size, largest first. Inputs are made local (decrypted, unpacked) in the parent before the
workers start, so workers only read finished files. Each worker writes its own
``records/<TYPE>.jsonl`` files (one artifact, one file: no two workers share one) and returns
its detections, evidence log and a detached timeline staging database, which the parent merges.
The results equal a one-process run: detections are the same set, and ``timeline.csv`` is
sorted on a total order.

Workers are started with ``fork`` (POSIX): they inherit the opened source and the indicator
index without pickling them. Where ``fork`` is unavailable the check runs in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracehound.core.errors import InputError
from tracehound.core.registry import Artifact, Detector, detectors
from tracehound.reports.timeline import TimelineWriter

if TYPE_CHECKING:
    from tracehound.pipeline import ArtifactRun, Progress, _Run

MAX_DEFAULT_JOBS = 2
ENV_JOBS = "TRACEHOUND_JOBS"


class RunFactory(Protocol):
    """Makes a ``_Run`` for a worker (bound to the source, index and output folder)."""

    def __call__(
        self,
        *,
        timeline: TimelineWriter,
        detector_classes: list[type[Detector]] | None = ...,
        write_detections: bool = ...,
    ) -> _Run: ...


def default_jobs() -> int:
    """Worker processes by default: $TRACEHOUND_JOBS, else the CPU cores this process may use
    (at most 2); 1 where ``fork`` is unavailable."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    env = os.environ.get(ENV_JOBS, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, cores))


def artifact_groups(arts: list[Artifact]) -> list[list[Artifact]]:
    """Artifacts that must run in the same worker, in registry order."""
    parent = {a.name: a.name for a in arts}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def union(names: list[str]) -> None:
        for other in names[1:]:
            parent[find(other)] = find(names[0])

    union([a.name for a in arts if a.input == "listing"])
    for cls in detectors():
        union([t for t in cls.TYPES if t in parent])
    groups: dict[str, list[Artifact]] = {}
    for art in arts:
        groups.setdefault(find(art.name), []).append(art)
    return list(groups.values())


def assign(groups: list[list[Artifact]], cost: dict[str, int], jobs: int) -> list[list[str]]:
    """Artifact names per worker: groups by decreasing cost, each to the least loaded worker."""
    buckets: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for group in sorted(groups, key=lambda g: -sum(cost.get(a.name, 0) for a in g)):
        target = loads.index(min(loads))
        buckets[target] += [a.name for a in group]
        loads[target] += sum(cost.get(a.name, 0) for a in group)
    return [b for b in buckets if b]


def _materialise(run_source: Any, names: list[str], paths: dict[str, list[str]]) -> dict[str, int]:
    """Make every input local in the parent; return the bytes of input per artifact."""
    cost: dict[str, int] = {}
    for name in names:
        total = 0
        for device_path in paths.get(name, ()):
            try:
                total += run_source.local(device_path).stat().st_size
            except (OSError, InputError):
                continue  # the worker records the error when it reads the file
        cost[name] = total
    return cost


def _detector_share(bucket: set[str], all_names: set[str], first: bool) -> list[type[Detector]]:
    """Detectors a worker runs: those reading its types; the first also runs the idle ones."""
    chosen = []
    for cls in detectors():
        reads = set(cls.TYPES) & all_names
        if (reads and reads <= bucket) or (first and not reads):
            chosen.append(cls)
    return chosen


def run_parallel(
    make_run: RunFactory,
    states: list[ArtifactRun],
    paths: dict[str, list[str]],
    jobs: int,
    timeline: TimelineWriter,
    progress: Progress | None,
) -> _Run:
    """Run ``states`` on up to ``jobs`` workers; fill the states and return the merged run."""
    from tracehound.pipeline import _run_artifact

    main = make_run(timeline=timeline, detector_classes=[], write_detections=True)
    by_name = {s.artifact.name: s for s in states}
    cost = _materialise(main.source, list(by_name), paths)
    for state in states:
        if state.artifact.input == "listing":
            cost[state.artifact.name] = cost.get(state.artifact.name, 0) + 1_000_000
    buckets = assign(artifact_groups([s.artifact for s in states]), cost, jobs)
    staging = Path(tempfile.mkdtemp(prefix="tracehound-workers-"))
    staging.chmod(0o700)
    context = multiprocessing.get_context("fork")
    all_names = set(by_name)
    workers: list[tuple[Any, Connection]] = []
    try:
        for number, bucket in enumerate(buckets):
            receiver, sender = context.Pipe(duplex=False)
            folder = staging / str(number)
            folder.mkdir()

            def work(
                bucket: list[str] = bucket,
                folder: Path = folder,
                first: bool = number == 0,
                sender: Connection = sender,
            ) -> None:
                try:
                    run = make_run(
                        timeline=TimelineWriter(None, staging=folder),
                        detector_classes=_detector_share(set(bucket), all_names, first),
                        write_detections=False,
                    )
                    for name in bucket:
                        _run_artifact(run, by_name[name], paths.get(name, []))
                        sender.send(("progress", name))
                    run.finish_detectors()
                    run.close_files()
                    db = run.timeline.detach()
                    done = [_state_out(by_name[n]) for n in bucket]
                    sender.send(("done", (done, run.detections, _evidence_out(run), str(db))))
                except KeyboardInterrupt:
                    sender.send(("interrupted", ""))
                except BaseException as exc:  # report everything to the parent
                    sender.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
                finally:
                    sender.close()

            process = context.Process(target=work, name=f"tracehound-worker-{number}")
            process.start()
            sender.close()
            workers.append((process, receiver))
        _collect(main, workers, by_name, timeline, progress, len(states))
        main.close_files()
        return main
    except BaseException:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()
        raise
    finally:
        for process, receiver in workers:
            process.join(timeout=10)
            receiver.close()
        shutil.rmtree(staging, ignore_errors=True)


def _collect(
    main: _Run,
    workers: list[tuple[Any, Connection]],
    by_name: dict[str, ArtifactRun],
    timeline: TimelineWriter,
    progress: Progress | None,
    total: int,
) -> None:
    """Receive progress and results; merge detections, evidence and timelines into ``main``."""
    pending = {receiver: process for process, receiver in workers}
    finished = 0
    results: dict[Connection, tuple[Any, ...]] = {}
    while pending:
        for ready in wait(list(pending)):
            assert isinstance(ready, Connection)
            try:
                kind, payload = ready.recv()
            except EOFError:
                process = pending.pop(ready)
                process.join(timeout=10)
                if ready not in results:
                    raise RuntimeError(
                        f"worker {process.name} stopped without a result "
                        f"(exit code {process.exitcode})"
                    ) from None
                continue
            if kind == "progress":
                finished += 1
                if progress:
                    progress(payload, finished, total)
            elif kind == "interrupted":
                raise KeyboardInterrupt
            elif kind == "error":
                raise RuntimeError(f"a worker failed: {payload}")
            else:
                results[ready] = payload
    # Merge in worker order, so repeated runs write detections in the same order.
    for _, receiver in workers:
        done, found, evidence, db = results[receiver]
        for item in done:
            _state_in(by_name[item["name"]], item)
        for detection in found:
            main.emit(detection)
        _evidence_in(main, evidence)
        timeline.absorb(Path(db))


def _state_out(state: ArtifactRun) -> dict[str, Any]:
    return {
        "name": state.artifact.name,
        "status": state.status,
        "records": state.records,
        "warnings": state.warnings,
        "messages": state.messages,
        "errors": state.errors,
        "files": state.files,
        "seconds": state.seconds,
        "detections": state.detections,
    }


def _state_in(state: ArtifactRun, data: dict[str, Any]) -> None:
    for key in ("status", "records", "warnings", "messages", "errors", "files", "seconds"):
        setattr(state, key, data[key])
    state.detections = data["detections"]


def _evidence_out(run: _Run) -> tuple[Any, ...]:
    log = run.evidence
    return (list(log.inputs.values()), dict(log.listings), dict(log.origins))


def _evidence_in(main: _Run, evidence: tuple[Any, ...]) -> None:
    inputs, listings, origins = evidence
    log = main.evidence
    for item in inputs:
        known = log.inputs.get(item.local)
        if known is None:
            log.inputs[item.local] = item
        else:
            known.artifacts.extend(a for a in item.artifacts if a not in known.artifacts)
    for folder, names in listings.items():
        log.listings.setdefault(folder, names)
    for origin, digest in origins.items():
        log.origins.setdefault(origin, digest)


def timed(func: Callable[[], None]) -> float:
    """Seconds ``func`` took (helper for the benchmark)."""
    started = time.perf_counter()
    func()
    return time.perf_counter() - started
