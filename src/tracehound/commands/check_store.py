"""``tracehound check ACQ [ACQ...] --store STORE``: check acquisitions into the case store.

The command line of ``check`` lives in :mod:`tracehound.cli`; this module is its store mode
(it defines no ``COMMAND``): one task per acquisition (:mod:`tracehound.cases.checking`), the
summary table, and the exit code, the bitwise OR of the checks' codes so that no detection is
hidden by another acquisition's failure.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracehound.cases.checking import CaseOutcome, CaseTask, check_all, check_case
from tracehound.cases.store import CaseStore
from tracehound.listing import Cell, Column, print_listing, print_plain
from tracehound.parallel import default_jobs
from tracehound.pipeline import CheckOptions
from tracehound.reports.text import counted, printable

_VERDICT_STYLE = {
    "detected": "bold red",
    "incomplete": "yellow",
    "failed": "red",
    "clean": "green",
}


def _show(value: object) -> str:
    return escape(printable(str(value)))


def store_tasks(
    store: CaseStore,
    acquisitions: Sequence[Path],
    label: str | None,
    options: CheckOptions,
    parallel: bool,
) -> list[CaseTask]:
    """One task per acquisition, each given ``label`` (when given) and ``options``' indicator
    files, secrets and outputs. ``parallel``: tasks run at once (each check then uses one
    process, and no password prompt: a worker has no terminal)."""
    source = options.source
    if source.age_identity is not None:  # a worker may run in another folder or machine
        source = dataclasses.replace(
            source, age_identity=Path(os.path.abspath(source.age_identity))
        )
    if parallel:
        source = dataclasses.replace(source, password_prompt=None)
    return [
        CaseTask(
            store=str(store.root),
            acquisition=str(acq),
            path=os.path.abspath(acq),
            label=label,
            ioc_paths=tuple(os.path.abspath(p) for p in options.ioc_paths),
            bundled_iocs=options.bundled_iocs,
            command=tuple(options.command),
            jobs=1 if parallel else options.jobs,
            source=source,
            secrets=tuple(sorted(options.secrets.items())),
            records_jsonl=options.records_jsonl,
            timeline_csv=options.timeline_csv,
        )
        for acq in acquisitions
    ]


def run_store_checks(
    tasks: Sequence[CaseTask],
    jobs: int,
    scheduler: str | None,
    err: Console,
    quiet: bool,
) -> list[CaseOutcome]:
    """Run the tasks: one local acquisition in this process (with today's progress bar and
    workers), else on ``jobs`` processes or the cluster, with a bar of acquisitions done."""
    if len(tasks) == 1 and not scheduler:
        if quiet:
            return [check_case(tasks[0])]
        with _bar(err) as bar:
            step = bar.add_task("opening the acquisition", total=None)

            def tick(label: str, done: int, total: int) -> None:
                bar.update(step, description=escape(label), completed=done, total=total or None)

            return [check_case(tasks[0], tick)]
    workers = min(len(tasks), jobs if jobs > 0 else default_jobs())
    if quiet:
        return check_all(tasks, workers, scheduler)
    with _bar(err) as bar:
        step = bar.add_task("checking acquisitions", total=len(tasks))

        def done(outcome: CaseOutcome) -> None:
            bar.update(step, advance=1)

        return check_all(tasks, workers, scheduler, done)


def _bar(console: Console) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console, transient=True)


SUMMARY_COLUMNS = (
    Column("acquisition"),
    Column("case"),
    Column("label"),
    Column("verdict"),
    Column("detections", right=True),
    Column("reason", prose=True),
)


def print_summary(
    outcomes: Sequence[CaseOutcome], store: CaseStore, out: Console, quiet: bool
) -> None:
    """The summary: a table on a terminal; tab-separated lines with a header when piped or
    with ``--quiet``."""
    rows: list[list[str | Cell]] = [
        [
            o.acquisition,
            o.case_id or "-",
            o.label,
            Cell(o.verdict, _VERDICT_STYLE.get(o.verdict, "")),
            str(o.detections),
            o.reason,
        ]
        for o in outcomes
    ]
    if quiet:
        print_plain(out, SUMMARY_COLUMNS, rows)
        return
    print_listing(out, SUMMARY_COLUMNS, rows, title="Cases")
    out.print(f"Store [bold]{_show(store.root)}[/] (tracehound cases list / show CASE)")


def exit_code(outcomes: Sequence[CaseOutcome]) -> int:
    """The bitwise OR of the checks' exit codes."""
    code = 0
    for outcome in outcomes:
        code |= outcome.exit_code
    return code


def exit_line(outcomes: Sequence[CaseOutcome]) -> str:
    """``exit code 5: 3 acquisitions: 1 detected, 1 clean, 1 failed``."""
    verdicts = Counter(o.verdict for o in outcomes)
    order = ("detected", "incomplete", "failed", "clean")
    parts = ", ".join(f"{verdicts[v]} {v}" for v in order if verdicts[v])
    return f"exit code {exit_code(outcomes)}: {counted(len(outcomes), 'acquisition')}: {parts}"
