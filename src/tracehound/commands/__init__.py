"""Sub-commands beyond ``check``: one module each, exposing a click command named ``COMMAND``.

``tracehound.cli`` adds every ``COMMAND`` it finds here, so a new command is a new file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def all_commands() -> list[click.Command]:
    """Every ``COMMAND`` defined by a module of this package, sorted by name."""
    found: list[click.Command] = []
    for info in pkgutil.iter_modules(__path__, prefix=__name__ + "."):
        module = importlib.import_module(info.name)
        command = getattr(module, "COMMAND", None)
        if isinstance(command, click.Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name or "")
