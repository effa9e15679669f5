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


def refresh_store_views(store: CaseStore, locked: bool = False) -> ViewsRefresh:
    """Rewrite prevalence.json and the report of every case whose counts changed, and
    index.html. Takes the store's lock unless ``locked`` (the caller holds it already: flock
    locks are per open file, so taking it twice in one process would wait for ever)."""
    with _held(store, locked):
        found = prevalence(store)
        done = ViewsRefresh(found)
        for cid in found.per_case:
            try:
                if _refresh_case(store, found, cid):
                    done.changed.append(cid)
            except Exception as exc:
                if os.environ.get("TRACEHOUND_DEBUG"):
                    raise
                done.failed.append((cid, f"{type(exc).__name__}: {exc}"))
        for cid, _reason in found.skipped:
            # Counts that can no longer be made must not stay on as if they were current.
            (store.results(cid) / PREVALENCE_NAME).unlink(missing_ok=True)
        done.index = write_index(store, found)
    return done


def _refresh_case(store: CaseStore, found: Prevalence, cid: str) -> bool:
    """Write the case's prevalence.json when it changes, and then its reports; True if it did."""
    results = store.results(cid)
    data = prevalence_json(found.cases, found.for_case(cid))
    path = results / PREVALENCE_NAME
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_private(path, data)
    if found.per_case[cid].table.num_rows:  # a report without detections shows no counts
        write_report(results)
        if (results / REDACTED_NAME).is_file():
            write_report(results, redact=True)
    return True
