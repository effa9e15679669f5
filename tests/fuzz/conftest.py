"""The seeds every fuzz test starts from, built once per session from the demo phones."""

from __future__ import annotations

import pytest

from tests.fuzz.seeds import Seed, Seeds, build_seeds


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return build_seeds(tmp_path_factory.mktemp("fuzz-seeds"))


def seeds_of(seeds: dict[str, list[Seed]], name: str) -> list[Seed]:
    """The seeds of artifact ``name``; a registered artifact without a seed fails here."""
    found = seeds.get(name) or []
    if not found:
        pytest.fail(f"artifact {name} has no fuzz seed: add one to tests/fuzz/seeds.py")
    return found
