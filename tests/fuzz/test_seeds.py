"""Meta-tests: every registered artifact has a fuzz seed, and every seed is valid input."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import check_records
from tests.fuzz.seeds import Seed
from tracehound.core.registry import artifacts
from tracehound.parsers.common.runner import parse_file, parse_listing


@pytest.mark.parametrize("name", [a.name for a in artifacts()])
def test_every_artifact_has_a_valid_seed(seeds: dict[str, list[Seed]], name: str) -> None:
    """A seed that the parser rejects or that yields nothing would fuzz only the error path."""
    assert seeds.get(name), f"artifact {name} has no fuzz seed: add one to tests/fuzz/seeds.py"
    for seed in seeds[name]:
        if seed.path is None:
            records, ctx = parse_listing(seed.artifact, seed.entries, seed.device)
        else:
            records, ctx = parse_file(seed.artifact, seed.path, seed.device_path, seed.device)
        assert records, f"{name}: seed from {seed.origin} yields no record"
        assert ctx.warnings == 0, ctx.messages
        check_records(records)
        if seed.shape is not None:
            assert seed.shape.read, f"{name}: the parser read no column of its seed"
