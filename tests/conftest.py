"""Shared test helpers: run a registered parser on a fixture exactly as the pipeline does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tracehound.core.context import ParseContext
from tracehound.core.records import Record
from tracehound.core.registry import Artifact, artifacts
from tracehound.parsers.common.runner import parse_file


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
    import os

    os.environ["TRACEHOUND_DATA_DIR"] = str(tmp_path_factory.mktemp("tracehound-data"))
    os.environ["TRACEHOUND_CACHE_DIR"] = str(tmp_path_factory.mktemp("tracehound-cache"))
