"""``tracehound hunt``: match every stored case's records against today's indicators."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tracehound.cases.hunt import CaseResult, case_ids, hunt, prepare_indicators
from tracehound.cases.store import CaseStore, default_store
from tracehound.cli_options import ioc_options
from tracehound.commands.cases import report_view_failures
from tracehound.core.errors import (
    EXIT_DETECTED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    TracehoundError,
)
from tracehound.core.registry import Severity
from tracehound.listing import Column, print_listing
from tracehound.reports.jsonl import json_line
from tracehound.reports.text import counted, printable

COLUMNS = (
    Column("case"),
    Column("label"),
    Column("new detections", prose=True),
    Column("indicator files that found them"),
)


def _show(value: object) -> str:
    return escape(printable(str(value)))


def by_severity(new: list[dict[str, object]]) -> str:
    """``2 critical, 1 high`` (most severe first), ``none`` when empty."""
    counts = Counter(str(d.get("severity")) for d in new)
    order = [s.value for s in reversed(Severity)]
    parts = [f"{counts[s]} {s}" for s in order if counts[s]]
    parts += [f"{n} {s}" for s, n in sorted(counts.items()) if s not in order]
    return ", ".join(parts) or "none"


def _row(result: CaseResult) -> list[str]:
    if result.error is not None:
        return [result.id, result.label, "not hunted (see below)", ""]
    files = sorted(set(result.files.values()))
    return [result.id, result.label, by_severity(result.new), "\n".join(files)]


def _exit_line(code: int, results: list[CaseResult]) -> str:
    new = sum(len(r.new) for r in results)
    found = sum(1 for r in results if r.exit_code & EXIT_DETECTED)
    failed = sum(1 for r in results if r.error is not None)
    partial = sum(1 for r in results if r.error is None and r.notes)
    reasons = []
    if code & EXIT_DETECTED:
        reasons.append(f"detected: new detections in {counted(found, 'case')}")
    if failed:
        reasons.append(f"incomplete: {counted(failed, 'case')} not hunted")
    if partial:
        reasons.append(f"incomplete: {counted(partial, 'case')} hunted in part")
    if not reasons:
        reasons.append(f"{counted(len(results), 'case')} hunted, nothing new")
    summary = f" ({counted(new, 'new detection')} in {counted(len(results), 'case')})"
    return f"exit code {code}: " + "; ".join(reasons) + summary


@click.command(name="hunt")
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    help="The case store (default: $TRACEHOUND_STORE, else the user data folder).",
)
@ioc_options
@click.option(
    "--case",
    "case_refs",
    multiple=True,
    metavar="CASE",
    help="Hunt only this case: its id, a unique id prefix or its label (repeatable; default: "
    "every case).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Write the new detections to stdout as JSON lines (detections.jsonl form, plus "
    '"case": the case id) and nothing else; the summary goes to stderr.',
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (0: one per CPU core, at most 2; also $TRACEHOUND_JOBS).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Run the tasks on this Dask scheduler (its workers must see the store and the "
    "indicator files at the same paths); needs tracehound[cluster].",
)
def hunt_command(
    store_path: Path | None,
    ioc_paths: tuple[Path, ...],
    no_bundled_iocs: bool,
    case_refs: tuple[str, ...],
    as_json: bool,
    jobs: int,
    scheduler: str | None,
) -> None:
    """Match the stored records of every case against the current indicators and heuristics.

    Each case's records (results/records/*.parquet) are matched as a check matches them, and
    the heuristics run again; detections not already in the case are added to its results
    (report.html and sightings.stix2 rebuilt) and the hunt is recorded in its case.json.
    Nothing found earlier is removed. The table lists, per case, the new detections and the
    indicator files that brought them.

    \b
    Exit code, a bit set over the cases hunted:
      0  nothing new
      1  new detections: an indicator matched or a high/critical heuristic fired
      2  incomplete: a case could not be hunted (it is named), the others were
      4  could not run (no store, an unknown case, a broken indicator file)
    """
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        store = CaseStore(store_path or default_store())
        ids = case_ids(store, case_refs)
        spec, _ = prepare_indicators(list(ioc_paths), not no_bundled_iocs)
        results = hunt(store, ids, spec, jobs, scheduler)
    except TracehoundError as exc:
        err.print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted:[/] the cases committed so far keep their hunt; every other "
            "case is as it was (hunt again)"
        )
        sys.exit(EXIT_INTERRUPTED)
    code = 0
    for result in results:
        code |= result.exit_code
    # Cases hunted whole changed (their detections, their history): prevalence, the reports'
    # "seen in N of M cases" and index.html follow. A hunt that committed nothing changes
    # nothing, views included.
    if any(result.error is None for result in results):
        report_view_failures(store, jobs=jobs, scheduler=scheduler)
    if as_json:
        for result in results:
            for det in result.new:
                sys.stdout.write(json_line({**det, "case": result.id}) + "\n")
        sys.stdout.flush()
    if results:
        print_listing(err if as_json else out, COLUMNS, [_row(r) for r in results])
    for result in results:
        if result.error is not None:
            err.print(f"[bold red]not hunted:[/] {_show(result.error)}")
        for note in result.notes:
            err.print(f"[yellow]not hunted in part:[/] {_show(result.id)}: {_show(note)}")
    err.print(_exit_line(code, results))
    sys.exit(code & (EXIT_DETECTED | EXIT_INCOMPLETE))


COMMAND = hunt_command
