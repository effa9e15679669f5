"""``tracehound cases list|show CASE|rm CASE|stats``: the cases of a case store.

A click group. Every problem of list/show/rm (no store, an unknown case, a damaged
``case.json``) is one line and exit code 4; ``stats`` counts values across the cases
(:mod:`tracehound.cases.prevalence`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from tracehound.cases.prevalence import Prevalence, prevalence
from tracehound.cases.store import Case, CaseStore, StoreError, default_store
from tracehound.cases.summary import SEVERITIES, case_row, detection_counts
from tracehound.cases.views import refresh_store_views
from tracehound.core.errors import EXIT_INCOMPLETE, EXIT_NOT_RUN, TracehoundError
from tracehound.listing import Cell, Column, print_listing
from tracehound.reports.text import printable

F = TypeVar("F", bound=Callable[..., Any])
_VERDICT_STYLE = {"detected": "bold red", "incomplete": "yellow", "failed": "red", "clean": "green"}


def _show(value: object) -> str:
    return escape(printable(str(value)))


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(message: object) -> NoReturn:
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {_show(message)}"
    )
    sys.exit(EXIT_NOT_RUN)


def store_option(func: F) -> F:
    """``--store DIR`` on the group and on each sub-command (the sub-command's wins)."""
    return click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path),
        help="The case store (default: $TRACEHOUND_STORE, else ~/.local/share/tracehound/store).",
    )(func)


def open_store(ctx: click.Context, store_path: Path | None) -> CaseStore:
    """The store named by the sub-command's --store, else the group's, else the default; a
    missing or damaged store is one line and exit 4."""
    root = store_path or (ctx.obj or {}).get("store") or default_store()
    try:
        return CaseStore(root)
    except TracehoundError as exc:
        _fail(exc)


@click.group(name="cases")
@store_option
@click.pass_context
def cases(ctx: click.Context, store_path: Path | None) -> None:
    """The cases of a case store (filled by `tracehound check ACQ... --store STORE`).

    CASE is a case id, a unique prefix of one (4 characters or more) or a unique label.
    Exit code: 0 done, 4 could not (no store, unknown case, damaged case file).
    """
    ctx.obj = {"store": store_path}


def _when(at: str) -> str:
    return at[:16].replace("T", " ") if at else "-"


LIST_COLUMNS = (
    Column("id"),
    Column("label"),
    Column("kind"),
    Column("verdict"),
    Column("indicator", right=True),
    Column("heuristic", right=True),
    Column("last checked"),
    Column("last hunted"),
)


@cases.command(name="list")
@store_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per line and case: id, label, acquisition, sha256, kind, verdict, "
    "detections {indicator, heuristic, by_severity}, then more keys (README).",
)
@click.pass_context
def list_cases(ctx: click.Context, store_path: Path | None, as_json: bool) -> None:
    """List the cases, oldest first: verdict, detections, when last checked and hunted.

    A damaged case is named on stderr (exit 4) and the others are still listed.
    """
    store = open_store(ctx, store_path)
    rows: list[dict[str, Any]] = []
    damaged: list[str] = []
    for cid in store.ids():
        try:
            rows.append(case_row(store, store.load(cid)))
        except StoreError as exc:
            damaged.append(str(exc))
    rows.sort(key=lambda r: (r["created"], r["id"]))
    out = _out()
    if as_json:
        for row in rows:
            out.file.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif rows:
        cells: list[list[str | Cell]] = [
            [
                r["id"],
                r["label"],
                r["kind"],
                Cell(r["verdict"], _VERDICT_STYLE.get(r["verdict"], "")),
                str(r["detections"]["indicator"]),
                str(r["detections"]["heuristic"]),
                _when(r["last_checked"]),
                _when(r["last_hunted"]),
            ]
            for r in rows
        ]
        print_listing(out, LIST_COLUMNS, cells, title=f"Cases in {printable(str(store.root))}")
    else:
        Console(stderr=True, highlight=False).print(f"No cases in {_show(store.root)}")
    if damaged:
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for line in damaged:
            err.print(f"[bold red]error:[/] {_show(line)}")
        err.print(f"{len(damaged)} case(s) not listed")
        sys.exit(EXIT_NOT_RUN)


def _find(store: CaseStore, ref: str) -> Case:
    try:
        return store.find(ref)
    except TracehoundError as exc:
        _fail(exc)


@cases.command(name="show")
@click.argument("ref", metavar="CASE")
@store_option
@click.option("--json", "as_json", is_flag=True, help="case.json with counts and paths, as JSON.")
@click.pass_context
def show_case(ctx: click.Context, ref: str, store_path: Path | None, as_json: bool) -> None:
    """Show a case: its facts, the history of its checks and hunts, its detection counts and
    the path of its report."""
    store = open_store(ctx, store_path)
    case = _find(store, ref)
    results = store.results(case.id)
    try:
        counts = detection_counts(results)
    except StoreError as exc:
        _fail(exc)
    report = results / "report.html"
    out = _out()
    if as_json:
        data = {**case.to_json(), "verdict": case.verdict, "detections": counts}
        data.update(results=str(results), report=str(report) if report.is_file() else None)
        out.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    for key, value in (
        ("Case", case.id),
        ("Label", case.label),
        ("Acquisition", f"{case.acquisition} ({case.kind})"),
        ("SHA-256", case.sha256),
        ("Device", _device(case.device)),
        ("Created", case.created),
        ("Verdict", case.verdict),
    ):
        out.print(f"[bold]{key}[/] {_show(value)}")
    severities = ", ".join(f"{counts['by_severity'][s]} {s}" for s in SEVERITIES)
    out.print(
        f"[bold]Detections[/] {counts['indicator']} indicator, {counts['heuristic']} heuristic "
        f"({severities})"
    )
    print_listing(out, HISTORY_COLUMNS, _history(case), title="History")
    out.print(f"[bold]Results[/] {_show(results)}")
    where = _show(report) if report.is_file() else "not written"
    out.print(f"[bold]Report[/] {where}")


def _device(device: dict[str, Any]) -> str:
    keys = ("product_type", "os_version", "os_build")
    return ", ".join(str(device[k]) for k in keys if device.get(k)) or "unknown"


HISTORY_COLUMNS = (
    Column("at"),
    Column("what"),
    Column("tool"),
    Column("exit", right=True),
    Column("verdict"),
    Column("detections", right=True),
    Column("indicator files", right=True),
)


def _history(case: Case) -> list[list[str | Cell]]:
    events = [("check", e) for e in case.checks] + [("hunt", e) for e in case.hunts]
    events.sort(key=lambda item: str(item[1].get("at", "")))
    rows: list[list[str | Cell]] = []
    for what, event in events:
        if "damaged_entry" in event:
            what = f"{what} (damaged entry: {event['damaged_entry']})"
        new = event.get("new")
        found = event.get("detections") if what == "check" else len(new) if new else None
        rows.append(
            [
                _when(str(event.get("at", ""))),
                what,
                str(event.get("tool_version", "")),
                str(event.get("exit_code", "")),
                Cell(
                    str(event.get("verdict", "")), _VERDICT_STYLE.get(str(event.get("verdict")), "")
                ),
                "" if found is None else (f"{found} new" if what == "hunt" else str(found)),
                str(len(event.get("indicator_files") or ())),
            ]
        )
    return rows


@cases.command(name="rm")
@click.argument("ref", metavar="CASE")
@store_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove_case(ctx: click.Context, ref: str, store_path: Path | None, yes: bool) -> None:
    """Delete a case and every file of it (its case.json and results folder).

    Asks for confirmation unless --yes; declining (or no terminal to ask) removes nothing
    and exits 4.
    """
    store = open_store(ctx, store_path)
    case = _find(store, ref)
    if not yes:
        question = f"Delete case {case.id} ({printable(case.label)}) and every file of it?"
        try:
            confirmed = click.confirm(question, default=False, err=True)
        except click.Abort:
            confirmed = False
        if not confirmed:
            _fail(f"{case.id}: not removed (confirm, or give --yes)")
    files = sum(1 for p in store.case_dir(case.id).rglob("*") if not p.is_dir())
    try:
        with store.lock():
            store.remove(case.id)
    except TracehoundError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(f"{store.case_dir(case.id)}: cannot remove: {exc.strerror or exc}")
    _out().print(f"Removed case {case.id} ({_show(case.label)}) and its {files} files")
    report_view_failures(store)


def report_view_failures(store: CaseStore, jobs: int = 1, scheduler: str | None = None) -> None:
    """Refresh the store's views (prevalence.json, the reports' counts, index.html) after a
    change, and name on stderr each case whose report could not be rebuilt."""
    done = refresh_store_views(store, jobs=jobs, scheduler=scheduler)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for cid, reason in done.failed:
        err.print(f"[yellow]not refreshed[/] {_show(cid)}: {_show(reason)}")


STATS_COLUMNS = (
    Column("type"),
    Column("indicator kind or detector"),
    Column("value", prose=True),
    Column("cases", right=True),
    Column("share", right=True),
)


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


@cases.command(name="stats")
@store_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Show the N most common values (0: all of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.pass_context
def stats(ctx: click.Context, store_path: Path | None, limit: int, as_json: bool) -> None:
    """In how many cases each matched value and heuristic finding occurs, most common first.

    An indicator hit counts by its indicator kind and the normalised value that hit (a domain,
    a process name); a heuristic finding by its detector and value. Each case counts once,
    however many detections it has of the value. A value seen on many phones is probably
    benign; one seen on a single phone weighs more. A case whose detections cannot be read is
    not counted: it is named on stderr and the exit code is 2.
    """
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    opened = open_store(ctx, store_path)
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
