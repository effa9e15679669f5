"""A store of three checked demo phones, built once per session: two infected iPhone backups
(different seeds, so different acquisitions that share the Pegasus indicator hits) and a clean
one. Tests that change a store work on a copy (``store_copy``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracehound.cases.store import Case, CaseStore
from tracehound.demo import generate

from .helpers import add_case


@dataclass
class DemoStore:
    root: Path
    infected: Case
    infected_again: Case
    clean: Case
    acquisitions: Path


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    base = tmp_path_factory.mktemp("across")
    acq = base / "acquisitions"
    store = CaseStore(base / "store", create=True)
    infected = add_case(store, generate.write_demo_backup(acq / "a"), "phone A")
    again = generate.write_demo_backup(acq / "b", seed=7)
    infected_again = add_case(
        store,
        again,
        "phone B",
        hunts=[
            {
                "at": "2026-11-30T10:00:00+00:00",
                "tool_version": "0",
                "indicator_files": [],
                "exit_code": 1,
                "verdict": "detected",
                "new": ["0123456789abcdef", "fedcba9876543210"],
            }
        ],
    )
    clean = add_case(store, generate.write_demo_backup(acq / "c", infected=False), "phone C")
    return DemoStore(store.root, infected, infected_again, clean, acq)


@pytest.fixture
def store_copy(demo_store: DemoStore, tmp_path: Path) -> CaseStore:
    """A private copy of the demo store (modes kept) for a test that changes it."""
    target = tmp_path / "store"
    shutil.copytree(demo_store.root, target, symlinks=True)
    return CaseStore(target)
