"""``detections.parquet``: the detections of a check as columns, beside ``detections.jsonl``.

One row per detection, in the order of ``detections.jsonl``, with the same values: the nested
parts (the indicator, the evidence) as flat columns that a query can filter on
(``indicator_malware``, ``evidence_path``...), and the parts whose shape varies by artifact
(the record, related rows, a chain of events) as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tracehound.core.columns import TIMESTAMP
from tracehound.core.detection import Detection

_STR = pa.string()
SCHEMA = pa.schema(
    [
        ("id", _STR),
        ("type", _STR),
        ("severity", _STR),
        ("artifact", _STR),
        ("ts", TIMESTAMP),
        ("message", _STR),
        ("value", _STR),
        ("field", _STR),
        ("rule", _STR),
        ("matched", _STR),
        ("reason", _STR),
        ("detector", _STR),
        ("indicator_kind", _STR),
        ("indicator_value", _STR),
        ("indicator_id", _STR),
        ("indicator_malware", pa.list_(_STR)),
        ("indicator_source", _STR),
        ("evidence_source", _STR),
        ("evidence_path", _STR),
        ("evidence_sha256", _STR),
        ("evidence_row", pa.int64()),
        ("evidence_wal_sha256", _STR),
        ("related", _STR),
        ("chain", _STR),
        ("record", _STR),
    ]
)


def _row(det: Detection) -> dict[str, object]:
    data = det.to_json()
    ind = det.indicator
    ev = det.evidence
    return {
        "id": det.id,
        "type": det.type.value,
        "severity": det.severity,
        "artifact": det.artifact,
        "ts": det.ts,
        "message": det.message,
        "value": det.value,
        "field": det.field,
        "rule": det.rule.value if det.rule else None,
        "matched": det.matched,
        "reason": det.reason,
        "detector": det.detector,
        "indicator_kind": ind.kind if ind else None,
        "indicator_value": ind.value if ind else None,
        "indicator_id": ind.id if ind else None,
        "indicator_malware": list(ind.malware) if ind else None,
        "indicator_source": ind.source if ind else None,
        "evidence_source": ev.source,
        "evidence_path": ev.path,
        "evidence_sha256": ev.sha256,
        "evidence_row": ev.row,
        "evidence_wal_sha256": ev.wal_sha256,
        "related": json.dumps(data["related"], ensure_ascii=True) if "related" in data else None,
        "chain": json.dumps(data["chain"], ensure_ascii=True) if "chain" in data else None,
        "record": json.dumps(data["record"], ensure_ascii=True),
    }


def detections_table(detections: Sequence[Detection]) -> pa.Table:
    """``detections`` (in their order) as the rows of ``detections.parquet``."""
    return pa.Table.from_pylist([_row(d) for d in detections], schema=SCHEMA)


def write_detections_parquet(path: Path, detections: Sequence[Detection]) -> None:
    """Write ``detections`` (in their order) to ``path``."""
    pq.write_table(detections_table(detections), path, compression="zstd")
