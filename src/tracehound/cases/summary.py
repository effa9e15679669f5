"""What a case comes to, read from its results: detection counts and the ``cases list --json``
row (the schema is documented in the README, "The case store").

Counts come from the case's ``detections.jsonl`` (which a hunt extends), else from the
``detections`` summary of its ``run.json``; a case with neither, or with a damaged one, is a
:class:`~tracehound.cases.store.StoreError` naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tracehound.cases.store import Case, CaseStore, StoreError

#: Severities, most severe first: every one is a key of ``by_severity`` (0 when absent).
SEVERITIES = ("critical", "high", "medium", "low", "info")


def detection_counts(results: Path) -> dict[str, Any]:
    """``{"indicator": N, "heuristic": N, "by_severity": {"critical": N, ...}}``."""
    by_type = {"indicator": 0, "heuristic": 0}
    by_severity = dict.fromkeys(SEVERITIES, 0)
    lines = results / "detections.jsonl"
    if lines.is_file():
        number = 0
        try:
            with lines.open("r", encoding="utf-8") as handle:
                for line in handle:
                    number += 1  # for the message
                    if not line.strip():
                        continue
                    item = json.loads(line)
                    kind, severity = str(item["type"]), str(item["severity"])
                    by_type[kind] = by_type.get(kind, 0) + 1
                    by_severity[severity] = by_severity.get(severity, 0) + 1
        except (OSError, ValueError, KeyError, TypeError) as exc:
            where = f" (line {number})" if number else ""
            raise StoreError(f"{lines}: damaged detections file{where}: {exc}") from None
        return {**by_type, "by_severity": by_severity}
    run = results / "run.json"
    try:
        summary = json.loads(run.read_text("utf-8"))["detections"]
        for kind, count in dict(summary["by_type"]).items():
            by_type[str(kind)] = int(count)
        for severity, count in dict(summary["by_severity"]).items():
            by_severity[str(severity)] = int(count)
    except FileNotFoundError:
        raise StoreError(f"{results}: the case has no results (no detections.jsonl)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{run}: damaged run file: {exc}") from None
    return {**by_type, "by_severity": by_severity}


def _newest(events: list[dict[str, Any]]) -> str:
    return max((str(e.get("at", "")) for e in events), default="")


def case_row(store: CaseStore, case: Case) -> dict[str, Any]:
    """One case for ``cases list --json``: ``id``, ``label``, ``acquisition``, ``sha256``,
    ``kind``, ``verdict``, ``detections`` first (in this order), then ``last_checked``,
    ``last_hunted``, ``created``, ``checks``, ``hunts`` (how many) and ``results``."""
    return {
        "id": case.id,
        "label": case.label,
        "acquisition": case.acquisition,
        "sha256": case.sha256,
        "kind": case.kind,
        "verdict": case.verdict,
        "detections": detection_counts(store.results(case.id)),
        "last_checked": _newest(case.checks),
        "last_hunted": _newest(case.hunts),
        "created": case.created,
        "checks": len(case.checks),
        "hunts": len(case.hunts),
        "results": str(store.results(case.id)),
    }
