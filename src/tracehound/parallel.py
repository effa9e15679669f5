"""Split a check over worker processes (one per CPU core), with the same results as one process.

Artifacts are grouped so that every detector sees all its record types in one worker (a
detector that reads DataUsage and the Manifest puts both in the same group), and listing
artifacts share one group (they walk the acquisition's listing). Workers take groups from a
queue, largest input first, as they become free. Inputs are made local (decrypted, unpacked) in
the parent before the workers start, so workers only read finished files. Each worker writes its own
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
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracehound.core.errors import InputError
from tracehound.core.registry import Artifact, Detector, detectors, units
from tracehound.core.tempspace import TempSpace
from tracehound.reports.timeline import TimelineWriter

if TYPE_CHECKING:
    from tracehound.pipeline import ArtifactRun, Progress, _Run

MAX_DEFAULT_JOBS = 2
#: The parent's answer to a busy worker asking for its next group ahead: ask again when idle.
LATER = "later"
ENV_JOBS = "TRACEHOUND_JOBS"


#: ``run_unit(run, states, paths)``: the engine's step that runs one unit (an artifact, or the
#: members of a shared reader: ``registry.units``).
RunUnit = Callable[["_Run", list["ArtifactRun"], dict[str, list[str]]], None]


class RunFactory(Protocol):
    """Makes a ``_Run`` for a worker (bound to the source, index and output folder)."""

    def __call__(
        self,
        *,
        timeline: TimelineWriter,
        detector_classes: list[type[Detector]] | None = ...,
        write_detections: bool = ...,
        ship: bool = ...,
    ) -> _Run: ...


def default_jobs() -> int:
    """Worker processes by default: $TRACEHOUND_JOBS, else the CPU cores this process may use
    (at most 2); 1 where ``fork`` is unavailable."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    env = os.environ.get(ENV_JOBS, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if not sys.platform.startswith("linux"):
        # macOS offers fork but Apple's frameworks are not fork-safe once threads exist (the
        # progress bar has one): one process unless asked for more.
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, cores))


def artifact_groups(
    arts: list[Artifact], paths: dict[str, list[str]] | None = None, by_detector: bool = True
) -> list[list[Artifact]]:
    """Artifacts that must run in the same worker, in registry order: those a detector reads
    together (unless the heuristics run in the parent: ``by_detector`` False), the listing
    artifacts, and those that read the same input file (``paths``), so that no two workers
    ever prepare the same file at once (a decryption that failed in the parent is retried by
    exactly one worker)."""
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
    for cls in detectors() if by_detector else ():
        union([t for t in cls.TYPES if t in parent])
    readers: dict[str, list[str]] = {}
    for name, files in (paths or {}).items():
        for device_path in files:
            readers.setdefault(device_path, []).append(name)
    for names in readers.values():
        union([n for n in names if n in parent])
    groups: dict[str, list[Artifact]] = {}
    for art in arts:
        groups.setdefault(find(art.name), []).append(art)
    return list(groups.values())


def schedule(
    groups: list[list[Artifact]], cost: dict[str, int], in_order: bool = False
) -> list[list[str]]:
    """Groups of artifact names, most costly first: workers take the next one when they are
    free (longest-processing-time-first, which keeps the workers' loads close). With
    ``in_order`` (the heuristics run in the parent, which feeds the artifacts in registry
    order), in registry order instead, so that the parent can feed each artifact's rows while
    the workers read the next ones rather than all at the end."""
    if in_order:
        return [[a.name for a in group] for group in groups]
    ordered = sorted(groups, key=lambda g: -sum(cost.get(a.name, 0) for a in g))
    return [[a.name for a in group] for group in ordered]


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


def _detectors_for(group: set[str], all_names: set[str], first: bool) -> list[type[Detector]]:
    """Detectors for a worker taking ``group``: those reading its types (grouping put all of a
    detector's types in one group); the first worker also runs those with nothing to read."""
    chosen = []
    for cls in detectors():
        reads = set(cls.TYPES) & all_names
        if (reads and reads <= group) or (first and not reads):
            chosen.append(cls)
    return chosen


def run_parallel(
    make_run: RunFactory,
    states: list[ArtifactRun],
    paths: dict[str, list[str]],
    jobs: int,
    timeline: TimelineWriter,
    progress: Progress | None,
    run_unit: RunUnit,
    heuristics_in_parent: bool = False,
) -> _Run:
    """Run ``states`` on up to ``jobs`` workers, each artifact by ``run_unit`` (the
    engine's, passed in so that this module does not import the engine); fill the states and
    return the merged run.

    With ``heuristics_in_parent`` the workers only read, store and match, and ship the rows the
    heuristics want (``Detector.wants``) to this process, which feeds them to the detectors in
    registry order as the artifacts finish: artifacts are then grouped by input file only, so
    the big databases spread over the workers. Otherwise (a timeline CSV is written, whose
    rows carry each record's heuristic severity) every detector runs in the worker that reads
    all its record types."""
    ship = heuristics_in_parent
    main = make_run(timeline=timeline, detector_classes=None if ship else [], write_detections=True)
    by_name = {s.artifact.name: s for s in states}
    cost = _materialise(main.source, list(by_name), paths)
    for state in states:
        if state.artifact.input == "listing":
            cost[state.artifact.name] = cost.get(state.artifact.name, 0) + 1_000_000
    groups = artifact_groups([s.artifact for s in states], paths, by_detector=not ship)
    queue = schedule(groups, cost, in_order=ship)
    feeder = _Feeder(main, states) if ship else None
    space = TempSpace("tracehound-workers-")
    staging = space.root
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    try:
        for number in range(min(jobs, len(queue))):
            parent_end, child_end = context.Pipe(duplex=True)
            folder = staging / str(number)
            folder.mkdir()
            first = number == 0 and not ship
            task = _Worker(make_run, run_unit, by_name, paths, folder, first, child_end, ship)
            process = context.Process(target=task.run, name=f"tracehound-worker-{number}")
            process.start()
            child_end.close()
            workers.append((process, parent_end))
        _collect(main, workers, queue, by_name, timeline, progress, len(states), feeder)
        # The workers have read every input: re-hash them on the idle cores while this
        # process feeds the heuristics the last rows (evidence.py).
        main.evidence.start_verify()
        if feeder is not None:
            feeder.finish()
            main.finish_detectors()
        main.close_files()
        return main
    except BaseException:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()
        raise
    finally:
        for process, conn in workers:
            process.join(timeout=10)
            conn.close()
        space.close()


class _Feeder:
    """The parent's heuristics: rows shipped by the workers, fed in registry order (an
    artifact's rows wait until every artifact before it has been fed), as one process would."""

    def __init__(self, main: _Run, states: list[ArtifactRun]) -> None:
        self.main = main
        self.order = [s.artifact.name for s in states]
        self.classes = {s.artifact.record.TYPE: s.artifact.record for s in states}
        self.waiting: dict[str, list[Any]] = {}
        self.next = 0

    def rows(self, name: str, shipped: list[Any]) -> None:
        """An artifact's rows arrived; they are fed by :meth:`step`, between messages, so the
        workers are never kept waiting for their next artifact."""
        self.waiting[name] = list(reversed(shipped))

    def pending(self) -> bool:
        """Whether rows can be fed now (the next artifact in registry order has arrived)."""
        while self.next < len(self.order):
            current = self.waiting.get(self.order[self.next])
            if current is None:
                return False
            if current:
                return True
            del self.waiting[self.order[self.next]]
            self.next += 1
        return False

    def step(self) -> None:
        """Feed one shipped batch of the next artifact."""
        if self.pending():
            item = self.waiting[self.order[self.next]].pop()
            self.main.feed_shipped(self.classes[item[0]], item)

    def finish(self) -> None:
        """Every artifact's rows must have come back (a worker sends them, even none, after
        each artifact): heuristics that missed an artifact would be silently incomplete."""
        while self.pending():
            self.step()
        if self.next < len(self.order):
            missing = ", ".join(self.order[self.next : self.next + 3])
            raise RuntimeError(f"the heuristics did not get the rows of {missing}")


class _Worker:
    """One worker process: takes groups of artifacts until told to stop, then reports."""

    def __init__(
        self,
        make_run: RunFactory,
        run_unit: RunUnit,
        by_name: dict[str, ArtifactRun],
        paths: dict[str, list[str]],
        folder: Path,
        first: bool,
        conn: Connection,
        ship: bool = False,
    ) -> None:
        self.make_run, self.by_name, self.paths = make_run, by_name, paths
        self.run_unit = run_unit
        self.folder, self.first, self.conn, self.ship = folder, first, conn, ship

    def run(self) -> None:
        try:
            self._work()
        except KeyboardInterrupt:
            self.conn.send(("interrupted", ""))
        except BaseException as exc:  # report everything to the parent
            self.conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        finally:
            self.conn.close()

    def _work(self) -> None:
        all_names = set(self.by_name)
        run = self.make_run(
            timeline=TimelineWriter(None, staging=self.folder),
            detector_classes=[] if self.ship else _detectors_for(set(), all_names, self.first),
            write_detections=False,
            ship=self.ship,
        )
        done: list[str] = []
        self.conn.send(("ready", False))
        group = self.conn.recv()
        while group is not None:
            # Ask for the next group now, so that it is here when this one is done (the
            # parent may be busy feeding the heuristics then); LATER: ask again when idle.
            self.conn.send(("ready", True))
            if not self.ship:
                run.add_detectors(_detectors_for(set(group), all_names, first=False))
            for unit in units([self.by_name[name] for name in group], artifact_of):
                names = [state.artifact.name for state in unit]
                self.conn.send(("started", ", ".join(names)))
                self.run_unit(run, unit, self.paths)
                done.extend(names)
                for name in names:
                    if self.ship:  # this artifact's rows for the parent's heuristics
                        rows = [item for item in run.shipped if item[0] == name]
                        self.conn.send(("rows", (name, rows)))
                    self.conn.send(("progress", name))
                run.shipped = []
            group = self.conn.recv()
            if group == LATER:
                self.conn.send(("ready", False))
                group = self.conn.recv()
        run.finish_detectors()
        run.close_files()
        db = run.timeline.detach()
        states = [_state_out(self.by_name[n]) for n in done]
        found = list(zip(run.detections, run.positions, strict=True))
        self.conn.send(("done", (states, found, _evidence_out(run), str(db))))


def _collect(
    main: _Run,
    workers: list[tuple[Any, Connection]],
    queue: list[list[str]],
    by_name: dict[str, ArtifactRun],
    timeline: TimelineWriter,
    progress: Progress | None,
    total: int,
    feeder: _Feeder | None = None,
) -> None:
    """Hand out groups, receive progress and results (and shipped rows, fed to the parent's
    heuristics as they come); merge detections, evidence and timelines into ``main`` in worker
    order (repeated runs write the same files)."""
    tracker = _Tracker(progress, total, [conn for _, conn in workers])
    pending = {conn: process for process, conn in workers}
    results = _receive(pending, list(queue), tracker, feeder)
    tracker.say("merging the workers' results")
    for _, conn in workers:
        done, found, evidence, db = results[conn]
        for item in done:
            _state_in(by_name[item["name"]], item)
        for detection, position in found:
            main.emit(detection, position)
        _evidence_in(main, evidence)
        timeline.absorb(Path(db))


def _receive(
    pending: dict[Connection, Any],
    queue: list[list[str]],
    tracker: _Tracker,
    feeder: _Feeder | None = None,
) -> dict[Connection, tuple[Any, ...]]:
    """Serve the workers until each has sent its result; raise if one fails or stops."""
    results: dict[Connection, tuple[Any, ...]] = {}
    while pending:
        busy = feeder is not None and feeder.pending()
        arrived = wait(list(pending), timeout=0 if busy else None)
        if not arrived and feeder is not None:
            feeder.step()  # one shipped batch to the heuristics, then serve the workers again
            continue
        for ready in arrived:
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
            if kind == "ready":
                # A busy worker gets its next group ahead only while more groups wait than
                # there are workers: the last ones go to whichever worker is free first.
                answer: list[str] | str | None = (
                    LATER if payload and len(queue) <= len(pending) else None
                )
                if answer is None and queue:
                    answer = queue.pop(0)
                try:
                    ready.send(answer)
                except (BrokenPipeError, ConnectionResetError):
                    # The worker asked ahead, then failed and closed its end: its error (or its
                    # end) is the next thing to read; the group goes back for the others.
                    if isinstance(answer, list):
                        queue.insert(0, answer)
            elif kind == "started":
                tracker.update(ready, payload)
            elif kind == "rows" and feeder is not None:
                feeder.rows(*payload)
            elif kind == "progress":
                tracker.update(ready, None, finished=True)
            elif kind == "interrupted":
                raise KeyboardInterrupt
            elif kind == "error":
                raise RuntimeError(f"a worker failed: {payload}")
            else:
                results[ready] = payload
    return results


class _Tracker:
    """The progress label of a parallel run: the artifacts the workers are parsing now (a
    label names an artifact when it starts, not when it is done), then the heuristics."""

    def __init__(self, progress: Progress | None, total: int, conns: list[Connection]) -> None:
        self.progress, self.total, self.finished = progress, total, 0
        self.parsing: dict[Connection, str | None] = dict.fromkeys(conns)

    def update(self, conn: Connection, name: str | None, finished: bool = False) -> None:
        self.parsing[conn] = name
        self.finished += int(finished)
        names = [n for n in self.parsing.values() if n]
        if names:
            self.say(f"parsing {', '.join(names)}")
        elif self.finished == self.total:
            self.say("running heuristics")  # the workers run them after their last artifact

    def say(self, label: str) -> None:
        if self.progress:
            self.progress(label, self.finished, self.total)


def artifact_of(state: ArtifactRun) -> Artifact:
    """A state's artifact (the key ``registry.units`` groups the engine's states by)."""
    return state.artifact


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
