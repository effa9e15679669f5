"""``tracehound report DIR``: rebuild the HTML report and the STIX sightings of a results folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tracehound.core.errors import EXIT_NOT_RUN, TracehoundError
from tracehound.reports.html import write_report
from tracehound.reports.sightings import write_sightings
from tracehound.reports.text import printable


def _show(value: object) -> str:
    return escape(printable(str(value)))


@click.command(name="report")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--redact",
    is_flag=True,
    help="Hide message bodies, contacts, web history and other personal data not involved in "
    "a detection (writes report-redacted.html unless --output is given).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the HTML file (default: DIR/report.html, or DIR/report-redacted.html).",
)
def report(directory: Path, redact: bool, output: Path | None) -> None:
    """Write the HTML case report of a results folder (the --output of `tracehound check`).

    Without options it rewrites DIR/report.html and DIR/sightings.stix2 from the folder alone.
    """
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        written = []
        if not redact and output is None:
            written.append(write_sightings(directory))
        written.append(write_report(directory, redact=redact, output=output))
    except TracehoundError as exc:
        err.print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(exc.exit_code)
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot write the report: {_show(exc)}")
        sys.exit(EXIT_NOT_RUN)
    for path in written:
        out.print(f"Wrote [bold]{_show(path)}[/]")


COMMAND = report
