"""The test session's own temporary folder and fixed terminal (conftest._isolated_machine)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console


def test_temp_space_is_the_sessions_own(isolated_temp: Path, tmp_path: Path) -> None:
    assert os.environ["TMPDIR"] == str(isolated_temp) == tempfile.gettempdir()
    assert isolated_temp.is_relative_to(tmp_path.parents[1])  # under pytest's basetemp
    with tempfile.TemporaryDirectory(prefix="tracehound-") as folder:
        assert Path(folder).parent == isolated_temp
    child = subprocess.run(
        [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == str(isolated_temp)


def test_terminal_is_80_columns_and_not_a_terminal() -> None:
    console = Console()
    assert console.width == 80 and os.environ["COLUMNS"] == "80"
    assert not console.is_terminal
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        assert name not in os.environ
