"""The run facts of the HTML report, from run.json: the verdict in plain words, the coverage of
each artifact, the acquisition, and the indicator and input files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracehound.core.registry import Severity
from tracehound.reports.derived import as_dict as _dict
from tracehound.reports.derived import as_int as _int
from tracehound.reports.derived import as_list as _list
from tracehound.reports.derived import cut as _text
from tracehound.reports.derived import severity_rank as _rank
from tracehound.reports.detections import Detections
from tracehound.reports.limits import Limits
from tracehound.reports.redact import acquisition_fact, indicator_path, redact_path
from tracehound.reports.text import counted

STATUS_LABELS = {
    "ran": "ran",
    "not_present": "absent",
    "missing": "missing",
    "schema_mismatch": "mismatched",
    "error": "failed",
}
#: Statuses of an artifact (or file) that was not checked although it may hold data.
UNCHECKED = ("error", "missing", "schema_mismatch")


@dataclass
class Verdict:
    level: str  # "infected", "suspicious", "clean", "incomplete", "unreadable"
    headline: str
    detail: str
    incomplete: bool
    reasons: list[str]
    exit_code: str


@dataclass
class FileRow:
    path: str
    status: str
    label: str
    records: int
    warnings: int
    error: str


@dataclass
class CoverageRow:
    name: str
    description: str
    status: str
    label: str
    records: int
    warnings: int
    detections: int
    files: list[FileRow]
    messages: list[str]


def _status(value: Any) -> tuple[str, str]:
    status = value if value in STATUS_LABELS else "error"
    return status, STATUS_LABELS[status]


def _file_rows(info: dict[str, Any], redact: bool, limit: int) -> list[FileRow]:
    """The input files of one artifact (the first 50)."""
    files = []
    for f in map(_dict, _list(info.get("files"))[:50]):
        f_status, f_label = _status(f.get("status"))
        path = _text(f.get("path"), limit)
        files.append(
            FileRow(
                path=redact_path(path) if redact else path,
                status=f_status,
                label=f_label,
                records=_int(f.get("records")),
                warnings=_int(f.get("warnings")),
                error=_text(f.get("error"), limit),
            )
        )
    return files


def coverage(run: dict[str, Any], redact: bool, limit: int) -> list[CoverageRow]:
    """One row per artifact with its status (ran / absent / mismatched / failed) and files."""
    rows = []
    for name, info in _dict(run.get("artifacts")).items():
        info = _dict(info)
        status, label = _status(info.get("status"))
        messages = (
            [] if redact else [_text(m, limit) for m in _list(info.get("warning_messages"))[:10]]
        )
        rows.append(
            CoverageRow(
                name=_text(name, 100),
                description=_text(info.get("description"), 300),
                status=status,
                label=label,
                records=_int(info.get("records")),
                warnings=_int(info.get("warnings")),
                detections=_int(info.get("detections")),
                files=_file_rows(info, redact, limit),
                messages=messages,
            )
        )
    return rows


def _incomplete_reasons(run: dict[str, Any], cover: list[CoverageRow]) -> list[str]:
    acq = _dict(run.get("acquisition"))
    reasons = [f"acquisition: {_text(e, 300)}" for e in _list(acq.get("errors"))[:20]]
    for row in cover:
        if row.status in UNCHECKED or any(f.status == "missing" for f in row.files):
            reasons.append(
                f"{row.name}: {row.label} "
                + "; ".join(f"{f.path}: {f.error}" for f in row.files if f.error)[:600]
            )
    for f in map(_dict, _list(_dict(run.get("indicators")).get("files"))):
        if f.get("error"):
            reasons.append(
                f"indicator file {_text(f.get('path'), 200)}: {_text(f.get('error'), 300)}"
            )
    check = _dict(run.get("evidence_check"))
    if check and check.get("unchanged") is False:
        reasons.append("the evidence changed while it was read (see the evidence check below)")
    return reasons


def _verdict_words(code: Any, det: Detections) -> tuple[str, str, str]:
    """The verdict's level, headline and detail."""
    groups = det.groups.values()
    indicator_hits = sum(g.count for g in groups if g.kind == "indicator")
    heuristics = [g for g in groups if g.kind == "heuristic"]
    serious = sum(g.count for g in heuristics if _rank(g.severity) >= Severity.MEDIUM.rank)
    notes = sum(g.count for g in heuristics if _rank(g.severity) < Severity.MEDIUM.rank)
    if indicator_hits:
        names = ", ".join(f"{n} ({c})" for n, c in det.malware.most_common(12))
        matches = counted(indicator_hits, "indicator match", "indicator matches")
        findings = counted(det.total - indicator_hits, "heuristic finding")
        return (
            "infected",
            f"Indicators of known spyware found: {names}",
            f"{counted(det.total, 'detection')}: {matches} and {findings}. Review each below; "
            "their weight differs (a visited web page weighs less than a spyware process).",
        )
    if serious or (isinstance(code, int) and code & 1):
        return (
            "suspicious",
            "Suspicious traces found, but no indicator of a known spyware",
            f"{counted(det.total, 'heuristic finding')}, {serious:,} of severity medium or more. "
            "Heuristics need no indicator; each must be reviewed before concluding anything.",
        )
    detail = (
        f"{counted(notes, 'low-severity note')} to review below." if notes else "No detections."
    )
    return "clean", "Nothing found with the loaded indicators and heuristics", detail


def _not_clean(
    words: tuple[str, str, str], damage: str, unchecked: int, incomplete: bool
) -> tuple[str, str, str]:
    """The verdict's words when part of the acquisition could not be checked: never a green
    "Nothing found" then, and a damaged index (absence proves nothing) is the headline unless
    something was detected, which is never hidden."""
    level, headline, detail = words
    if damage and level == "clean":
        return (
            "unreadable",
            f"The acquisition could not be read: {damage}",
            "Its file index is damaged, so which files the phone had is unknown and absence "
            f"proves nothing: {unchecked:,} artifacts could not be checked. In what could be "
            f"read: {detail[0].lower()}{detail[1:]}",
        )
    if damage:
        return level, headline, f"{detail} The acquisition's file index is damaged ({damage})."
    if level == "clean" and (incomplete or unchecked):
        return (
            "incomplete",
            "No detections in what could be read, but the check is incomplete",
            f"{unchecked:,} artifacts could not be checked (listed above and under Coverage); "
            f"this is not a clean result. {detail}",
        )
    return level, headline, detail


def verdict(run: dict[str, Any], det: Detections, cover: list[CoverageRow]) -> Verdict:
    """The result in plain words, with the malware names and the number of detections."""
    code = run.get("exit_code")
    # A bit set since output format 1.2: 1 detected, 2 incomplete, so 3 is both.
    bits = code if isinstance(code, int) and not isinstance(code, bool) else -1
    valid = 0 <= bits <= 3
    incomplete = not valid or bool(bits & 2)
    reasons = _incomplete_reasons(run, cover)
    damage = _text(_dict(run.get("acquisition")).get("index_damage"), 300)
    unchecked = sum(1 for row in cover if row.status in UNCHECKED)
    level, headline, detail = _not_clean(
        _verdict_words(code, det), damage, unchecked, incomplete or bool(reasons)
    )
    if damage:
        reasons.insert(0, f"the acquisition's file index is damaged: {damage}")
    if not valid:
        reasons.insert(0, "run.json has no valid exit code: the check may not have finished")
    if det.bad_lines[0]:
        reasons.append(f"{counted(det.bad_lines[0], 'line')} of detections.jsonl could not be read")
    return Verdict(level, headline, detail, incomplete, reasons, _text(code, 10))


def missing_files(cover: list[CoverageRow]) -> list[tuple[str, str]]:
    """(artifact, device path) of each input the acquisition's index lists but that is absent."""
    return [(row.name, f.path) for row in cover for f in row.files if f.status == "missing"]


def acquisition_facts(run: dict[str, Any], redact: bool, limit: int) -> list[tuple[str, str]]:
    """Facts about the acquisition; when redacting, only the non-identifying ones."""
    acq = _dict(run.get("acquisition"))
    return [
        (_text(key, 80), acquisition_fact(key, acq[key], redact, limit))
        for key in acq
        if key != "errors"
    ]


def indicator_files(run: dict[str, Any], redact: bool) -> list[dict[str, str]]:
    """The indicator files loaded, with their hash and counts."""
    out = []
    for f in map(_dict, _list(_dict(run.get("indicators")).get("files"))):
        out.append(
            {
                "path": indicator_path(_text(f.get("path"), 300), redact),
                "sha256": _text(f.get("sha256"), 80),
                "indicators": f"{_int(f.get('indicators')):,}",
                "malware": _text(f.get("malware"), 300),
                "warnings": f"{_int(f.get('warnings')):,}",
                "error": _text(f.get("error"), 300),
            }
        )
    return out


def input_files(
    run: dict[str, Any], redact: bool, limits: Limits
) -> tuple[list[dict[str, str]], int]:
    """The input files read (the first ``max_inputs``) and how many more there were."""
    inputs = _list(run.get("inputs"))
    out = []
    for item in map(_dict, inputs[: limits.max_inputs]):
        path = _text(item.get("device_path"), limits.text_chars)
        out.append(
            {
                "path": redact_path(path) if redact else path,
                "sha256": _text(item.get("sha256"), 80),
                "size": f"{_int(item.get('size')):,}",
                "artifacts": _text(item.get("artifacts"), 300),
            }
        )
    return out, max(0, len(inputs) - limits.max_inputs)
