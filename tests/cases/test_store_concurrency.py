"""Several writers on one store, a writer killed at its worst moment, and file modes whatever
the umask: real processes, real checks of demo acquisitions."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.checking import CaseOutcome, CaseTask, check_case
from tracehound.cases.store import CaseStore, StoreError, case_id

from .conftest import case_json, detection_ids

TRACEHOUND = str(Path(sys.executable).parent / "tracehound")


def _task(store: Path, acq: Path) -> CaseTask:
    return CaseTask(store=str(store), acquisition=str(acq), path=str(acq))


def _wait(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _staged(store: Path) -> list[Path]:
    """Staging folders whose check has finished its results (the writer is at the lock)."""
    return [p for p in (store / ".staging").glob("case-*") if (p / "results").is_dir()]


def test_writers_in_several_processes_leave_every_case_whole(
    tmp_path: Path, acqs: dict[str, Path], reference: dict[str, Any]
) -> None:
    store = CaseStore(tmp_path / "store", create=True)
    # Three processes: two check the same acquisition, one another. The test holds the
    # store's lock until all three have finished their results, so their commits contend.
    tasks = [
        _task(store.root, acqs["infected"]),
        _task(store.root, acqs["infected"]),
        _task(store.root, acqs["bugreport"]),
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        with store.lock():
            pending = pool.map_async(check_case, tasks)
            _wait(lambda: len(_staged(store.root)) == 3, "three finished checks")
            assert store.ids() == []  # nothing committed while the lock is held
        outcomes: list[CaseOutcome] = pending.get(timeout=120)
    assert [o.exit_code for o in outcomes] == [1, 1, reference["bugreport"][0]]
    infected = case_id(acquisition_sha256(acqs["infected"]))
    bugreport = case_id(acquisition_sha256(acqs["bugreport"]))
    assert sorted(store.ids()) == sorted([infected, bugreport])
    assert len(case_json(store.root, infected)["checks"]) == 2  # no check entry lost
    assert detection_ids(store.results(infected)) == reference["infected"][1]
    assert detection_ids(store.results(bugreport)) == reference["bugreport"][1]
    run = json.loads((store.results(infected) / "run.json").read_text("utf-8"))
    assert run["exit_code"] == 1
    assert list((store.root / ".staging").iterdir()) == []


def test_killed_writer_leaves_no_half_case(tmp_path: Path, acqs: dict[str, Path]) -> None:
    store = CaseStore(tmp_path / "store", create=True)
    with store.lock():  # the writer finishes its results, then waits here: kill it then
        writer = subprocess.Popen(
            [TRACEHOUND, "check", str(acqs["clean"]), "--store", str(store.root), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(lambda: len(_staged(store.root)) == 1, "the writer's results")
            writer.send_signal(signal.SIGKILL)
            assert writer.wait(timeout=30) == -signal.SIGKILL
        finally:
            if writer.poll() is None:
                writer.kill()
    # No case, only debris in .staging.
    assert store.ids() == [] and list((store.root / "cases").iterdir()) == []
    (debris,) = list((store.root / ".staging").iterdir())
    # The next writer keeps young debris (its writer might be starting) ...
    outcome = check_case(_task(store.root, acqs["infected"]))
    assert outcome.exit_code == 1
    assert debris.exists()
    # ... and removes it once it is older than an hour.
    old = time.time() - 2 * 3600
    os.utime(debris, (old, old))
    assert check_case(_task(store.root, acqs["infected"])).exit_code == 1
    assert not debris.exists() and list((store.root / ".staging").iterdir()) == []
    assert store.ids() == [case_id(acquisition_sha256(acqs["infected"]))]


def test_a_running_check_is_never_taken_for_debris(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "store", create=True)
    results = store.staging()  # a check that has run for two hours and still runs
    results.mkdir()
    (results / "run.json").write_text("{}")
    old = time.time() - 2 * 3600
    os.utime(results.parent, (old, old))
    other = CaseStore(store.root)  # another writer (another CaseStore, as in another process)
    with other.lock():
        assert other.clean_staging() == []
    assert (results / "run.json").is_file()
    store.discard_staging(results)
    assert list((store.root / ".staging").iterdir()) == []


def test_results_moved_away_by_a_killed_commit_are_put_back(
    tmp_path: Path, acqs: dict[str, Path]
) -> None:
    store = CaseStore(tmp_path / "store", create=True)
    assert check_case(_task(store.root, acqs["clean"])).exit_code == 0
    (cid,) = store.ids()
    ids = detection_ids(store.results(cid))
    # What a commit killed between its two renames leaves: the old results in .staging.
    old = store.root / ".staging" / f"old-{cid}-x1y2"
    old.mkdir(mode=0o700)
    os.rename(store.results(cid), old / "results")
    with store.lock():
        store.clean_staging()
    assert detection_ids(store.results(cid)) == ids
    assert list((store.root / ".staging").iterdir()) == []


def _modes(root: Path) -> list[tuple[str, str]]:
    """Every path under ``root`` whose mode is not 0700 (folder) or 0600 (file)."""
    wrong = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files + ([""] if folder == str(root) else []):
            path = Path(folder, name) if name else Path(folder)
            mode = stat.S_IMODE(path.lstat().st_mode)
            want = 0o700 if path.is_dir() else 0o600
            if mode != want:
                wrong.append((str(path.relative_to(root)), oct(mode)))
    return wrong


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_store_is_private_whatever_the_umask(
    tmp_path: Path, acqs: dict[str, Path], umask: int
) -> None:
    store = tmp_path / "store"

    def run(*args: str) -> int:
        return subprocess.run(
            [TRACEHOUND, *args],
            preexec_fn=lambda: os.umask(umask),
            capture_output=True,
            timeout=300,
            check=False,
        ).returncode

    assert run("check", str(acqs["infected"]), str(acqs["clean"]), "--store", str(store)) == 1
    assert run("check", str(acqs["infected"]), "--store", str(store), "-q") == 1  # replaced
    files = [p for p in store.rglob("*") if p.is_file()]
    assert len(files) > 20
    assert _modes(store) == []
    cid = case_id(acquisition_sha256(acqs["clean"]))
    assert run("cases", "--store", str(store), "rm", "--yes", cid) == 0
    assert _modes(store) == []
    assert not (store / "cases" / cid).exists()


def test_processes_creating_one_store_at_once_all_get_it(tmp_path: Path) -> None:
    root = tmp_path / "new-store"
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        stores = pool.starmap(CaseStore, [(root, True)] * 8, chunksize=1)
    assert {s.root for s in stores} == {root}
    assert json.loads((root / "store.json").read_text()) == {"store_format_version": "1.0"}
    assert sorted(p.name for p in root.iterdir()) == [".lock", ".staging", "cases", "store.json"]
    # A folder with other files is still no store.
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    with pytest.raises(StoreError, match="not empty and is not a case store"):
        CaseStore(tmp_path / "photos", create=True)
    assert [p.name for p in (tmp_path / "photos").iterdir()] == ["a.jpg"]


def test_sigterm_stops_every_worker_and_commits_no_half_case(
    tmp_path: Path, acqs: dict[str, Path]
) -> None:
    """SIGTERM to ``check ACQ... --store`` (several checks on worker processes): exit 130, the
    workers' checks unwind (their staged results and temporary files removed), and every case
    in the store is whole."""
    store = tmp_path / "store"
    temp = tmp_path / "tmp"
    temp.mkdir(mode=0o700)
    password = tmp_path / "pw"
    password.write_text("tracehound-demo\n")
    names = ("encrypted", "infected", "bugreport", "clean")
    writer = subprocess.Popen(
        [TRACEHOUND, "check", *(str(acqs[n]) for n in names), "--store", str(store), "-q",
         "-j", "2", "--password-file", str(password)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    try:
        _wait(lambda: any((store / ".staging").glob("case-*")), "a check to start")
        writer.send_signal(signal.SIGTERM)
        _, stderr = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 130, stderr
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert list((store / ".staging").iterdir()) == []
    for case in (store / "cases").iterdir():  # those finished before the signal, whole
        assert json.loads((case / "case.json").read_text())["checks"]
        assert json.loads((case / "results" / "run.json").read_text())["exit_code"] in (0, 1)
    assert len(list((store / "cases").iterdir())) < len(names)
    assert list(temp.iterdir()) == []
