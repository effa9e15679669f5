"""Prevalence across the cases of a store: in how many cases each matched value and each
heuristic finding occurs.

A lab checks many phones. A value that hits on many of them (a domain of a common ad network in
a broad indicator file, a heuristic that fires on a setting most phones share) is probably
benign; one seen on a single phone weighs more. Counted per case, not per detection: a domain
visited a thousand times on one phone is one case.

What is counted (the *key* of a detection), read from each case's ``detections.parquet``:

- an indicator hit: its indicator kind and the normalised value that hit (``matched``: a host,
  a process name, a path; ``value`` for a results folder that has no ``matched``), so the same
  domain found in an SMS on one phone and in Safari on another is one key;
- a heuristic finding: its detector and its value (empty when the finding has none).

Only columns are read (pyarrow), and each case is reduced to its distinct keys before the cases
are counted together, so hundreds of cases with thousands of detections each stay fast and
small. A case whose detections cannot be read is not counted and is listed in ``skipped``:
"M cases" is always the number of cases actually counted.

``results/prevalence.json`` (written by :func:`tracehound.cases.views.refresh_store_views`)
gives a case's report the count of each of its detections::

    {"prevalence_format_version": "1.0", "store_cases": M, "detections": {"<id>": N, ...}}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracehound.cases.store import CaseStore

PREVALENCE_NAME = "prevalence.json"
PREVALENCE_FORMAT_VERSION = "1.0"
#: Columns of detections.parquet read (store/detections.py); the others are never decoded.
COLUMNS = ("id", "type", "severity", "detector", "value", "matched", "indicator_kind")
KEY = ("type", "what", "value")
#: Bounds on prevalence.json when read back (it is a file in a results folder: untrusted).
MAX_PREVALENCE_BYTES = 64 << 20
MAX_ID_CHARS = 64
MAX_CASES = 10_000_000


@dataclass
class CaseDetections:
    """One case's detections as columns: ``id`` and the key (``type``, ``what``, ``value``),
    plus ``severity`` for the counts of the store's index."""

    case_id: str
    table: pa.Table


@dataclass
class Prevalence:
    """Case counts of every key over the cases read.

    ``counts`` has the columns ``type`` (indicator or heuristic), ``what`` (the indicator kind
    or the detector), ``value`` and ``cases``, most common first. ``skipped`` lists the cases
    not counted with the reason, one line each."""

    cases: int
    counts: pa.Table
    per_case: dict[str, CaseDetections] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def top(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The most common keys (all with ``limit`` None) with their count and share."""
        rows = self.counts if limit is None else self.counts.slice(0, max(limit, 0))
        return [
            {**row, "share": round(row["cases"] / self.cases, 4) if self.cases else 0.0}
            for row in rows.to_pylist()
        ]

    def for_case(self, cid: str) -> dict[str, int]:
        """Detection id -> the number of cases its key occurs in, for one counted case."""
        case = self.per_case.get(cid)
        if case is None or case.table.num_rows == 0:
            return {}
        joined = case.table.select(["id", *KEY]).join(
            self.counts, keys=list(KEY), join_type="left outer"
        )
        ids = joined.column("id").to_pylist()
        counts = joined.column("cases").to_pylist()
        return {i: int(n or 0) for i, n in zip(ids, counts, strict=True) if i}


def _text(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A column as strings (nulls as ""); a column of another type is cast, not trusted."""
    column = table.column(name)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


def key_columns(table: pa.Table) -> pa.Table:
    """``id``, ``severity`` and the key columns of a detections.parquet table."""
    kind = _text(table, "type")
    indicator = pc.equal(kind, "indicator")
    matched = _text(table, "matched")
    value = _text(table, "value")
    # An indicator hit counts by the normalised value that hit; a 1.x-era folder without it
    # counts by the observed value. A heuristic counts by its detector and value.
    hit_value = pc.if_else(pc.equal(matched, ""), value, matched)
    return pa.table(
        {
            "id": _text(table, "id"),
            "severity": _text(table, "severity"),
            "type": kind,
            "what": pc.if_else(indicator, _text(table, "indicator_kind"), _text(table, "detector")),
            "value": pc.if_else(indicator, hit_value, value),
        }
    )


def read_case(store: CaseStore, cid: str) -> CaseDetections:
    """The detections of one case; ValueError with the reason when they cannot be read."""
    path = store.results(cid) / "detections.parquet"
    if not path.is_file():
        raise ValueError(f"{path}: no detections.parquet (no results, or a 1.x results folder)")
    try:
        schema = pq.read_schema(path)
        missing = [c for c in COLUMNS if c not in schema.names]
        if missing:
            raise ValueError(f"{path}: not a detections file (no column {', '.join(missing)})")
        table = pq.read_table(path, columns=list(COLUMNS))
        return CaseDetections(cid, key_columns(table))
    except (OSError, pa.ArrowException) as exc:
        raise ValueError(f"{path}: damaged detections file: {exc}") from None


def count(cases: Iterable[CaseDetections]) -> tuple[int, pa.Table]:
    """The number of cases and the case count of every key, most common first."""
    distinct = []
    number = 0
    for case in cases:
        number += 1
        keys = case.table.select(list(KEY)).group_by(list(KEY)).aggregate([])
        distinct.append(keys)
    if not distinct:
        empty = pa.table({k: pa.array([], pa.string()) for k in KEY})
        return 0, empty.append_column("cases", pa.array([], pa.int64()))
    every = pa.concat_tables(distinct)
    counted = every.group_by(list(KEY)).aggregate([([], "count_all")])
    counted = counted.rename_columns([*KEY, "cases"]).select(["type", "what", "value", "cases"])
    order = [("cases", "descending"), ("type", "ascending"), ("what", "ascending")]
    return number, counted.sort_by([*order, ("value", "ascending")])


def prevalence(store: CaseStore) -> Prevalence:
    """Count every key over every case of ``store`` whose detections can be read."""
    per_case: dict[str, CaseDetections] = {}
    skipped: list[tuple[str, str]] = []
    for cid in store.ids():
        try:
            per_case[cid] = read_case(store, cid)
        except ValueError as exc:
            skipped.append((cid, str(exc)))
    number, counts = count(per_case.values())
    return Prevalence(number, counts, per_case, skipped)


def prevalence_json(cases: int, counts: dict[str, int]) -> bytes:
    """The bytes of a case's prevalence.json (stable: same counts, same bytes)."""
    data = {
        "prevalence_format_version": PREVALENCE_FORMAT_VERSION,
        "store_cases": cases,
        "detections": dict(sorted(counts.items())),
    }
    return (json.dumps(data, indent=1, ensure_ascii=True) + "\n").encode("ascii")


@dataclass
class CaseCounts:
    """A case's prevalence.json as read back: ``cases`` (M), detection id -> N, and what was
    wrong with the file (``problem``: the file as a whole; ``ignored``: bad entries)."""

    cases: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    ignored: int = 0


def _count_value(value: Any, limit: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        return None
    return value


def read_prevalence(folder: Path) -> CaseCounts | None:
    """``prevalence.json`` of a results folder (None when absent). It is checked as untrusted
    input: its size, its types, and every count between 0 and the number of cases; a file that
    fails is a ``problem`` (no counts), a bad entry is ``ignored`` (counted)."""
    path = folder / PREVALENCE_NAME
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_PREVALENCE_BYTES:
            return CaseCounts(problem=f"{PREVALENCE_NAME} is larger than {MAX_PREVALENCE_BYTES}")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        return CaseCounts(problem=f"{PREVALENCE_NAME} cannot be read: {type(exc).__name__}")
    if not isinstance(data, dict):
        return CaseCounts(problem=f"{PREVALENCE_NAME} is not a JSON object")
    cases = _count_value(data.get("store_cases"), MAX_CASES)
    detections = data.get("detections")
    if not cases or not isinstance(detections, dict):
        return CaseCounts(problem=f"{PREVALENCE_NAME} has no store_cases or no detections")
    out = CaseCounts(cases=cases)
    for key, value in detections.items():
        n = _count_value(value, cases)
        if n is None or not isinstance(key, str) or len(key) > MAX_ID_CHARS:
            out.ignored += 1
        else:
            out.counts[key] = n
    return out
