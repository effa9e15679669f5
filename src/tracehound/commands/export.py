"""``tracehound export``: parts of a results folder in other formats.

``records``: the Parquet records as JSON lines; ``timeline``: ``timeline.csv``; ``timesketch``:
the same timeline as Timesketch JSON lines; ``misp``: the indicator hits as a MISP event.

A check stores its records as ``records/<TYPE>.parquet`` (output format 2.0); scripts written
for the JSON lines of format 1.x, or tools that read only JSON, get the same lines from this
command (or from ``check --records-jsonl``): one record a line, ``type``, its fields (times in
ISO 8601 UTC), ``_provenance``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click
import pyarrow as pa
from rich.console import Console
from rich.markup import escape

from tracehound.core.errors import EXIT_INCOMPLETE, EXIT_NOT_RUN
from tracehound.core.registry import record_types
from tracehound.reports.derived import NotAResultsFolder
from tracehound.reports.jsonl import record_line_bytes
from tracehound.reports.misp import build_misp_event
from tracehound.reports.text import printable
from tracehound.reports.timeline_export import write_timeline
from tracehound.store.records import read_records, record_files
from tracehound.store.results import FILE_MODE, FOLDER_MODE, write_private


def _show(value: object) -> str:
    return escape(printable(str(value)))


@click.group(name="export")
def export() -> None:
    """Export parts of a results folder (the --output of `tracehound check`)."""


@export.command(name="records")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the TYPE.jsonl files (default: DIR/records, beside the Parquet files).",
)
@click.option("--artifact", "-a", multiple=True, help="Only this artifact (repeatable).")
def export_records(directory: Path, output: Path | None, artifact: tuple[str, ...]) -> None:
    """Write each records/TYPE.parquet of DIR as TYPE.jsonl."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    files = {k: v for k, v in record_files(directory / "records").items() if v.suffix == ".parquet"}
    if not files:
        err.print(f"[bold red]error:[/] {_show(directory)}: no records/*.parquet to export")
        sys.exit(EXIT_NOT_RUN)
    unknown = sorted(set(artifact) - set(files))
    if unknown:
        err.print(
            f"[bold red]error:[/] no records of {_show(', '.join(unknown))} in {_show(directory)}"
        )
        sys.exit(EXIT_NOT_RUN)
    target = output or directory / "records"
    try:
        target.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot create {_show(target)}: {_show(exc)}")
        sys.exit(EXIT_NOT_RUN)
    classes = record_types()
    out = Console(highlight=False, soft_wrap=True)
    failed = 0
    for name, path in sorted(files.items()):
        if artifact and name not in artifact:
            continue
        cls = classes.get(name)
        if cls is None:
            err.print(f"[yellow]not exported:[/] {_show(path)}: artifact unknown to this version")
            failed += 1
            continue
        try:
            count = _write_lines(target / f"{name}.jsonl", path, cls)
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            # A damaged Parquet file: named, counted, and the others are still exported.
            err.print(f"[bold red]not exported:[/] {_show(path)}: {_show(exc)}")
            failed += 1
            continue
        out.print(f"Wrote {count} records to [bold]{_show(target / (name + '.jsonl'))}[/]")
    if failed:
        err.print(f"exit code 2: incomplete: {failed} records file(s) not exported")
        sys.exit(EXIT_INCOMPLETE)


def _write_lines(dest: Path, source: Path, cls: type) -> int:
    """Write the JSON lines of ``source`` through a private sibling renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    count = 0
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            for record, prov in read_records(source, cls):
                if prov is not None:
                    handle.write(record_line_bytes(record, prov) + b"\n")
                    count += 1
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


COMMAND = export


@export.command(name="timeline")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the CSV (default: DIR/timeline.csv).",
)
def export_timeline(directory: Path, output: Path | None) -> None:
    """Write DIR's timeline.csv again from its store (records/*.parquet and detections.jsonl):
    the same file the check wrote, for Timesketch."""
    _timeline(directory, output or directory / "timeline.csv", jsonl=False)


@export.command(name="timesketch")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the JSON lines (default: DIR/timeline.jsonl; Timesketch wants the "
    "name to end in .jsonl).",
)
def export_timesketch(directory: Path, output: Path | None) -> None:
    """Write DIR's timeline as Timesketch JSON lines: the rows of `export timeline`, in its
    order, one JSON object a line with message, datetime, timestamp (microseconds),
    timestamp_desc, artifact, detection, device_path, row and the record's fields
    (ARTIFACT__FIELD)."""
    _timeline(directory, output or directory / "timeline.jsonl", jsonl=True)


def _timeline(directory: Path, target: Path, jsonl: bool) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    files = {k: v for k, v in record_files(directory / "records").items() if v.suffix == ".parquet"}
    if not files or not (directory / "detections.jsonl").is_file():
        err.print(
            f"[bold red]error:[/] {_show(directory)}: no records/*.parquet and detections.jsonl "
            "(not a results folder of output format 2.x)"
        )
        sys.exit(EXIT_NOT_RUN)
    try:
        rows = write_timeline(directory, target, jsonl=jsonl)
    except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
        # Nothing is written: a timeline missing a damaged file's rows would read as complete.
        err.print(
            f"[bold red]error:[/] cannot write the timeline of {_show(directory)}: {_show(exc)}"
        )
        sys.exit(EXIT_NOT_RUN)
    Console(highlight=False, soft_wrap=True).print(
        f"Wrote {rows} timeline rows to [bold]{_show(target)}[/]"
    )


@export.command(name="misp")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the event (default: DIR/misp-event.json).",
)
def export_misp(directory: Path, output: Path | None) -> None:
    """Write DIR's indicator hits as a MISP event (MISP core format, {"Event": ...}): one
    attribute per distinct indicator, with its sightings, first and last seen, and the malware
    as tags. Only indicator values and times: no device text, no heuristic findings.
    Distribution 0 (your organisation only): widen it in MISP after review."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    target = output or directory / "misp-event.json"
    try:
        summary = build_misp_event(directory)
        text = json.dumps(summary.event, indent=2, ensure_ascii=False) + "\n"
        write_private(target, text.encode("utf-8", "backslashreplace"))
    except NotAResultsFolder as exc:
        err.print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(EXIT_NOT_RUN)
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot write {_show(target)}: {_show(exc)}")
        sys.exit(EXIT_NOT_RUN)
    attributes = summary.event["Event"]["Attribute"]
    if not attributes:
        err.print(f"no indicator hits in {_show(directory)}: the event has no attributes")
    if summary.heuristics:
        err.print(
            f"not exported: {summary.heuristics} heuristic detection(s) (a MISP attribute is "
            "an indicator value; see the report)"
        )
    if summary.unusable:
        err.print(f"not exported: {summary.unusable} indicator detection(s) without a value")
    Console(highlight=False, soft_wrap=True).print(
        f"Wrote a MISP event of {len(attributes)} attribute(s) from {summary.hits} indicator "
        f"hit(s) to [bold]{_show(target)}[/]"
    )
    if summary.bad_lines:
        err.print(
            f"exit code 2: incomplete: {summary.bad_lines} line(s) of "
            f"{_show(directory / 'detections.jsonl')} are not JSON objects; their hits are missing"
        )
        sys.exit(EXIT_INCOMPLETE)
