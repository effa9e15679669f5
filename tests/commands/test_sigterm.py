"""A polite kill (SIGTERM) stops a check like Ctrl-C, so clean-up code runs."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracehound import cli


@pytest.fixture
def restore_sigterm() -> Iterator[None]:
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


def test_sigterm_runs_cleanup_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_sigterm: None
) -> None:
    cleaned: list[bool] = []

    def slow_check(options: Any, progress: Any = None) -> Any:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            raise AssertionError("SIGTERM did not stop the check")
        finally:
            cleaned.append(True)  # stands for the sources' temporary-folder clean-up

    monkeypatch.setattr(cli, "run_check", slow_check)
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path), "-o", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 130 and "interrupted" in result.output
    assert cleaned == [True]


def test_sigterm_handler_is_restored_after_check(tmp_path: Path, restore_sigterm: None) -> None:
    """check installs its SIGTERM handler for the run only: the caller's is back afterwards
    (a handler left behind would turn a later SIGTERM of the caller into KeyboardInterrupt)."""

    def mine(signum: int, frame: Any) -> None:
        pass

    signal.signal(signal.SIGTERM, mine)
    (tmp_path / "photos").mkdir()
    result = CliRunner().invoke(
        cli.main, ["check", str(tmp_path / "photos"), "-o", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 4
    assert signal.getsignal(signal.SIGTERM) is mine
