"""Benchmark: prevalence across a store of many cases, and the store's index.html.

Checks the demo backup once into a new store, then makes ``--cases`` cases from its real
``detections.parquet``, each with ``--repeat`` times its detections and a share of its matched
values made distinct per case group (so there are both common and rare values), and times the
count over every case, the per-case counts of prevalence.json and index.html. Report rebuilding
is not timed (it is the case report's own cost, about a second a case).

Run: ``.venv/bin/python bench/bench_prevalence.py [--cases 300] [--repeat 120]``. Prints
best-of-3 times.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracehound.cases.index_html import write_index
from tracehound.cases.prevalence import prevalence
from tracehound.cases.store import Case, CaseStore
from tracehound.demo import generate
from tracehound.pipeline import CheckOptions, run_check


def build(root: Path, cases: int, repeat: int) -> CaseStore:
    store = CaseStore(root / "store", create=True)
    demo = root / "demo-out"
    run_check(CheckOptions(generate.write_demo_backup(root / "demo"), demo, jobs=1))
    base = pq.read_table(demo / "detections.parquet")
    table = pa.concat_tables([base] * repeat)
    matched = pc.fill_null(table.column("matched"), "")
    for number in range(cases):
        cid = f"{number:016x}"
        folder = store.results(cid)
        folder.mkdir(parents=True)
        # Values shared by a group of cases: 50 groups, so each value is in cases / 50 cases.
        values = pc.binary_join_element_wise(matched, pa.scalar(f"-{number % 50}"), "")
        column = table.schema.get_field_index("matched")
        pq.write_table(table.set_column(column, "matched", values), folder / "detections.parquet")
        check = {"at": "2026-12-01T00:00:00+00:00", "verdict": "detected", "exit_code": 1}
        store.save(Case(cid, f"case {number}", "x", cid * 4, "ios_backup", checks=[check]))
    return store


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp), args.cases, args.repeat)
        found = prevalence(store)
        per_case = found.per_case[store.ids()[0]].table.num_rows
        print(f"{found.cases} cases, {per_case:,} detections each, {found.counts.num_rows} keys")
        print(f"count over every case: {best(3, lambda: prevalence(store)):.3f} s")
        each = best(3, lambda: [found.for_case(c) for c in store.ids()])
        print(f"per-case counts (prevalence.json) of every case: {each:.3f} s")
        print(f"index.html: {best(3, lambda: write_index(store, found)):.3f} s")


if __name__ == "__main__":
    main()
