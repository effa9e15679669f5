"""Shared test helpers: run a registered parser on a fixture exactly as the pipeline does; give
every test session its own temporary folder and a fixed terminal, whatever the machine."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
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


#: The terminal every test sees: rich reads COLUMNS and LINES when a Console is made, and the
#: variables removed here would make it treat a pipe as a terminal (or the reverse).
TERMINAL = {"COLUMNS": "80", "LINES": "25"}
TERMINAL_OVERRIDES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR")


@pytest.fixture(autouse=True, scope="session")
def _isolated_machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Temporary files of the code under test go to a folder of this session (TMPDIR for
    subprocesses, ``tempfile.tempdir`` for this process and its forked workers), not the
    machine's shared /tmp where other runs come and go; the terminal is 80 columns. Both are
    restored afterwards."""
    temp = tmp_path_factory.mktemp("tmp")
    names = ("TMPDIR", *TERMINAL, *TERMINAL_OVERRIDES)
    saved_env = {name: os.environ.get(name) for name in names}
    saved_tempdir = tempfile.tempdir
    os.environ.update({"TMPDIR": str(temp), **TERMINAL})
    for name in TERMINAL_OVERRIDES:
        os.environ.pop(name, None)
    tempfile.tempdir = str(temp)
    try:
        yield temp
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def isolated_temp(_isolated_machine: Path) -> Path:
    """The session's own temporary folder (what ``tempfile.gettempdir()`` returns in tests)."""
    assert Path(tempfile.gettempdir()) == _isolated_machine
    return _isolated_machine
