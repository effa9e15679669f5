"""The views of a store that depend on all its cases: each case's ``results/prevalence.json``
(and so its report's "seen in N of M cases"), and ``STORE/index.html``.

They are refreshed whenever the store changes: ``check --store`` and ``hunt`` call
:func:`refresh_store_views` after their commits, ``cases rm`` after a removal. A case's
prevalence.json is rewritten only when its content changes, and then its report (and its
redacted report, if one was written) is rebuilt from the results folder, as
``tracehound report`` would.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracehound.cases.executor import executor
from tracehound.cases.index_html import write_index
from tracehound.cases.prevalence import (
    PREVALENCE_NAME,
    Prevalence,
    prevalence,
    prevalence_json,
)
from tracehound.cases.store import CaseStore
from tracehound.reports.html import REDACTED_NAME, write_report
from tracehound.store.results import write_private


@dataclass
class ViewsRefresh:
    """What a refresh did: the cases counted, those skipped (with the reason), the cases whose
    prevalence.json changed, those whose report could not be rebuilt, and the index written."""

    found: Prevalence
    changed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    index: Path | None = None


@contextlib.contextmanager
def _held(store: CaseStore, locked: bool) -> Iterator[None]:
    if locked:
        yield
    else:
        with store.lock():
            yield


def refresh_store_views(
    store: CaseStore, locked: bool = False, jobs: int = 1, scheduler: str | None = None
) -> ViewsRefresh:
    """Rewrite prevalence.json and the report of every case whose counts changed, and
    index.html. Takes the store's lock unless ``locked`` (the caller holds it already: flock
    locks are per open file, so taking it twice in one process would wait for ever).

    The counts are made here (a second for hundreds of cases); rebuilding a report takes about
    a second per case, and a new or removed case changes every case's "of M", so the reports
    are rebuilt as tasks on ``jobs`` local processes or the Dask ``scheduler``
    (:mod:`tracehound.cases.executor`), like the check's and the hunt's."""
    with _held(store, locked):
        found = prevalence(store)
        done = ViewsRefresh(found)
        reports = []
        for cid in found.per_case:
            try:
                if _write_counts(store, found, cid):
                    done.changed.append(cid)
                    if found.per_case[cid].table.num_rows:  # no detections: no counts shown
                        reports.append(cid)
            except OSError as exc:
                done.failed.append((cid, f"{exc.filename or cid}: {exc.strerror or exc}"))
        for cid, _reason in found.skipped:
            # Counts that can no longer be made must not stay on as if they were current.
            (store.results(cid) / PREVALENCE_NAME).unlink(missing_ok=True)
        failed = _rebuild(store, reports, jobs, scheduler)
        for cid, _reason in failed:
            # No counts for a report that does not show them: the next refresh tries again.
            (store.results(cid) / PREVALENCE_NAME).unlink(missing_ok=True)
        done.failed.extend(failed)
        done.index = write_index(store, found)
    return done


def _write_counts(store: CaseStore, found: Prevalence, cid: str) -> bool:
    """Write the case's prevalence.json if its content changes; True if it did."""
    data = prevalence_json(found.cases, found.for_case(cid))
    path = store.results(cid) / PREVALENCE_NAME
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_private(path, data)
    return True


def rebuild_reports(results: str) -> None:
    """The task: rebuild a case's report (and its redacted report, if one was written)."""
    folder = Path(results)
    write_report(folder)
    if (folder / REDACTED_NAME).is_file():
        write_report(folder, redact=True)


def _rebuild(
    store: CaseStore, cids: list[str], jobs: int, scheduler: str | None
) -> list[tuple[str, str]]:
    """Rebuild the reports of ``cids``; return the cases that failed, with the reason (one
    case's damaged results do not stop the others)."""
    if not cids:
        return []
    failed = []
    with executor(max(1, min(jobs, len(cids))), scheduler) as pool:
        futures = {pool.submit(rebuild_reports, str(store.results(c))): c for c in cids}
        for future, cid in futures.items():
            try:
                future.result()
            except Exception as exc:
                if os.environ.get("TRACEHOUND_DEBUG"):
                    raise
                failed.append(
                    (cid, f"the report could not be rebuilt: {type(exc).__name__}: {exc}")
                )
    return failed
