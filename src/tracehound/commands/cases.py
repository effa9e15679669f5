"""``tracehound cases``: the case store's cases. This module holds ``cases stats``
(prevalence across the cases, :mod:`tracehound.cases.prevalence`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from tracehound.cases.prevalence import Prevalence, prevalence
from tracehound.cases.store import STORE_ENV, CaseStore, default_store
from tracehound.core.errors import EXIT_INCOMPLETE, EXIT_NOT_RUN, TracehoundError
from tracehound.listing import Column, print_listing
from tracehound.reports.text import printable

STATS_COLUMNS = (
    Column("type"),
    Column("indicator kind or detector"),
    Column("value", prose=True),
    Column("cases", right=True),
    Column("share", right=True),
)


def _show(value: object) -> str:
    return escape(printable(str(value)))


def _open_store(store: Path | None, err: Console) -> CaseStore:
    try:
        return CaseStore(store or default_store())
    except TracehoundError as exc:
        err.print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(exc.exit_code)


def stats_json(store: CaseStore, found: Prevalence, limit: int) -> dict[str, Any]:
    """The ``--json`` form of ``cases stats``."""
    values = []
    for row in found.top(limit or None):
        what = "indicator_kind" if row["type"] == "indicator" else "detector"
        values.append(
            {
                "type": row["type"],
                what: row["what"],
                "value": row["value"],
                "cases": row["cases"],
                "share": row["share"],
            }
        )
    return {
        "store": str(store.root),
        "cases": found.cases,
        "skipped": [{"case": cid, "reason": reason} for cid, reason in found.skipped],
        "values_total": found.counts.num_rows,
        "values": values,
    }


@click.group(name="cases")
def cases() -> None:
    """The cases of a case store (the --store of `tracehound check`)."""


@cases.command(name="stats")
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    help=f"The case store (default: ${STORE_ENV}, else the user data folder).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Show the N most common values (0: all of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def stats(store: Path | None, limit: int, as_json: bool) -> None:
    """In how many cases each matched value and heuristic finding occurs, most common first.

    An indicator hit counts by its indicator kind and the normalised value that hit (a domain,
    a process name); a heuristic finding by its detector and value. Each case counts once,
    however many detections it has of the value. A value seen on many phones is probably
    benign; one seen on a single phone weighs more. A case whose detections cannot be read is
    not counted: it is named on stderr and the exit code is 2.
    """
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    opened = _open_store(store, err)
    try:
        found = prevalence(opened)
    except OSError as exc:
        err.print(f"[bold red]error:[/] {_show(opened.root)}: cannot read the store: {_show(exc)}")
        sys.exit(EXIT_NOT_RUN)
    if as_json:
        out.file.write(json.dumps(stats_json(opened, found, limit), indent=2) + "\n")
    else:
        _print_stats(opened, found, limit, out)
    for cid, reason in found.skipped:
        err.print(f"[yellow]skipped[/] {_show(cid)}: {_show(reason)}")
    if found.skipped:
        sys.exit(EXIT_INCOMPLETE)


def _print_stats(store: CaseStore, found: Prevalence, limit: int, out: Console) -> None:
    if not found.cases:
        out.print(f"No case with readable detections in {_show(store.root)}.")
        return
    rows = found.top(limit or None)
    cells = [
        [
            r["type"],
            r["what"],
            r["value"] or "(no value)",
            f"{r['cases']:,}",
            f"{r['share'] * 100:.0f}%",
        ]
        for r in rows
    ]
    title = f"Seen in most cases (of {found.cases:,} counted)"
    if cells:
        print_listing(out, STATS_COLUMNS, cells, title=title)
    else:
        out.print("No detections in any counted case.")
    left = found.counts.num_rows - len(rows)
    if left > 0:
        out.print(f"{left:,} more values (--limit 0 shows them all).")


COMMAND = cases
