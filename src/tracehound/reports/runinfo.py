"""The summary parts of ``run.json``: indicators loaded, artifact coverage, detection counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.stix import IocSet

if TYPE_CHECKING:
    from tracehound.pipeline import ArtifactRun


def ioc_summary(iocs: IocSet, index: IndicatorIndex) -> dict[str, Any]:
    """Every indicator file with its hash, counts per kind and warnings; and the totals."""
    return {
        "files": [
            {
                "path": str(f.path),
                "sha256": f.sha256,
                "indicators": f.indicators,
                "counts": dict(sorted(f.counts.items())),
                "malware": list(f.malware),
                "warnings": f.warnings,
                "error": f.error,
                "newest": f.newest,
            }
            for f in iocs.files
        ],
        "total": len(index),
        "counts": dict(sorted(index.counts().items())),
        "warning_count": iocs.warning_count,
        "warnings": iocs.warnings,
    }


def artifact_table(states: Sequence[ArtifactRun]) -> dict[str, Any]:
    """Per artifact: status, record and warning counts, seconds, and each input file's outcome
    (``ran``, ``missing``, ``schema_mismatch`` or ``error``); ``missing`` counts the files the
    acquisition's index lists that are absent from it. ``reader`` names the shared reader an
    artifact is one record type of (its input opened once for all its members; the opening's
    seconds count in the first member's), else null."""
    return {
        s.artifact.name: {
            "description": s.artifact.description,
            "reader": s.artifact.reader.name if s.artifact.reader is not None else None,
            "status": s.status,
            "records": s.records,
            "warnings": s.warnings,
            "detections": s.detections,
            "seconds": s.seconds,
            "files": s.files,
            "missing": sum(1 for f in s.files if f["status"] == "missing"),
            "errors": s.errors,
            "warning_messages": s.messages,
        }
        for s in states
    }


def coverage_summary(states: Sequence[ArtifactRun]) -> dict[str, Any]:
    """Artifacts per status, and the input files listed in the acquisition's index but absent
    from it (status ``missing``), each with the artifact that needed it."""
    missing = [
        {"artifact": s.artifact.name, "path": f["path"], "error": f.get("error")}
        for s in states
        for f in s.files
        if f["status"] == "missing"
    ]
    return {
        "by_status": dict(sorted(Counter(s.status for s in states).items())),
        "missing_files": len(missing),
        "missing": missing,
    }


def detection_summary(detections: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of detections by severity, type and malware."""
    malware: Counter[str] = Counter()
    for d in detections:
        for name in (d.get("indicator") or {}).get("malware", []):
            malware[name] += 1
    return {
        "total": len(detections),
        "by_severity": dict(Counter(d["severity"] for d in detections)),
        "by_type": dict(Counter(d["type"] for d in detections)),
        "by_artifact": dict(Counter(d["artifact"] for d in detections)),
        "malware": dict(malware.most_common()),
    }
