"""``report.html``: one self-contained case report an analyst can read offline and share.

Built from the results folder alone (run.json, detections.jsonl, timeline.csv, records/), in
bounded memory: detections and timeline rows are read a line or a block at a time; only the rows
near a detection (a window of one hour either side by default, capped per window) and per-day
counts for the activity chart are kept. Charts are inline SVG geometry, so the page runs no
script at all.

This module builds the template context and writes the page; the parts are in ``limits``
(bounds), ``detections`` (detections.jsonl into groups and hits), ``windows`` (the streaming
pass over timeline.csv, or records/ without it: timeline windows and per-day counts),
``charts`` (SVG geometry), ``runfacts`` (verdict, coverage, acquisition, indicator and input
files) and ``redact``.

Everything shown came from the device and is attacker-controlled. The page is rendered by
jinja2 with autoescaping on every value, plus ``printable`` (control and bidirectional
characters made visible, Unicode TR #36); device URLs are text, never links; a
Content-Security-Policy forbids every fetch and every script, and allows only the page's own
style sheet by its hash (W3C CSP Level 3, "hash-source"). With ``redact=True``, message bodies,
contacts, web history and other personal content of records not involved in a detection are
left out, so the report can go to people who must not see the victim's private life.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from tracehound.cases.prevalence import read_prevalence
from tracehound.core.registry import Severity
from tracehound.iocs.cache import cache_dir
from tracehound.reports import explain
from tracehound.reports.chains import HEIGHT as CHAIN_HEIGHT
from tracehound.reports.chains import read_chains
from tracehound.reports.charts import overview_chart
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_int as _int
from tracehound.reports.derived import as_list as _list
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import load_run, register
from tracehound.reports.detections import Detections, sections
from tracehound.reports.limits import Limits
from tracehound.reports.redact import redact_path
from tracehound.reports.runfacts import (
    STATUS_LABELS,
    acquisition_facts,
    coverage,
    indicator_files,
    input_files,
    missing_files,
    verdict,
)
from tracehound.reports.sightings import SIGHTINGS_NAME
from tracehound.reports.text import counted, noun, printable
from tracehound.reports.windows import build_windows, scan_records
from tracehound.store.results import write_private

__all__ = [
    "REDACTED_NAME",
    "REPORT_NAME",
    "Limits",
    "build_report",
    "overview_chart",
    "redact_path",
    "render_report",
    "write_html_report",
    "write_report",
]

REPORT_NAME = "report.html"
REDACTED_NAME = "report-redacted.html"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _run_context(run: dict[str, Any], redact: bool, limits: Limits) -> dict[str, Any]:
    """The parts of the page read from run.json alone (besides coverage and the verdict)."""
    tool = _dict(run.get("tool"))
    indicators = _dict(run.get("indicators"))
    inputs, inputs_hidden = input_files(run, redact, limits)
    return {
        "acquisition": acquisition_facts(run, redact, limits.text_chars),
        "acq_errors": [_text(e, 300) for e in _list(_dict(run.get("acquisition")).get("errors"))],
        "evidence": _dict(run.get("evidence_check")),
        "inputs": inputs,
        "inputs_hidden": inputs_hidden,
        "indicator_files": indicator_files(run, redact),
        "indicator_total": _int(indicators.get("total")),
        "indicator_warnings": _int(indicators.get("warning_count")),
        "tool": _text(tool.get("version"), 40),
        "python": _text(tool.get("python"), 40),
        "command": "" if redact else _text(" ".join(map(str, _list(run.get("command")))), 600),
        # How secrets were given (run.json never holds their values).
        "secrets": ", ".join(
            f"{_text(k, 40)} by {_text(v, 80)}" for k, v in _dict(run.get("secrets")).items()
        ),
        "started": _text(run.get("started"), 60),
        "finished": _text(run.get("finished"), 60),
        "seconds": _text(run.get("seconds"), 20),
    }


def _records_in_run(run: dict[str, Any]) -> int:
    """Records extracted, as run.json counts them per artifact."""
    return sum(_int(_dict(a).get("records")) for a in _dict(run.get("artifacts")).values())


def build_report(
    folder: Path, redact: bool = False, limits: Limits | None = None
) -> dict[str, Any]:
    """Everything the template shows, read from the results folder in bounded memory."""
    limits = limits or Limits()
    run = load_run(folder)
    det = Detections(limits)
    det.read(folder / "detections.jsonl")
    windows, left_out = build_windows(det.index, limits)
    scan = scan_records(folder, windows, det.index, limits, redact)
    cover = coverage(run, redact, limits.text_chars)
    statuses = Counter(row.label for row in cover)
    chains, chains_left_out = read_chains(folder / "detections.jsonl", limits.text_chars)
    return {
        "chains": chains,
        "chains_left_out": chains_left_out,
        "chain_height": CHAIN_HEIGHT,
        "redacted": redact,
        "verdict": verdict(run, det, cover),
        "total": det.total,
        "shown": det.shown,
        "sections": sections(det),
        "windows": windows,
        "windows_left_out": left_out,
        "window_hours": limits.window.total_seconds() / 3600,
        "untimed": det.index.untimed,
        "untracked": det.index.untracked,
        "overview": overview_chart(scan.days, det.index.times, scan.overflow, scan.timeline_bad[0]),
        "records": _records_in_run(run) if scan.records is None else scan.records,
        "record_bad_lines": scan.bad_lines[0],
        "coverage": cover,
        "missing_files": missing_files(cover),
        "statuses": [(label, statuses.get(label, 0)) for label in STATUS_LABELS.values()],
        **_run_context(run, redact, limits),
        "sightings": (folder / SIGHTINGS_NAME).is_file(),
        "prevalence": _prevalence(folder, det),
        "severities": [(s.value, explain.severity_words(s.value)) for s in reversed(Severity)],
    }


def _prevalence(folder: Path, det: Detections) -> dict[str, Any] | None:
    """What the page says of prevalence across the store's cases: None without prevalence.json
    (a folder outside a case store); else the store's case count, each shown hit's "seen in N
    of M cases" (by detection id), and what was wrong with the file, if anything."""
    found = read_prevalence(folder)
    if found is None:
        return None
    seen: dict[str, int] = {}
    for group in det.groups.values():
        for hit in group.hits:
            if hit.id in found.counts:
                seen[hit.id] = found.counts[hit.id]
    return {"cases": found.cases, "seen": seen, "problem": found.problem, "ignored": found.ignored}


def _finalize(value: Any) -> Any:
    """Every value printed by the template: control and bidi characters made visible."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Our templates compiled once and kept in tracehound's cache folder (``iocs.cache.
    cache_dir``, 0700), so that a check does not compile the report template again each time
    (0.27 s). jinja2 keys each entry by template and checks the source's checksum and its own
    version, so an edited template or a new jinja2 is compiled again. Only our own templates
    are cached, never device data; a cache that cannot be written is no cache."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    folder = cache_dir() / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    env.filters["noun"] = noun  # {{ n|noun("detection") }}: "detection" or "detections"
    env.filters["counted"] = counted  # {{ n|counted("file") }}: "1 file", "2,345 files"
    return env


def render_page(template: str, css_name: str, context: dict[str, Any]) -> str:
    """A self-contained page of ours (the case report, the store's index.html): the template
    with its style sheet inline, under a Content-Security-Policy that allows that style sheet
    (by hash) and nothing else: no script, no image, no request."""
    css = (_TEMPLATES / css_name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; script-src 'none'; img-src 'none'; connect-src 'none'; "
        f"style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    page = _environment().get_template(template)
    # The style sheet is our own file (never device data), so it goes in unescaped.
    style = Markup(css)  # noqa: S704
    return page.render(**context, css=style, csp=csp)


def render_report(context: dict[str, Any]) -> str:
    """The HTML page for a context from ``build_report``."""
    return render_page("report.html.j2", "report.css", context)


def write_report(
    folder: Path, redact: bool = False, output: Path | None = None, limits: Limits | None = None
) -> Path:
    """Write the HTML report of the results folder ``folder``; return its path."""
    html = render_report(build_report(folder, redact, limits))
    target = output or folder / (REDACTED_NAME if redact else REPORT_NAME)
    # Owner-only like the rest of the results: a report holds the person's messages and history.
    write_private(target, html.encode("utf-8", errors="replace"))
    return target


@register
def write_html_report(folder: Path) -> Path:
    """Write ``report.html`` (not redacted) into the results folder."""
    return write_report(folder)
