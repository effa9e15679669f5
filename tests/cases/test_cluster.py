"""``check --scheduler``: the same cases, verdicts and detections on a Dask cluster as locally.

The cluster is a real ``distributed.LocalCluster`` of two worker processes on 127.0.0.1 (no
other address is contacted); the checks run as ``tracehound`` subprocesses with timeouts, so
a hung cluster fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import detection_ids

distributed = pytest.importorskip("distributed")

TRACEHOUND = str(Path(sys.executable).parent / "tracehound")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=50,
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close(timeout=30)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRACEHOUND, *args], capture_output=True, text=True, timeout=300, check=False
    )


def _cases(store: Path) -> list[dict[str, Any]]:
    listed = _run("cases", "--store", str(store), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    return sorted(
        (
            {
                "id": r["id"],
                "label": r["label"],
                "verdict": r["verdict"],
                "detections": r["detections"],
                "ids": detection_ids(store / "cases" / r["id"] / "results"),
            }
            for r in rows
        ),
        key=lambda r: str(r["id"]),
    )


def test_cluster_run_equals_local_run(
    tmp_path: Path, acqs: dict[str, Path], scheduler: str
) -> None:
    paths = [str(acqs[name]) for name in ("infected", "clean", "bugreport")]
    missing = str(tmp_path / "missing")
    on_cluster = _run("check", *paths, missing, "--store", str(tmp_path / "a"), "-q",
                      "--scheduler", scheduler)  # fmt: skip
    local = _run("check", *paths, missing, "--store", str(tmp_path / "b"), "-q", "-j", "2")
    assert on_cluster.returncode == local.returncode == 5, on_cluster.stderr  # 1 | 4
    assert on_cluster.stdout == local.stdout  # the same summary, line for line
    assert "no such acquisition" in on_cluster.stdout
    cluster_cases = _cases(tmp_path / "a")
    assert cluster_cases == _cases(tmp_path / "b")
    assert len(cluster_cases) == 3
    assert sorted(c["verdict"] for c in cluster_cases) == ["clean", "detected", "detected"]
    assert all(c["ids"] or c["verdict"] == "clean" for c in cluster_cases)


def test_unreachable_scheduler_is_one_line(tmp_path: Path, acqs: dict[str, Path]) -> None:
    result = _run(
        "check", str(acqs["clean"]), "--store", str(tmp_path / "s"), "-q",
        "--scheduler", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], result.stderr
    assert not list((tmp_path / "s" / "cases").iterdir())
