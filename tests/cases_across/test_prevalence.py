"""Prevalence across a store's cases, prevalence.json, and the report's "seen in N of M cases",
on a store of really checked demo phones (conftest)."""

from __future__ import annotations

import json
import shutil
import stat
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracehound.cases.prevalence import (
    MAX_PREVALENCE_BYTES,
    PREVALENCE_NAME,
    prevalence,
    read_prevalence,
)
from tracehound.cases.store import CaseStore
from tracehound.cases.views import refresh_store_views
from tracehound.reports.html import write_report

from .conftest import DemoStore


def oracle(store: CaseStore) -> Counter[tuple[str, str, str]]:
    """The case counts computed independently, per row in Python from detections.jsonl."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for cid in store.ids():
        keys = set()
        lines = (store.results(cid) / "detections.jsonl").read_text("utf-8").splitlines()
        for det in map(json.loads, lines):
            if det["type"] == "indicator":
                keys.add(("indicator", det["indicator"]["kind"], det["matched"] or det["value"]))
            else:
                keys.add(("heuristic", det["detector"], det["value"] or ""))
        counts.update(keys)
    return counts


def test_counts_every_value_once_per_case(demo_store: DemoStore) -> None:
    store = CaseStore(demo_store.root)
    found = prevalence(store)
    assert found.cases == 3 and found.skipped == []
    got = {(r["type"], r["what"], r["value"]): r["cases"] for r in found.top()}
    assert got == dict(oracle(store))
    # The planted Pegasus traces are on the two infected phones; the old iOS on all three.
    assert got[("indicator", "domain", "urlpush.net")] == 2
    assert got[("indicator", "email", "bogaardlisa803@gmail.com")] == 2
    assert got[("indicator", "process", "bh")] == 2
    assert got[("heuristic", "ios_version_outdated", "14.6 (18F72)")] == 3
    top = found.top(1)[0]
    assert top["cases"] == 3 and top["share"] == 1.0
    shares = [r["cases"] for r in found.top()]
    assert shares == sorted(shares, reverse=True)


def test_per_detection_counts_of_a_case(demo_store: DemoStore) -> None:
    store = CaseStore(demo_store.root)
    found = prevalence(store)
    counts = oracle(store)
    cid = demo_store.infected.id
    by_id = found.for_case(cid)
    lines = (store.results(cid) / "detections.jsonl").read_text("utf-8").splitlines()
    dets = [json.loads(line) for line in lines]
    assert set(by_id) == {d["id"] for d in dets}
    for det in dets:
        if det["type"] == "indicator":
            key = ("indicator", det["indicator"]["kind"], det["matched"] or det["value"])
        else:
            key = ("heuristic", det["detector"], det["value"] or "")
        assert by_id[det["id"]] == counts[key]
    assert found.for_case("0000000000000000") == {}


@pytest.mark.parametrize("damage", ["garbage", "no_column", "missing"])
def test_a_case_whose_detections_cannot_be_read_is_skipped_and_named(
    store_copy: CaseStore, demo_store: DemoStore, damage: str
) -> None:
    path = store_copy.results(demo_store.infected_again.id) / "detections.parquet"
    if damage == "garbage":
        path.write_bytes(b"PAR1 not really parquet")
    elif damage == "no_column":
        pq.write_table(pa.table({"id": ["x"]}), path)
    else:
        path.unlink()
    found = prevalence(store_copy)
    assert found.cases == 2
    assert [cid for cid, _ in found.skipped] == [demo_store.infected_again.id]
    reason = found.skipped[0][1]
    assert str(path) in reason
    expected = {"garbage": "damaged", "no_column": "no column", "missing": "no detections"}
    assert expected[damage] in reason
    counts = {(r["what"], r["value"]): r["cases"] for r in found.top()}
    assert counts[("domain", "urlpush.net")] == 1  # only phone A is counted now


def test_empty_store(tmp_path: Path) -> None:
    found = prevalence(CaseStore(tmp_path / "s", create=True))
    assert found.cases == 0 and found.top() == [] and found.skipped == []


def test_refresh_writes_private_prevalence_and_reports(
    store_copy: CaseStore, demo_store: DemoStore
) -> None:
    done = refresh_store_views(store_copy)
    assert sorted(done.changed) == sorted(store_copy.ids()) and done.failed == []
    a = store_copy.results(demo_store.infected.id)
    data = json.loads((a / PREVALENCE_NAME).read_text("ascii"))
    assert data["store_cases"] == 3 and data["prevalence_format_version"] == "1.0"
    assert set(data["detections"].values()) == {2, 3}
    assert stat.S_IMODE((a / PREVALENCE_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE((store_copy.root / "index.html").stat().st_mode) == 0o600
    html = (a / "report.html").read_text("utf-8")
    assert "seen in 2 of 3 cases" in html and "seen in 3 of 3 cases" in html
    assert html.count('<span class="seen">') == len(data["detections"])
    # Nothing changed: nothing rewritten.
    before = (a / "report.html").stat().st_mtime_ns
    again = refresh_store_views(store_copy)
    assert again.changed == [] and (a / "report.html").stat().st_mtime_ns == before
    # A removed case changes every count.
    with store_copy.lock():
        store_copy.remove(demo_store.infected_again.id)
    third = refresh_store_views(store_copy)
    assert sorted(third.changed) == sorted(store_copy.ids())
    html = (a / "report.html").read_text("utf-8")
    assert "seen in 1 of 2 cases" in html and "seen in 2 of 2 cases" in html
    assert "of 3 cases" not in html


def test_refresh_drops_counts_it_can_no_longer_make(
    store_copy: CaseStore, demo_store: DemoStore
) -> None:
    refresh_store_views(store_copy)
    b = store_copy.results(demo_store.infected_again.id)
    (b / "detections.parquet").write_bytes(b"damaged")
    done = refresh_store_views(store_copy)
    assert [c for c, _ in done.found.skipped] == [demo_store.infected_again.id]
    assert not (b / PREVALENCE_NAME).exists()


def test_refresh_under_a_held_lock(store_copy: CaseStore) -> None:
    with store_copy.lock():
        done = refresh_store_views(store_copy, locked=True)
    assert done.index == store_copy.root / "index.html"


def test_a_report_outside_a_store_shows_no_prevalence(demo_store: DemoStore) -> None:
    results = CaseStore(demo_store.root).results(demo_store.infected.id)
    assert not (results / PREVALENCE_NAME).exists()  # the session store is never refreshed
    html = (results / "report.html").read_text("utf-8")
    assert '<span class="seen">' not in html and "case store" not in html


HOSTILE = [
    (b"[1, 2]", "not a JSON object"),
    (b"{not json", "cannot be read"),
    (b'{"store_cases": true, "detections": {}}', "no store_cases"),
    (b'{"store_cases": 3, "detections": []}', "no detections"),
    (b"\xff\xfe", "cannot be read"),
    (b"[" * 100_000 + b"]" * 100_000, "cannot be read"),
]


@pytest.mark.parametrize(("data", "problem"), HOSTILE)
def test_hostile_prevalence_json_is_refused_whole(
    tmp_path: Path, demo_store: DemoStore, data: bytes, problem: str
) -> None:
    results = tmp_path / "results"
    shutil.copytree(CaseStore(demo_store.root).results(demo_store.infected.id), results)
    (results / PREVALENCE_NAME).write_bytes(data)
    found = read_prevalence(results)
    assert found is not None and problem in found.problem and found.counts == {}
    html = write_report(results).read_text("utf-8")
    assert "prevalence.json was not used" in html and '<span class="seen">' not in html


def test_hostile_entries_are_ignored_and_counted(tmp_path: Path, demo_store: DemoStore) -> None:
    results = tmp_path / "results"
    source = CaseStore(demo_store.root).results(demo_store.infected.id)
    shutil.copytree(source, results)
    ids = [json.loads(line)["id"] for line in (results / "detections.jsonl").open()]
    entries: dict[str, object] = {ids[0]: 2, ids[1]: True, ids[2]: -1, ids[3]: 9, ids[4]: "2"}
    entries["x" * 65] = 1
    entries["<script>alert(1)</script>"] = 1
    data = {"store_cases": 5, "detections": entries}
    (results / PREVALENCE_NAME).write_text(json.dumps(data), "utf-8")
    found = read_prevalence(results)
    assert found is not None and found.problem == ""
    assert found.counts == {ids[0]: 2, "<script>alert(1)</script>": 1}
    assert found.ignored == 5
    html = write_report(results).read_text("utf-8")
    assert html.count('<span class="seen">') == 1 and "seen in 2 of 5 cases" in html
    assert "5 bad entries of prevalence.json ignored" in html
    (results / PREVALENCE_NAME).write_bytes(b" " * (MAX_PREVALENCE_BYTES + 1))
    big = read_prevalence(results)
    assert big is not None and "larger than" in big.problem


def test_reports_rebuilt_on_worker_processes(store_copy: CaseStore, demo_store: DemoStore) -> None:
    done = refresh_store_views(store_copy, jobs=2)
    assert done.failed == [] and len(done.changed) == 3
    for case in (demo_store.infected, demo_store.infected_again):
        html = (store_copy.results(case.id) / "report.html").read_text("utf-8")
        assert "seen in 2 of 3 cases" in html


def test_a_case_whose_report_fails_does_not_stop_the_others(
    store_copy: CaseStore, demo_store: DemoStore
) -> None:
    bad = store_copy.results(demo_store.infected_again.id)
    (bad / "run.json").unlink()
    done = refresh_store_views(store_copy)
    assert [cid for cid, _ in done.failed] == [demo_store.infected_again.id]
    assert "the report could not be rebuilt: NotAResultsFolder" in done.failed[0][1]
    good = store_copy.results(demo_store.infected.id) / "report.html"
    assert "seen in 2 of 3 cases" in good.read_text("utf-8")
    assert done.index is not None and done.index.is_file()
    assert not (bad / PREVALENCE_NAME).exists()  # so the next refresh tries it again
