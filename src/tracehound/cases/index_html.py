"""``STORE/index.html``: every case of a store on one page, linking to each case's report.

One row per case: its label, id, acquisition kind, device (model, OS version, name), verdict,
detection counts by type and severity, first and last check, last hunt and the new hits it
found, and a relative link to ``cases/ID/results/report.html``; detected cases first. Below, the
values and findings seen in most cases (:mod:`tracehound.cases.prevalence`).

Like the case report (``reports/html.py``), the page is self-contained and runs no script: inline
CSS allowed by its hash, a Content-Security-Policy that forbids every script and fetch (W3C CSP
Level 3), jinja2 autoescape on every value plus ``printable`` (Unicode TR #36). Everything in
``case.json`` (label, acquisition path, device facts, dates) is untrusted: values are cut to a
length, typed before use, and a link is made only from the case's folder name when it is a
case id (16 hex digits), never from a value inside ``case.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from tracehound.cases.prevalence import Prevalence
from tracehound.cases.store import Case, CaseStore, StoreError
from tracehound.reports.derived import as_dict, as_list, cut, fmt_us_utc, to_us
from tracehound.reports.html import render_page
from tracehound.store.results import write_private

INDEX_NAME = "index.html"
_TEMPLATES = Path(__file__).resolve().parents[1] / "reports" / "templates"
VERDICT_ORDER = ("detected", "incomplete", "failed", "clean")
#: The order the page lists cases in, what needs the analyst first: a case whose verdict
#: cannot be told (a damaged case.json) before the clean ones.
SORT_ORDER = ("detected", "incomplete", "failed", "unknown", "clean")
SEVERITIES = ("critical", "high", "medium", "low", "info")
_CASE_ID = re.compile(r"[0-9a-f]{16}")
TEXT_CHARS = 200
TOP_VALUES = 25


@dataclass
class CaseRow:
    """One case as the index shows it (every value already text, cut and checked)."""

    id: str
    label: str
    kind: str = ""
    model: str = ""
    os_version: str = ""
    device_name: str = ""
    acquisition: str = ""
    verdict: str = "unknown"
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_severity: list[tuple[str, int]] = field(default_factory=list)
    checks: int = 0
    first_check: str = ""
    last_check: str = ""
    last_hunt: str = ""
    hunt_new: int | None = None
    report: str = ""  # relative link, "" when the case has no report
    problems: list[str] = field(default_factory=list)


def _when(value: Any) -> tuple[int | None, str]:
    """An ISO time of case.json as (microseconds, text in UTC); text as given when unreadable."""
    us = to_us(value)
    return us, (fmt_us_utc(us, precise=False) if us is not None else cut(value, 40))


def _dates(events: list[Any]) -> tuple[str, str]:
    """First and last time of a history (checks or hunts)."""
    times = [_when(as_dict(e).get("at")) for e in events]
    known = sorted(t for t in times if t[0] is not None)
    if not known:
        return (times[0][1], times[-1][1]) if times else ("", "")
    return known[0][1], known[-1][1]


def _new_hits(hunt: dict[str, Any]) -> int | None:
    new = hunt.get("new")
    if isinstance(new, list):
        return len(new)
    if isinstance(new, int) and not isinstance(new, bool) and new >= 0:
        return new
    return None


def _verdict(case: Case) -> str:
    """The verdict of the case's newest check or hunt (entries that are not objects ignored:
    case.json is untrusted, so ``Case.verdict`` is not relied on)."""
    events = [e for e in (*as_list(case.checks), *as_list(case.hunts)) if isinstance(e, dict)]
    if not events:
        return "unknown"
    verdict = max(events, key=lambda e: str(e.get("at", ""))).get("verdict")
    return verdict if isinstance(verdict, str) and verdict in VERDICT_ORDER else "unknown"


def case_row(store: CaseStore, cid: str, case: Case, found: Prevalence | None) -> CaseRow:
    """The row of one loaded case (its detections from ``found``, when they were read)."""
    device = as_dict(case.device)
    row = CaseRow(
        id=cid,
        label=cut(case.label, TEXT_CHARS) or "(no label)",
        kind=cut(case.kind, 60),
        model=cut(device.get("product_type") or device.get("model"), 60),
        os_version=cut(device.get("os_version"), 40),
        device_name=cut(device.get("device_name"), 80),
        acquisition=cut(case.acquisition, TEXT_CHARS),
        verdict=_verdict(case),
        checks=len(as_list(case.checks)),
    )
    if case.id != cid:
        row.problems.append(f"case.json names another id ({cut(case.id, 40)})")
    row.first_check, row.last_check = _dates(as_list(case.checks))
    hunts = as_list(case.hunts)
    if hunts:
        row.last_hunt = _dates(hunts[-1:])[1]
        row.hunt_new = _new_hits(as_dict(hunts[-1]))
    report = store.results(cid) / "report.html"
    if _CASE_ID.fullmatch(cid) and report.is_file():
        row.report = f"cases/{cid}/results/report.html"
    detections = found.per_case.get(cid) if found else None
    if detections is not None:
        table = detections.table
        row.total = table.num_rows
        kinds = _counts(table.column("type"))
        order = sorted(kinds, key=lambda t: (t != "indicator", t != "heuristic", t))
        row.by_type = {t: kinds[t] for t in order}
        severity = _counts(table.column("severity"))
        row.by_severity = [(s, severity[s]) for s in SEVERITIES if severity.get(s)]
    elif found is not None:
        row.problems.extend(cut(r, 300) for c, r in found.skipped if c == cid)
    return row


def _counts(column: Any) -> dict[str, int]:
    counts = pc.value_counts(column).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts}


def _sort_key(row: CaseRow) -> tuple[int, str, str]:
    return (SORT_ORDER.index(row.verdict), row.label.casefold(), row.id)


def build_index(store: CaseStore, found: Prevalence | None) -> dict[str, Any]:
    """The template context: every case (a damaged case.json as a row saying so)."""
    rows = []
    for cid in store.ids():
        try:
            case = store.load(cid)
        except StoreError as exc:
            rows.append(CaseRow(id=cid, label="(damaged case)", problems=[cut(str(exc), 300)]))
            continue
        rows.append(case_row(store, cid, case, found))
    rows.sort(key=_sort_key)
    verdicts = Counter(r.verdict for r in rows)
    return {
        "rows": rows,
        "verdicts": [(v, verdicts[v]) for v in SORT_ORDER if verdicts.get(v)],
        "counted": found.cases if found else 0,
        "top": [_top_row(r) for r in found.top(TOP_VALUES)] if found else [],
        "more_values": max(found.counts.num_rows - TOP_VALUES, 0) if found else 0,
    }


def _top_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": cut(row["type"], 20),
        "what": cut(row["what"], 80),
        "value": cut(row["value"], TEXT_CHARS),
        "cases": row["cases"],
        "percent": f"{row['share'] * 100:.0f}%",
    }


def render_index(context: dict[str, Any]) -> str:
    """The HTML page of a context from :func:`build_index` (the report's page machinery)."""
    return render_page("index.html.j2", "index.css", context)


def write_index(store: CaseStore, found: Prevalence | None) -> Path:
    """Write ``STORE/index.html`` (owner-only, replaced in one rename); return its path."""
    target = store.root / INDEX_NAME
    html = render_index(build_index(store, found))
    write_private(target, html.encode("utf-8", errors="replace"))
    return target
