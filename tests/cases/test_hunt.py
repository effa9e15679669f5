"""``tracehound hunt`` on real stores: demo phones really checked, their records re-hunted."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from tests.cases.conftest import add_case
from tracehound.cases import hunt as hunt_engine
from tracehound.cases.store import CaseStore
from tracehound.cli import main
from tracehound.core.registry import detectors
from tracehound.iocs.feeds import bundled_paths
from tracehound.pipeline import CheckOptions, run_check

MakeStore = Callable[[], CaseStore]
EXTRA_EMAIL = "lea@example.org"  # once in the demo phones' contacts, in no bundled indicator


def invoke(store: CaseStore, *args: str) -> Result:
    return CliRunner().invoke(main, ["hunt", "--store", str(store.root), *args])


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def ids(path: Path) -> list[str]:
    return [d["id"] for d in lines(path)]


def case_of(store: CaseStore, label: str) -> str:
    return store.find(label).id


def sightings(results: Path) -> set[str]:
    """The indicators a results folder's sightings.stix2 reports seen."""
    bundle = json.loads((results / "sightings.stix2").read_text("utf-8"))
    return {o["sighting_of_ref"] for o in bundle["objects"] if o["type"] == "sighting"}


def fresh_check(acquisition: Path, out: Path, **options: Any) -> list[dict[str, Any]]:
    run_check(CheckOptions(target=acquisition, output=out, jobs=1, **options))
    return lines(out / "detections.jsonl")


def extra_bundle(path: Path, pattern: str = f"[email-addr:value = '{EXTRA_EMAIL}']") -> Path:
    objects = [
        {"type": "malware", "id": "malware--1", "name": "TestSpy", "is_family": False},
        {"type": "indicator", "id": "indicator--1", "pattern": pattern, "pattern_type": "stix"},
        {
            "type": "relationship",
            "id": "relationship--1",
            "relationship_type": "indicates",
            "source_ref": "indicator--1",
            "target_ref": "malware--1",
        },
    ]
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return path


def test_hunt_finds_what_a_fresh_check_finds(
    fresh_store: MakeStore, demo_phones: dict[str, Path], tmp_path: Path
) -> None:
    store = fresh_store()
    cid = case_of(store, "infected")
    results = store.results(cid)
    before = ids(results / "detections.jsonl")
    report_before = (results / "report.html").read_text("utf-8")
    assert not sightings(results)
    assert before and all(d["type"] == "heuristic" for d in lines(results / "detections.jsonl"))
    result = invoke(store, "--json")
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    fresh = fresh_check(demo_phones["infected"], tmp_path / "fresh")
    expected = [d["id"] for d in fresh if d["id"] not in before]
    assert sorted(d["id"] for d in out if d["case"] == cid) == sorted(expected)
    assert sum(1 for d in fresh if d["type"] == "indicator") == 10
    assert {d["case"] for d in out} == {cid}  # the clean phone has nothing new
    # Each new line is the detection of the fresh check, plus the case.
    by_id = {d["id"]: d for d in fresh}
    for det in out:
        assert {k: v for k, v in det.items() if k != "case"} == by_id[det["id"]]
    # The table names the indicator file that brought them (the table is on stderr with --json).
    pegasus = next(p for p in bundled_paths() if p.name == "pegasus.stix2")
    assert str(pegasus.resolve()) in result.stderr
    # New lines are written as a check writes them, byte for byte.
    fresh_lines = (tmp_path / "fresh" / "detections.jsonl").read_text("utf-8").splitlines()
    case_lines = set((results / "detections.jsonl").read_text("utf-8").splitlines())
    assert {line for line in fresh_lines if json.loads(line)["id"] in expected} <= case_lines
    # The case's results are the union, in one order in both detection files.
    union = ids(results / "detections.jsonl")
    assert set(union) == set(before) | set(expected) and len(union) == len(set(union))
    assert pq.read_table(results / "detections.parquet").column("id").to_pylist() == union
    run = json.loads((results / "run.json").read_text("utf-8"))
    assert run["exit_code"] == 1 and run["detections"]["total"] == len(union)
    assert run["exit_reasons"][0].startswith("detected: ")
    assert run["hunts"][0]["new"] == [d["id"] for d in out]
    case = store.load(cid)
    entry = case.hunts[0]
    assert entry["new"] == [d["id"] for d in out] and entry["verdict"] == "detected"
    assert {f["path"]: f["sha256"] for f in entry["indicator_files"]}[str(pegasus.resolve())]
    assert case.verdict == "detected"
    # The regenerated report and sightings show the new hits, as a fresh check's do.
    assert sightings(results) == sightings(tmp_path / "fresh") != set()
    assert "Pegasus indicator" not in report_before
    assert "Pegasus indicator" in (results / "report.html").read_text("utf-8")
    assert stat.S_IMODE(os.stat(results).st_mode) == 0o700
    for folder, dirs, files in os.walk(store.root / "cases"):
        for name in dirs:
            assert stat.S_IMODE(os.stat(Path(folder) / name).st_mode) == 0o700, name
        for name in files:
            assert stat.S_IMODE(os.stat(Path(folder) / name).st_mode) == 0o600, name
    assert not any((store.root / ".staging").iterdir())
    # The store's views follow the hunt: prevalence beside the results, the hunt in index.html.
    assert json.loads((results / "prevalence.json").read_text("utf-8"))["store_cases"] == 2
    index = (store.root / "index.html").read_text("utf-8")
    assert cid in index and f"{len(expected)}" in index


def test_hunting_again_finds_nothing_new(fresh_store: MakeStore) -> None:
    store = fresh_store()
    assert invoke(store).exit_code == 1
    cid = case_of(store, "infected")
    known = (store.results(cid) / "detections.jsonl").read_bytes()
    again = invoke(store, "--json")
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert "nothing new" in again.stderr
    assert (store.results(cid) / "detections.jsonl").read_bytes() == known
    assert [h["new"] for h in store.load(cid).hunts][1] == []
    assert store.load(cid).verdict == "detected"  # a hunt that finds nothing keeps the verdict


def test_extra_indicator_file_gives_exactly_one_new_hit(
    fresh_store: MakeStore, tmp_path: Path
) -> None:
    store = fresh_store()
    assert invoke(store).exit_code == 1
    extra = extra_bundle(tmp_path / "extra.stix2")
    result = invoke(store, "--iocs", str(extra), "--json", "--case", "infected")
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["artifact"], d["value"], d["indicator"]["malware"]) for d in out] == [
        ("ios.contacts", EXTRA_EMAIL, ["TestSpy"])
    ]
    assert str(extra) in result.stderr
    assert store.load(case_of(store, "clean")).hunts[1:] == []  # --case: only that one
    # Removing the file later does not erase what it found.
    extra.unlink()
    assert invoke(store, "--case", "infected").exit_code == 0
    assert out[0]["id"] in ids(store.results(case_of(store, "infected")) / "detections.jsonl")


def test_heuristics_run_again(
    demo_phones: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case checked before a detector existed gets that detector's findings, with the ids a
    fresh check gives them."""
    full = fresh_check(demo_phones["infected"], tmp_path / "fresh", bundled_iocs=False)
    missing = "safari_redirect"
    assert any(d.get("detector") == missing for d in full)
    older = [cls for cls in detectors() if missing != cls.NAME]
    monkeypatch.setattr("tracehound.pipeline.detectors", lambda: older)
    store = CaseStore(tmp_path / "store", create=True)
    cid = add_case(store, demo_phones["infected"], "old", bundled=False).id
    monkeypatch.undo()
    before = set(ids(store.results(cid) / "detections.jsonl"))
    result = invoke(store, "--no-bundled-iocs", "--json")
    assert result.exit_code == 0, result.output  # a medium finding does not set the bit
    new = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(d["id"] for d in new) == sorted(d["id"] for d in full if d["id"] not in before)
    assert {d["detector"] for d in new} == {missing}
    assert "1 medium" in result.stderr


def test_damaged_parquet_leaves_the_others_hunted(fresh_store: MakeStore) -> None:
    store = fresh_store()
    clean, infected = case_of(store, "clean"), case_of(store, "infected")
    damaged = store.results(infected) / "records" / "ios.sms.parquet"
    damaged.write_bytes(damaged.read_bytes()[:200])
    known = (store.results(infected) / "detections.jsonl").read_bytes()
    extra = extra_bundle(store.root.parent / "extra.stix2")
    result = invoke(store, "--iocs", str(extra))
    assert result.exit_code == 3, result.output
    assert f"not hunted: {damaged}: damaged records file" in result.stderr.replace("\n", "")
    assert "1 case not hunted" in result.stderr
    assert (store.results(infected) / "detections.jsonl").read_bytes() == known
    assert store.load(infected).hunts == []
    assert [len(h["new"]) for h in store.load(clean).hunts] == [1]  # the contact, on this phone


def test_missing_results_and_bad_detections_are_named(fresh_store: MakeStore) -> None:
    store = fresh_store()
    clean, infected = case_of(store, "clean"), case_of(store, "infected")
    (store.results(clean) / "detections.jsonl").write_text("{not json\n")
    os.rename(store.results(infected), store.root / "elsewhere")
    result = invoke(store)
    assert result.exit_code == 2, result.output
    err = result.stderr.replace("\n", "")
    assert "detections.jsonl: line 1 is not a detection" in err
    assert f"{store.results(infected)}: missing" in err
    assert "2 cases not hunted" in err


def test_a_crash_mid_hunt_leaves_the_old_case_whole(
    fresh_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = fresh_store()
    cid = case_of(store, "infected")
    folder = store.results(cid)
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    def crash(path: Path) -> list[Path]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tracehound.reports.derived.write_derived", crash)
    result = invoke(store, "--case", cid, "--jobs", "1")  # in this process, where it is patched
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.stderr
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert store.load(cid).hunts == []
    assert not any((store.root / ".staging").iterdir())


def test_bad_input_refuses_before_any_case(fresh_store: MakeStore, tmp_path: Path) -> None:
    store = fresh_store()
    broken = tmp_path / "broken.stix2"
    broken.write_text("{")
    result = invoke(store, "--iocs", str(broken))
    assert result.exit_code == 4
    assert "broken.stix2: indicator file cannot be used" in result.stderr
    assert "Traceback" not in result.output
    assert all(not c.hunts for c in store.cases())
    assert invoke(store, "--case", "nobody").exit_code == 4
    nostore = CliRunner().invoke(main, ["hunt", "--store", str(tmp_path / "none")])
    assert nostore.exit_code == 4 and "no case store here" in nostore.stderr


def test_local_processes_and_a_dask_cluster_find_the_same(
    fresh_store: MakeStore, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    extra = extra_bundle(tmp_path / "extra.stix2")
    spec, _ = hunt_engine.prepare_indicators([extra], True)
    local, remote = fresh_store(), fresh_store()
    mine = hunt_engine.hunt(local, local.ids(), spec, 1, None)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as cluster:
        theirs = hunt_engine.hunt(remote, remote.ids(), spec, 0, cluster.scheduler_address)
    assert [(r.id, r.error) for r in theirs] == [(r.id, None) for r in mine]
    assert [[d["id"] for d in r.new] for r in theirs] == [[d["id"] for d in r.new] for r in mine]
    assert all(r.new for r in mine)
    for cid in local.ids():
        assert ids(remote.results(cid) / "detections.jsonl") == ids(
            local.results(cid) / "detections.jsonl"
        )


def test_two_local_processes(fresh_store: MakeStore) -> None:
    one, two = fresh_store(), fresh_store()
    first = invoke(one, "--json", "--jobs", "1")
    second = invoke(two, "--json", "--jobs", "2")
    assert first.exit_code == second.exit_code == 1
    assert sorted(first.stdout.splitlines()) == sorted(second.stdout.splitlines())


def test_groups_spread_the_cases() -> None:
    names = [f"c{n}" for n in range(23)]
    assert [len(g) for g in hunt_engine.groups(names, 2)] == [10, 10, 3]
    assert [len(g) for g in hunt_engine.groups(names[:3], 2)] == [2, 1]
    assert hunt_engine.groups([], 2) == []


def test_indicator_files_changed_during_the_hunt(fresh_store: MakeStore, tmp_path: Path) -> None:
    store = fresh_store()
    extra = extra_bundle(tmp_path / "extra.stix2")
    spec, _ = hunt_engine.prepare_indicators([extra], False)
    extra_bundle(extra, "[email-addr:value = 'someone@example.org']")  # edited after the start
    results = hunt_engine.hunt(store, store.ids(), spec, 1, None)
    assert [r.exit_code for r in results] == [2, 2]
    assert all("indicator files changed during the hunt" in str(r.error) for r in results)
    assert all(not c.hunts for c in store.cases())


def test_an_empty_store(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "empty", create=True)
    result = invoke(store, "--no-bundled-iocs")
    assert result.exit_code == 0, result.output
    assert "0 cases hunted, nothing new" in result.stderr


def test_an_unreachable_scheduler_is_one_line(fresh_store: MakeStore) -> None:
    pytest.importorskip("distributed")
    store = fresh_store()
    result = invoke(store, "--no-bundled-iocs", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 4, result.output
    assert "cannot reach the Dask scheduler" in result.stderr
    assert "Traceback" not in result.output
    assert all(not c.hunts for c in store.cases())
