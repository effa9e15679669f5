"""Worker processes give the same results as one process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tracehound import parallel, pipeline
from tracehound.core.registry import artifacts, detectors, units
from tracehound.demo.generate import write_demo_backup
from tracehound.pipeline import CheckOptions, run_check
from tracehound.store.records import artifact_records, record_files


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_backup(tmp_path_factory.mktemp("par") / "backup")


def _outcome(out: Path, result: Any) -> dict[str, Any]:
    return {
        "detections": [d["id"] for d in result.detections],
        "detections.jsonl": (out / "detections.jsonl").read_bytes(),
        "timeline": (out / "timeline.csv").read_text(),
        "records": {
            name: list(artifact_records(out, name)) for name in record_files(out / "records")
        },
        "artifacts": {
            k: (v["status"], v["records"], v["detections"], v["files"])
            for k, v in result.run["artifacts"].items()
        },
        "inputs": result.run["inputs"],
        "evidence": result.run["evidence_check"],
        "exit": result.exit_code,
    }


def test_two_workers_equal_one(backup: Path, tmp_path: Path) -> None:
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        options = CheckOptions(target=backup, output=out, jobs=jobs, timeline_csv=True)
        runs[jobs] = _outcome(out, run_check(options))
    assert runs[1] == runs[2]
    assert runs[2]["exit"] == 1 and runs[2]["evidence"]["unchanged"]


@pytest.mark.parametrize("kind", ["backup", "ffs"])
def test_heuristics_in_the_parent_equal_one_process(kind: str, tmp_path: Path) -> None:
    """Without the timeline CSV the workers ship the rows the heuristics want to the parent
    (the databases spread over the workers): detections, their order and ids, records and
    counts are those of one process."""
    from tracehound.demo.generate import write_demo_ffs

    acquisition = (write_demo_backup if kind == "backup" else write_demo_ffs)(tmp_path / "acq")
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        result = run_check(CheckOptions(target=acquisition, output=out, jobs=jobs))
        outcome = _outcome_no_timeline(out, result)
        runs[jobs] = outcome
    assert runs[1] == runs[2]
    assert any(d["type"] == "heuristic" for d in _lines(tmp_path / "out2"))


def test_heuristics_in_the_parent_spread_the_databases() -> None:
    arts = artifacts(platform="ios")
    groups = parallel.artifact_groups(arts, by_detector=False)
    where = {a.name: n for n, g in enumerate(groups) for a in g}
    assert where["ios.sms"] != where["ios.safari_history"]


def _lines(out: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(x) for x in (out / "detections.jsonl").read_text().splitlines()]


def _outcome_no_timeline(out: Path, result: Any) -> dict[str, Any]:
    return {
        "detections": [d["id"] for d in result.detections],
        "detections.jsonl": (out / "detections.jsonl").read_bytes(),
        "records": {
            name: list(artifact_records(out, name)) for name in record_files(out / "records")
        },
        "artifacts": {
            k: (v["status"], v["records"], v["detections"], v["files"])
            for k, v in result.run["artifacts"].items()
        },
        "exit": result.exit_code,
    }


def test_groups_keep_each_detector_in_one_worker() -> None:
    arts = artifacts(platform="ios")
    groups = parallel.artifact_groups(arts)
    where = {a.name: n for n, g in enumerate(groups) for a in g}
    for cls in detectors():
        homes = {where[t] for t in cls.TYPES if t in where}
        assert len(homes) <= 1, cls.NAME
    listing = {where[a.name] for a in arts if a.input == "listing"}
    assert len(listing) <= 1
    assert sorted(a.name for g in groups for a in g) == sorted(a.name for a in arts)


def test_artifacts_reading_one_file_share_a_worker() -> None:
    arts = artifacts(platform="ios")
    sms = "/private/var/mobile/Library/SMS/sms.db"
    groups = parallel.artifact_groups(arts, {"ios.sms": [sms], "ios.sms_attachments": [sms]})
    where = {a.name: n for n, g in enumerate(groups) for a in g}
    assert where["ios.sms"] == where["ios.sms_attachments"]
    # (ios.whatsapp shares the infection_sequence detector's group with ios.sms)
    assert where["ios.sms"] != where["ios.chrome_history"]


def test_schedule_takes_the_costliest_groups_first() -> None:
    arts = artifacts(platform="ios")
    groups = parallel.artifact_groups(arts)
    cost = {a.name: 1 for a in arts}
    cost["ios.sms"] = 10_000
    cost["ios.chrome_history"] = 5_000
    queue = parallel.schedule(groups, cost)
    assert "ios.sms" in queue[0] and "ios.chrome_history" in queue[1]
    assert sorted(n for g in queue for n in g) == sorted(a.name for a in arts)


@pytest.mark.parametrize(
    ("jobs", "error", "raised", "match"),
    [
        (2, MemoryError("simulated"), RuntimeError, "a worker failed: MemoryError: simulated"),
        (1, KeyboardInterrupt(), KeyboardInterrupt, None),
    ],
)
def test_stopped_run_is_reported_and_leaves_no_timeline(
    backup: Path,
    tmp_path: Path,
    isolated_temp: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: int,
    error: BaseException,
    raised: type[BaseException],
    match: str | None,
) -> None:
    """A worker failure is reported; a failed or interrupted run leaves no timeline.csv that
    could read as complete, and no staging files."""
    real = pipeline.run_unit

    def stop(run: Any, states: list[Any], paths: dict[str, list[str]]) -> None:
        if any(state.artifact.name == "ios.sms" for state in states):
            raise error
        real(run, states, paths)

    monkeypatch.setattr(pipeline, "run_unit", stop)
    # The session's own temporary folder (conftest): no other run on the machine adds to it.
    staged = set(isolated_temp.glob("tracehound-*"))
    with pytest.raises(raised, match=match):
        run_check(CheckOptions(target=backup, output=tmp_path / "out", jobs=jobs))
    assert not (tmp_path / "out" / "timeline.csv").exists()
    assert set(isolated_temp.glob("tracehound-*")) == staged


def test_jobs_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEHOUND_JOBS", "3")
    assert parallel.default_jobs() == 3
    monkeypatch.setenv("TRACEHOUND_JOBS", "zero")
    assert 1 <= parallel.default_jobs() <= parallel.MAX_DEFAULT_JOBS


PHASES = [
    "running heuristics",
    "sorting the timeline",
    "checking the evidence is unchanged",
    "writing the report",
]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_names_the_artifact_being_parsed(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """The label names an artifact while it is parsed, not after: ``ios.sms`` waits (in the
    worker, across processes through marker files) until the label has named it. The steps
    after parsing have labels of their own, with the count complete."""
    seen, late = tmp_path / "seen", tmp_path / "late"
    seen.mkdir()
    calls: list[tuple[str, int, int]] = []
    real = pipeline.run_unit

    def tick(label: str, done: int, total: int) -> None:
        calls.append((label, done, total))
        for name in label.removeprefix("parsing ").split(", "):
            (seen / name).touch()

    def parse(run: Any, states: list[Any], paths: dict[str, list[str]]) -> None:
        name = states[0].artifact.name
        if name == "ios.sms":
            for _ in range(200):  # 10 s at most
                if (seen / name).exists():
                    break
                time.sleep(0.05)
            else:
                late.touch()
        real(run, states, paths)

    monkeypatch.setattr(pipeline, "run_unit", parse)
    run_check(CheckOptions(target=backup, output=tmp_path / "out", jobs=jobs), tick)
    assert not late.exists(), "ios.sms was parsed before the progress label named it"
    total = len(pipeline.artifacts(platform="ios", source_kind="ios_backup"))
    assert calls[0] == ("loading indicators", 0, 0)
    parsing = [c for c in calls if c[0].startswith("parsing ")]
    assert parsing[0][1] == 0 and all(c[2] == total for c in parsing)
    named = {n for label, _, _ in parsing for n in label.removeprefix("parsing ").split(", ")}
    assert named == {a.name for a in pipeline.artifacts(platform="ios", source_kind="ios_backup")}
    counts = [done for _, done, _ in calls]
    assert counts == sorted(counts)
    after = [c for c in calls if not c[0].startswith("parsing ")]
    phases = PHASES if jobs == 1 else [PHASES[0], "merging the workers' results", *PHASES[1:]]
    before = ["loading indicators", "opening the acquisition"]
    assert [label for label, _, _ in after] == [*before, *phases]
    assert all(c[1:] == (total, total) for c in after[len(before) :])
    if jobs == 1:  # one label per unit (the members of a shared reader are parsed together)
        arts = pipeline.artifacts(platform="ios", source_kind="ios_backup")
        sizes = [len(unit) for unit in units(arts, lambda a: a)]
        assert [c[1] for c in parsing] == [sum(sizes[:n]) for n in range(len(sizes))]
        assert [len(c[0].split(", ")) for c in parsing] == sizes
