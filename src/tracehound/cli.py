"""Command line: a thin layer over the pipeline, the demo generator and the registry."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from tracehound import __version__
from tracehound.cli_options import (
    ioc_options,
    make_source_options,
    redact_argv,
    secret_sources,
    source_options,
)
from tracehound.commands import LazyGroup
from tracehound.core.errors import (
    EXIT_DETECTED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_NOT_RUN,
    TracehoundError,
)
from tracehound.core.records import semantic_fields
from tracehound.core.registry import Artifact, Severity, artifacts, detectors
from tracehound.listing import Column, print_listing
from tracehound.pipeline import UNCHECKED_STATUSES, CheckOptions, RunResult, run_check
from tracehound.reports.text import counted, printable

if TYPE_CHECKING:
    from tracehound.cases.store import CaseStore

_STATUS_STYLE = {
    "ran": "green",
    "not_present": "dim",
    "missing": "red",
    "schema_mismatch": "yellow",
    "error": "red",
}
_SEV_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def _show(value: object) -> str:
    """Device-derived text for rich: control characters made visible, markup escaped."""
    return escape(printable(str(value)))


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="tracehound")
def main() -> None:
    """Find traces of mercenary spyware and stalkerware in mobile acquisitions (offline)."""


@main.command()
@click.argument("paths", metavar="ACQ...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="New folder for the results of one acquisition (must not be inside it). Without it "
    "the results go to the case store.",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    help="Case store to check into (created if new). Default without --output: "
    "$TRACEHOUND_STORE, else ~/.local/share/tracehound/store.",
)
@click.option(
    "--label",
    help="The case's label (default for a new case: the acquisition's file name; an existing "
    "case keeps its label unless this is given). With several ACQs each case gets it.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Run one task per acquisition on this Dask distributed scheduler (store mode; the "
    "workers must share the store and the acquisitions' file system; device data goes to "
    "them: use a lab's own machines only).",
)
@ioc_options
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress bar or tables; exit code only (store mode: the summary as plain lines).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (0: one per CPU core, at most 2; also $TRACEHOUND_JOBS). With "
    "several ACQs: acquisitions checked at once, one process each.",
)
@click.option(
    "--records-jsonl",
    is_flag=True,
    help="Also write every record as JSON lines (records/TYPE.jsonl) beside the Parquet files "
    "(or later: tracehound export records DIR).",
)
@click.option(
    "--timeline-csv/--no-timeline-csv",
    default=False,
    show_default=True,
    help="Also write timeline.csv (Timesketch's CSV import). Without it the results folder is "
    "the store alone (records/*.parquet, detections), about a tenth of the size; the report "
    "reads the store, and `tracehound export timeline DIR` writes the same CSV later.",
)
@source_options
def check(
    paths: tuple[Path, ...],
    output: Path | None,
    store_path: Path | None,
    label: str | None,
    scheduler: str | None,
    ioc_paths: tuple[Path, ...],
    no_bundled_iocs: bool,
    quiet: bool,
    jobs: int,
    records_jsonl: bool,
    timeline_csv: bool,
    **source_args: Any,
) -> None:
    """Check acquisitions against public indicators and heuristics.

    ACQ is an iPhone backup (plain or encrypted), an iPhone filesystem dump (folder, .tar,
    .tar.gz, .zip), an iOS sysdiagnose (.tar.gz or folder), a folder of iOS crash logs (.ips),
    an androidqf acquisition (folder, .zip, .zip.age), an Android bugreport (.zip or folder),
    an Android backup (.ab), an exported Android 16 intrusion log, or a folder holding exactly
    one of these.

    With --output, one ACQ and its results folder. Without it, each ACQ becomes a case of the
    case store (named by its SHA-256: checking it again updates its case), several checked at
    once; the password options apply to every ACQ (no prompt when several are checked).

    \b
    Exit code, a bit set (so 3 = detected and incomplete; several ACQs: their codes ORed):
      0  complete, nothing detected
      1  detected: an indicator matched or a high/critical heuristic fired
      2  incomplete: an input was missing, damaged or unreadable, or the evidence changed
      4  could not run: nothing was checked (bad path, password, output or indicator file)
    130  interrupted (Ctrl-C, SIGTERM): no results were published
    """
    err = _console(stderr=True)
    if output is not None:
        clash = _output_clash(paths, store_path, label, scheduler)
        if clash:
            _refuse(err, TracehoundError(clash))
    try:
        source_opts = make_source_options(**source_args)
    except TracehoundError as exc:
        _refuse(err, exc)
    options = CheckOptions(
        target=paths[0],
        output=output or Path(),
        ioc_paths=list(ioc_paths),
        bundled_iocs=not no_bundled_iocs,
        command=redact_argv(sys.argv),
        jobs=jobs,
        source=source_opts,
        secrets=secret_sources(source_opts, **source_args),
        records_jsonl=records_jsonl,
        timeline_csv=timeline_csv,
    )
    # A polite kill must clean up like Ctrl-C: decrypted and unpacked copies and the staged
    # results live in private folders that finally-blocks remove; Python's default SIGTERM
    # handling skips them. The handler is the caller's again once the check is over.
    previous = signal.signal(signal.SIGTERM, _terminate)
    if output is None:
        try:
            _check_store(paths, store_path, label, scheduler, options, source_args, err, quiet)
        finally:
            signal.signal(signal.SIGTERM, previous)
    try:
        result = run_check(options) if quiet else _run_with_progress(options, err)
    except TracehoundError as exc:
        _refuse(err, exc)
    except KeyboardInterrupt:
        err.print("[bold red]interrupted:[/] no results were published; run the check again")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:
        # The machine, not tracehound: a full disk, a folder that vanished, a permission.
        where = f"{_show(exc.filename)}: " if exc.filename else ""
        err.print(
            f"[bold red]error:[/] {where}{_show(exc.strerror or exc)}; no results were published"
        )
        sys.exit(EXIT_NOT_RUN)
    except Exception as exc:
        if os.environ.get("TRACEHOUND_DEBUG"):
            raise
        err.print(
            f"[bold red]internal error:[/] {_show(type(exc).__name__)}: {_show(exc)} "
            "(no results were published; set TRACEHOUND_DEBUG=1 to see the traceback, and "
            "please report it)"
        )
        sys.exit(EXIT_NOT_RUN)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not quiet:
        _print_summary(result, _console())
    # The last line always says what the exit code means, even with --quiet.
    err.print(_exit_line(result))
    sys.exit(result.exit_code)


def _output_clash(
    paths: tuple[Path, ...], store: Path | None, label: str | None, scheduler: str | None
) -> str:
    """Why --output cannot go with the rest of the command line ("" when it can)."""
    if len(paths) > 1:
        return f"--output takes one acquisition ({len(paths)} given); use --store for several"
    for given, option in ((store, "--store"), (label, "--label"), (scheduler, "--scheduler")):
        if given is not None:
            return f"--output and {option} exclude each other ({option} is for the case store)"
    return ""


def _check_store(
    paths: tuple[Path, ...],
    store_path: Path | None,
    label: str | None,
    scheduler: str | None,
    options: CheckOptions,
    source_args: dict[str, Any],
    err: Console,
    quiet: bool,
) -> NoReturn:
    """Store mode of ``check`` (commands/check_store.py): every ACQ a case; exit with the OR
    of their codes."""
    from tracehound.cases.store import CaseStore, default_store
    from tracehound.commands import check_store

    given = [os.path.abspath(p) for p in paths]
    twice = next((p for n, p in enumerate(paths) if given[n] in given[:n]), None)
    if twice is not None:
        _refuse(err, TracehoundError(f"{twice}: given twice; nothing was checked"))
    try:
        store = CaseStore(store_path or default_store(), create=True)
        parallel = len(paths) > 1 or scheduler is not None
        if parallel:  # no prompt in a worker: "how given" must not claim one
            options.source = dataclasses.replace(options.source, password_prompt=None)
            options.secrets = secret_sources(options.source, **source_args)
        tasks = check_store.store_tasks(store, paths, label, options, parallel)
        outcomes = check_store.run_store_checks(tasks, options.jobs, scheduler, err, quiet)
    except TracehoundError as exc:
        _refuse(err, exc)
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted:[/] cases committed before stay whole; the acquisitions "
            "not finished were not changed in the store; run the check again"
        )
        sys.exit(EXIT_INTERRUPTED)
    check_store.print_summary(outcomes, store, _console(), quiet)
    if any(o.verdict != "failed" for o in outcomes):
        _refresh_views(store, options.jobs, scheduler, err)
    err.print(_show(check_store.exit_line(outcomes)))
    sys.exit(check_store.exit_code(outcomes))


def _refresh_views(store: CaseStore, jobs: int, scheduler: str | None, err: Console) -> None:
    """The store changed: its views (each case's prevalence.json and report counts,
    index.html) are made again; a failure is named, and the checks' exit code stands."""
    from tracehound.commands.cases import report_view_failures
    from tracehound.parallel import default_jobs

    try:
        report_view_failures(store, jobs or default_jobs(), scheduler)
    except (TracehoundError, OSError) as exc:
        err.print(f"[bold red]error:[/] the store's views were not refreshed: {_show(exc)}")
    except KeyboardInterrupt:
        err.print("[bold red]interrupted:[/] the cases are committed; the store's views are not")
        sys.exit(EXIT_INTERRUPTED)


def _refuse(err: Console, exc: TracehoundError) -> NoReturn:
    """One line for a run that could not start, and its exit code (4)."""
    err.print(f"[bold red]error:[/] {_show(exc)}")
    sys.exit(exc.exit_code)


def _exit_line(result: RunResult) -> str:
    """``exit code 3: detected (...); incomplete (...)``: the bits set and why."""
    reasons = result.run.get("exit_reasons") or ["complete, nothing detected"]
    return f"exit code {result.exit_code}: " + "; ".join(_show(r) for r in reasons)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run_with_progress(options: CheckOptions, console: Console) -> RunResult:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("opening the acquisition", total=None)

        def tick(label: str, done: int, total: int) -> None:
            # The label names the step that starts now; done counts the finished artifacts.
            bar.update(task, description=escape(label), completed=done, total=total or None)

        result = run_check(options, tick)
        bar.update(task, completed=bar.tasks[0].total or 0)
    return result


def _print_summary(result: RunResult, console: Console) -> None:
    run = result.run
    acq = run["acquisition"]
    console.print(f"[bold]Acquisition[/] {_show(acq.get('kind'))}: {_describe_device(acq)}")
    iocs = run["indicators"]
    console.print(
        f"[bold]Indicators[/] {iocs['total']:,} from {counted(len(iocs['files']), 'file')}, "
        f"{counted(iocs['warning_count'], 'load warning')}"
    )
    console.print(_artifact_table(run["artifacts"]))
    if result.detections:
        _print_detections(console, result.detections)
    for line in _unchecked(result.run):
        console.print(line)
    console.print(_verdict(result))
    timeline = ", timeline.csv" if (result.output / "timeline.csv").is_file() else ""
    console.print(
        f"Results in [bold]{_show(result.output)}[/] "
        f"(detections.jsonl, run.json{timeline}, records/*.parquet)"
    )
    report = result.output / "report.html"
    if report.is_file():
        console.print(f"Case report: [bold]{_show(report)}[/] (opens offline in any browser)")


def _describe_device(acq: dict[str, Any]) -> str:
    """Model, OS and acquisition date, whatever the platform (values that are unknown are left
    out rather than printed as None)."""
    system = "Android" if acq.get("platform") == "android" else "iOS"
    parts = [str(acq["product_type"])] if acq.get("product_type") else []
    if acq.get("os_version"):
        build = f" ({acq['os_build']})" if acq.get("os_build") else ""
        parts.append(f"{system} {acq['os_version']}{build}")
    when = acq.get("backup_date") or acq.get("acquisition_started") or acq.get("bugreport_date")
    if when:
        parts.append(f"acquired {when}")
    if acq.get("timezone"):
        parts.append(f"time zone {acq['timezone']} ({acq.get('timezone_source') or 'given'})")
    elif acq.get("platform") == "android":
        parts.append("time zone unknown: device-local times read as UTC")
    return _show(", ".join(parts) or "device facts unknown")


def _artifact_table(arts: dict[str, Any]) -> Table:
    table = Table(title="Artifacts", title_justify="left")
    for col in ("artifact", "status", "records", "warnings", "detections"):
        table.add_column(
            col, justify="right" if col in ("records", "warnings", "detections") else "left"
        )
    for name, info in arts.items():
        style = _STATUS_STYLE.get(info["status"], "")
        table.add_row(
            name,
            f"[{style}]{info['status']}[/]",
            str(info["records"]),
            str(info["warnings"]),
            str(info["detections"]),
        )
    return table


def _print_detections(console: Console, detections: list[dict[str, Any]], limit: int = 40) -> None:
    console.print(f"[bold]Detections ({len(detections)})[/], most severe first:")
    ranked = sorted(detections, key=lambda d: (-Severity(d["severity"]).rank, d["ts"] or ""))
    for d in ranked[:limit]:
        sev = d["severity"]
        when = (d["ts"] or "no time")[:19].replace("T", " ")
        console.print(f"  [{_SEV_STYLE.get(sev, '')}]{sev:<8}[/] {when}  {_show(d['artifact'])}")
        # Device text goes in as plain Text (no markup), indented and wrapped, never cropped.
        console.print(
            Padding(Text(d["message"][:400]), (0, 0, 0, 11), expand=False), soft_wrap=False
        )
    if len(detections) > limit:
        console.print(f"  ... {len(detections) - limit} more in detections.jsonl")


def _unchecked(run: dict[str, Any]) -> list[str]:
    """One line per input that could not be checked: the coverage gaps the analyst must see."""
    lines = [f"[red]not checked:[/] {_show(e)}" for e in run["acquisition"].get("errors", [])]
    for f in run["indicators"]["files"]:
        if f.get("error"):
            lines.append(
                f"[red]not loaded:[/] indicator file {_show(f['path'])}: {_show(f['error'])}"
            )
    for name, info in run["artifacts"].items():
        for f in info["files"]:
            if f["status"] in UNCHECKED_STATUSES:
                lines.append(
                    f"[red]not checked:[/] {_show(name)} {_show(f['path'])}: "
                    f"{_show(f['status'])}: {_show(f.get('error', ''))}"
                )
    return lines


def _verdict(result: RunResult) -> str:
    """The headline: detections first (an incomplete run never hides one), then coverage."""
    summary = result.run["detections"]
    lines: list[str] = []
    if result.exit_code & EXIT_DETECTED:
        malware = ", ".join(summary["malware"]) or "none named"
        lines.append(
            f"[bold red]DETECTIONS[/]: {counted(summary['total'], 'detection')}; malware named by "
            f"indicators: {_show(malware)}. Review each in detections.jsonl."
        )
    if result.exit_code & EXIT_INCOMPLETE:
        damage = result.run["acquisition"].get("index_damage")
        what = (
            f"the acquisition could not be read ({_show(damage)})"
            if damage
            else "some inputs could not be read or checked"
        )
        lines.append(
            f"[bold red]INCOMPLETE[/]: {what}; see the lines above and run.json. Absence of a "
            f"detection proves nothing for what was not read. Detections: {summary['total']:,}."
        )
    if not lines and summary["total"]:
        # Low and medium heuristics do not set the detected bit, but they are findings: never
        # headline them as "nothing detected".
        lines.append(
            f"[bold yellow]To review[/]: no indicator matched and no high-severity heuristic "
            f"fired, but {counted(summary['total'], 'lower-severity finding')} "
            f"{'needs' if summary['total'] == 1 else 'need'} review (listed above). Public "
            "indicators cannot prove a phone clean."
        )
    if not lines:
        lines.append(
            "[bold green]Nothing detected[/] with the loaded indicators and heuristics. Public "
            "indicators cannot prove a phone clean."
        )
    return "\n".join(lines)


@main.command(name="artifacts")
@click.option("--markdown", is_flag=True, help="Print Markdown tables (used for the README).")
def list_artifacts(markdown: bool) -> None:
    """List every artifact tracehound reads, with its device paths, and every detector."""
    if markdown:
        click.echo(markdown_tables())
        return
    console = _console()
    columns = [Column("name"), Column("input"), Column("paths"), Column("what", prose=True)]
    rows = [[a.name, _input_of(a), "\n".join(a.paths), a.description] for a in artifacts()]
    print_listing(console, columns, rows, title="Artifacts")
    console.line()
    det_columns = [Column("name"), Column("reads"), Column("what", prose=True)]
    det_rows = [[d.NAME, ", ".join(d.TYPES), d.DESCRIPTION] for d in detectors()]
    print_listing(console, det_columns, det_rows, title="Detectors")


def _input_of(art: Artifact) -> str:
    """The input kind, and the shared reader that opens it once for several artifacts."""
    return f"{art.input} (reader {art.reader.name})" if art.reader is not None else art.input


def markdown_tables() -> str:
    """The artifact and detector tables in Markdown (README, "What is checked")."""
    by_type: dict[str, list[str]] = {}
    for det in detectors():
        for type_name in det.TYPES:
            by_type.setdefault(type_name, []).append(f"`{det.NAME}`")
    lines = [
        "| artifact | device paths | what is extracted | matched against indicators | heuristics |",
        "|---|---|---|---|---|",
    ]
    for art in artifacts():
        paths = "<br>".join(f"`{p}`" for p in art.paths)
        if art.reader is not None:
            paths += f"<br>(read once by `{art.reader.name}`)"
        fields = ", ".join(
            f"{name} ({kind.value})" for name, kind, _ in semantic_fields(art.record)
        )
        heuristics = ", ".join(by_type.get(art.name, [])) or "-"
        lines.append(
            f"| `{art.name}` | {paths} | {art.description} | {fields or '-'} | {heuristics} |"
        )
    lines += ["", "| heuristic | reads | what it flags |", "|---|---|---|"]
    for det in detectors():
        reads = ", ".join(f"`{t}`" for t in det.TYPES)
        lines.append(f"| `{det.NAME}` | {reads} | {det.DESCRIPTION} |")
    lines += ["", *_meaning_table()]
    return "\n".join(lines)


_NETWORK_WORDS = {
    "received": "received or stored, not proof it was opened",
    "loaded": "loaded on the phone",
}


def _meaning_table() -> list[str]:
    """What each artifact's declaration says a trace in it means, how a network hit in it
    weighs, and which fields a redacted report still shows (README, "What is checked")."""
    lines = [
        "| artifact | what a trace in it means | a network hit here was | shown when redacted |",
        "|---|---|---|---|",
    ]
    for art in artifacts():
        cls = art.record
        if not (cls.MEANING or cls.NETWORK_HIT or cls.PUBLIC_FIELDS):
            continue
        network = _NETWORK_WORDS.get(cls.NETWORK_HIT, "-")
        public = ", ".join(f"`{f}`" for f in cls.PUBLIC_FIELDS) or "-"
        lines.append(f"| `{art.name}` | {cls.MEANING or '-'} | {network} | {public} |")
    return lines


DEMO_KINDS = (
    "backup",
    "encrypted",
    "ffs",
    "ffs-tar",
    "ffs-zip",
    "ffs-var",
    "sysdiagnose",
    "sysdiagnose-folder",
    "crashlogs",
    "androidqf",
    "androidqf-zip",
    "bugreport",
    "ab",
    "intrusionlog",
)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--clean", is_flag=True, help="Write a clean phone (no traces) instead.")
@click.option("--seed", default=2021, show_default=True, help="Seed for the benign records.")
@click.option(
    "--kind",
    type=click.Choice(DEMO_KINDS),
    default="backup",
    show_default=True,
    help="iOS backup (plain or encrypted), iOS filesystem dump (folder, tar, zip), iOS "
    "sysdiagnose (.tar.gz or folder), iOS crash-log folder, androidqf acquisition (folder or "
    "zip), Android bugreport, encrypted Android backup, or an exported Android 16 intrusion log.",
)
def demo(directory: Path, clean: bool, seed: int, kind: str) -> None:
    """Write a synthetic acquisition of an infected (or clean) phone into DIRECTORY."""
    from tracehound.demo.android_phone import BACKUP_PASSWORD
    from tracehound.demo.generate import DEMO_PASSWORD, write_demo

    err = _console(stderr=True)
    try:
        path = write_demo(directory, kind, infected=not clean, seed=seed)
    except TracehoundError as exc:
        err.print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(exc.exit_code)
    state = "clean" if clean else "infected"
    _console().print(f"Wrote a synthetic {state} phone ({kind}) to [bold]{_show(path)}[/]")
    password = {"encrypted": DEMO_PASSWORD, "ab": BACKUP_PASSWORD}.get(kind)
    if password:
        _console().print(f"Its password is [bold]{password}[/] (--password-file, or the prompt)")


if __name__ == "__main__":  # pragma: no cover
    main()
