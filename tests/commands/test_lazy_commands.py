"""Sub-commands are imported when run: ``COMMANDS`` must name every command file, rightly."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tracehound import commands
from tracehound.cli import main


def test_the_table_names_every_command_module() -> None:
    found = {c.name: c.callback.__module__ for c in commands.all_commands() if c.callback}
    assert {name: f"tracehound.commands.{m}" for name, m in commands.COMMANDS.items()} == found


def test_help_lists_every_command_and_each_runs() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in commands.COMMANDS:
        assert f"  {name} " in result.output
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2


def test_check_does_not_import_the_other_commands() -> None:
    code = (
        "import sys, tracehound.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('tracehound.commands.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
