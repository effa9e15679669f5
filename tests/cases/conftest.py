"""Fixtures of the case store tests.

The hunt tests make cases with :func:`add_case` (a real check of a demo acquisition into
``store.staging()``, committed with its ``checks`` entry under ``store.lock()``); the
``check --store`` and ``cases`` tests use small demo acquisitions written once per session
(``acqs``), the detection ids an ordinary ``check -o`` finds in each (``reference``), and
helpers that run ``tracehound check`` and ``tracehound cases``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracehound import __version__
from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.store import Case, CaseStore, case_id, verdict_of
from tracehound.cli import main
from tracehound.demo import generate
from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check


def add_case(
    store: CaseStore,
    acquisition: Path,
    label: str,
    ioc_paths: tuple[Path, ...] = (),
    bundled: bool = True,
) -> Case:
    """Check ``acquisition`` into ``store`` as a new case (or the new check of its case)."""
    sha = acquisition_sha256(acquisition)
    with store.lock():
        staging = store.staging()
        options = CheckOptions(
            target=acquisition,
            output=staging,
            ioc_paths=list(ioc_paths),
            bundled_iocs=bundled,
            jobs=1,
        )
        result = run_check(options)
        at = datetime.now(UTC).isoformat()
        entry = {
            "at": at,
            "tool_version": __version__,
            "indicator_files": [
                {"path": f["path"], "sha256": f["sha256"]}
                for f in result.run["indicators"]["files"]
            ],
            "exit_code": result.exit_code,
            "verdict": verdict_of(result.exit_code),
        }
        cid = case_id(sha)
        if (store.case_dir(cid) / "case.json").is_file():
            case = store.load(cid)
            case.checks.append(entry)
        else:
            facts = result.run["acquisition"]
            case = Case(
                id=cid,
                label=label,
                acquisition=str(acquisition),
                sha256=sha,
                kind=str(facts.get("kind", "")),
                created=at,
                checks=[entry],
            )
        store.commit(case, staging)
    return case


def copy_store(store: CaseStore, target: Path) -> CaseStore:
    """A copy of a whole store (case ids are acquisition hashes: a copy is the same store)."""
    shutil.copytree(store.root, target, symlinks=True)
    return CaseStore(target)


@pytest.fixture(scope="session")
def demo_phones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The infected and the clean demo backups, written once."""
    root = tmp_path_factory.mktemp("phones")
    return {
        "infected": generate.write_demo_backup(root / "infected"),
        "clean": generate.write_demo_backup(root / "clean", infected=False),
    }


@pytest.fixture(scope="session")
def unhunted_store(
    tmp_path_factory: pytest.TempPathFactory, demo_phones: dict[str, Path]
) -> CaseStore:
    """Both demo phones checked without any indicator (heuristics only)."""
    store = CaseStore(tmp_path_factory.mktemp("stores") / "unhunted", create=True)
    add_case(store, demo_phones["infected"], "infected", bundled=False)
    add_case(store, demo_phones["clean"], "clean", bundled=False)
    return store


@pytest.fixture
def fresh_store(unhunted_store: CaseStore, tmp_path: Path) -> Callable[[], CaseStore]:
    """``fresh_store()``: a new copy of the unhunted store for one test to change."""
    count = [0]

    def make() -> CaseStore:
        count[0] += 1
        return copy_store(unhunted_store, tmp_path / f"store{count[0]}")

    return make


@pytest.fixture(scope="session")
def acqs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``infected`` (an iOS backup), ``clean`` (an androidqf folder), ``encrypted`` (an
    encrypted iOS backup, password ``tracehound-demo``), ``bugreport`` (infected Android)."""
    root = tmp_path_factory.mktemp("acqs")
    return {
        "infected": write_demo(root / "infected", "backup"),
        "clean": write_demo(root / "clean", "androidqf", infected=False),
        "encrypted": write_demo(root / "encrypted", "encrypted", infected=False),
        "bugreport": write_demo(root / "bugreport", "bugreport"),
    }


def detection_ids(results: Path) -> list[str]:
    lines = (results / "detections.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


@pytest.fixture(scope="session")
def reference(acqs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """For the infected backup and the clean androidqf: exit code and detection ids of a
    plain ``check ACQ -o OUT``."""
    root = tmp_path_factory.mktemp("reference")
    found: dict[str, Any] = {}
    for name in ("infected", "clean", "bugreport"):
        result = CliRunner().invoke(main, ["check", str(acqs[name]), "-o", str(root / name), "-q"])
        found[name] = (result.exit_code, detection_ids(root / name))
    assert found["infected"][0] == 1 and found["infected"][1]
    assert found["clean"][0] == 0
    return found


def check(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    """``tracehound check ARGS`` (in this process)."""
    return CliRunner().invoke(main, ["check", *args], env=env, input=stdin)


def cases(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["cases", *args], input=stdin)


def case_json(store: Path, cid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((store / "cases" / cid / "case.json").read_text("utf-8"))
    return data
