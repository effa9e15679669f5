"""Shared test helpers: run a registered parser on a fixture exactly as the pipeline does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tracehound.core.context import ParseContext
from tracehound.core.records import Record
from tracehound.core.registry import Artifact, artifacts
from tracehound.parsers.common.runner import parse_file

# Hypothesis profiles (tests/fuzz/README.md). "ci", the default, is bounded and reproducible: the
# same examples on every run (derandomize), no example database, no per-example deadline (a
# mutated SQLite file can take a few ms more on a loaded machine). "long" explores for real:
# ``pytest tests/fuzz --hypothesis-profile=long`` or ``TRACEHOUND_FUZZ_PROFILE=long`` (examples
# per test: ``TRACEHOUND_FUZZ_EXAMPLES``, default 1000).
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("TRACEHOUND_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    database=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.load_profile(os.environ.get("TRACEHOUND_FUZZ_PROFILE", "ci"))


def get_artifact(name: str) -> Artifact:
    for art in artifacts():
        if art.name == name:
            return art
    raise KeyError(name)


@pytest.fixture
def parse():  # type: ignore[no-untyped-def]
    """``parse(name, path, device_path=None) -> (records, ctx)`` for one fixture file."""

    def run(
        name: str, path: Path, device_path: str | None = None, device: dict[str, Any] | None = None
    ) -> tuple[list[Record], ParseContext]:
        art = get_artifact(name)
        return parse_file(art, path, device_path or art.paths[0], device)

    return run


@pytest.fixture(autouse=True, scope="session")
def _no_user_indicator_set(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see indicators the user downloaded with ``tracehound iocs update``."""
    os.environ["TRACEHOUND_DATA_DIR"] = str(tmp_path_factory.mktemp("tracehound-data"))
    os.environ["TRACEHOUND_CACHE_DIR"] = str(tmp_path_factory.mktemp("tracehound-cache"))
