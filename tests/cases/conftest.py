"""Cases made as the store layout says (``cases/store.py``): a real check of a demo acquisition
into ``store.staging()``, committed with its ``checks`` entry under ``store.lock()``.

:func:`add_case` is the one place the hunt tests make a case; when ``tracehound check --store``
lands it can be swapped for that command.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound import __version__
from tracehound.cases.acquisition import acquisition_sha256
from tracehound.cases.store import Case, CaseStore, case_id, verdict_of
from tracehound.demo import generate
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
