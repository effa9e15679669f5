"""Sub-commands beyond ``check``: one module each, exposing a click command named ``COMMAND``.

``COMMANDS`` names each command's module; ``tracehound.cli`` imports a module only when its
command is run or listed in the help, so that ``tracehound check`` does not pay for importing
every other command (the case store's views, the exports, the decryption helpers: about 0.1 s
of a 2-second check). A new command is a new file and its line in ``COMMANDS``
(tests/test_cli.py checks that the table and the files agree).
"""

from __future__ import annotations

import importlib
import pkgutil

import click

#: Command name -> module of this package defining it as ``COMMAND``.
COMMANDS = {
    "cases": "cases",
    "decrypt": "decrypt",
    "export": "export",
    "extract-key": "extract_key",
    "hunt": "hunt",
    "iocs": "iocs",
    "report": "report",
}


def load(name: str) -> click.Command | None:
    """The command called ``name`` (its module imported now), or None."""
    module = COMMANDS.get(name)
    if module is None:
        return None
    command = importlib.import_module(f"{__name__}.{module}").COMMAND
    assert isinstance(command, click.Command) and command.name == name, name
    return command


def all_commands() -> list[click.Command]:
    """Every ``COMMAND`` defined by a module of this package (each imported), by name."""
    found: list[click.Command] = []
    for info in pkgutil.iter_modules(__path__, prefix=__name__ + "."):
        module = importlib.import_module(info.name)
        command = getattr(module, "COMMAND", None)
        if isinstance(command, click.Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name or "")


class LazyGroup(click.Group):
    """A click group whose sub-commands of ``COMMANDS`` are imported when first needed (the
    pattern of click's documentation, "Lazily Loading Subcommands")."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = load(cmd_name)
            if command is not None:
                self.add_command(command)
        return command
