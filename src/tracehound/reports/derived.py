"""Outputs derived from a finished results folder (HTML report, STIX sightings).

They read only the results folder (run.json, detections.jsonl, records/, timeline.csv), so
``tracehound report DIR`` can rebuild them later, e.g. after new indicators. Everything in a
results folder came from the device (or from whoever handed the folder over): readers here never
trust a type, a size or an encoding.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, NamedTuple

from tracehound.core.errors import TracehoundError
from tracehound.core.registry import Severity

#: Writers called in order after a check; each takes the results folder. Filled by the report
#: modules (html, sightings) as they register (``register``).
DERIVED_WRITERS: list[Callable[[Path], Path]] = []
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Modules whose import registers a writer (sightings first: the report mentions the file).
_WRITER_MODULES = ("tracehound.reports.sightings", "tracehound.reports.html")


class NotAResultsFolder(TracehoundError):
    """The folder is not a tracehound results folder (no run.json / detections.jsonl)."""


def register(writer: Callable[[Path], Path]) -> Callable[[Path], Path]:
    """Add ``writer`` to the derived outputs (once); usable as a decorator."""
    if writer not in DERIVED_WRITERS:
        DERIVED_WRITERS.append(writer)
    return writer


def load_writers() -> list[Callable[[Path], Path]]:
    """Import the report modules so that they register; return the writers in order."""
    for name in _WRITER_MODULES:
        importlib.import_module(name)
    return list(DERIVED_WRITERS)


def write_derived(output: Path) -> list[Path]:
    """Write every derived output of the results folder ``output``; return the files written.

    A failing writer does not undo the check (its results are already on disk): the failure is
    reported on stderr with the command that retries it, and the other writers still run.
    """
    written: list[Path] = []
    for writer in load_writers():
        try:
            written.append(writer(output))
        except Exception as exc:
            if os.environ.get("TRACEHOUND_DEBUG"):
                raise
            sys.stderr.write(
                f"warning: {getattr(writer, '__name__', 'writer')} failed: "
                f"{type(exc).__name__}: {exc}; the other results are complete "
                f"(retry with: tracehound report {output})\n"
            )
    return written


def load_run(folder: Path) -> dict[str, Any]:
    """``run.json`` of a results folder, or NotAResultsFolder with what is missing."""
    run_path = folder / "run.json"
    if not folder.is_dir():
        raise NotAResultsFolder(f"{folder}: not a folder")
    if not run_path.is_file() or not (folder / "detections.jsonl").is_file():
        raise NotAResultsFolder(
            f"{folder}: not a tracehound results folder (run.json and detections.jsonl are "
            "missing; give the folder passed to `tracehound check --output`)"
        )
    try:
        data = json.loads(run_path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        raise NotAResultsFolder(f"{run_path}: cannot be read as JSON: {exc}") from exc
    if not isinstance(data, dict) or "output_format_version" not in data:
        raise NotAResultsFolder(f"{run_path}: not a tracehound run report")
    version = str(data.get("output_format_version", ""))
    if version.split(".")[0] not in ("1", "2"):
        raise NotAResultsFolder(
            f"{run_path}: output format {version} is not supported (1.x or 2.x)"
        )
    return data


def iter_jsonl(path: Path, errors: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON-lines file, one line at a time; bad lines are counted in
    ``errors[0]`` (when given) and skipped."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                item = None
            if isinstance(item, dict):
                yield item
            elif errors is not None:
                errors[0] += 1


class CsvBlock(NamedTuple):
    """Whole rows of a CSV file, and ``data.split(b'"')``.

    A CSV cell holding a quote is quoted (RFC 4180), so quote characters only open, close or
    double inside quoted cells: the parts at even indexes lie outside every quoted cell, and
    only there do commas and line breaks separate cells and rows."""

    data: bytes
    parts: list[bytes]


def last_row_break(parts: list[bytes], length: int, before: int) -> tuple[int, int, int]:
    """Where the last line break outside quoted cells that lies before offset ``before`` ends:
    (offset just past it, index of its part, offset in that part); (0, 0, 0) if there is none.
    ``parts`` is ``data.split(b'"')`` and ``length`` is ``len(data)``."""
    end = length
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        start = end - len(part)
        if i % 2 == 0 and start < before:
            found = part.rfind(b"\n", 0, before - start)
            if found >= 0:
                return start + found + 1, i, found + 1
        end = start - 1
    return 0, 0, 0


def first_row_break(parts: list[bytes]) -> int:
    """Offset just past the first line break outside quoted cells (0 if there is none)."""
    offset = 0
    for i, part in enumerate(parts):
        if i % 2 == 0:
            found = part.find(b"\n")
            if found >= 0:
                return offset + found + 1
        offset += len(part) + 1
    return 0


def iter_csv_blocks(
    handle: IO[bytes], errors: list[int], size: int = 1 << 17, limit: int = 1 << 23
) -> Iterator[CsvBlock]:
    """Blocks of whole rows of a CSV file (about ``size`` bytes each), read from ``handle`` in
    bounded memory. A row longer than ``limit`` bytes (a damaged or hostile file: a quoted
    cell never closes) ends the reading, counted in ``errors[0]``."""
    carry = b""
    while True:
        data = handle.read(size)
        if not data:
            if carry:
                yield CsvBlock(carry, carry.split(b'"'))
            return
        block = carry + data if carry else data
        parts = block.split(b'"')
        cut, index, offset = last_row_break(parts, len(block), len(block))
        if cut:
            yield CsvBlock(block[:cut], [*parts[:index], parts[index][:offset]])
            carry = block[cut:]
        elif len(block) > limit:
            errors[0] += 1
            return
        else:
            carry = block


# Safe readers of values from a results folder (any of them may be missing or of a wrong type).


def severity_of(value: Any) -> str:
    """A valid severity name (anything else from a results folder reads as ``info``)."""
    try:
        return Severity(value).value
    except ValueError:
        return Severity.INFO.value


def severity_rank(value: Any) -> int:
    """Rank of a severity (0 for info or anything invalid)."""
    return Severity(severity_of(value)).rank


def cut(value: Any, limit: int) -> str:
    """Device value as text, cut at ``limit`` characters (saying how much was left out)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ", ".join(str(v) for v in value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > limit:
        return f"{text[:limit]} … [{len(text) - limit} more characters]"
    return text


def as_str(value: Any) -> str:
    """``value`` if it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else ``[]``."""
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int:
    """``value`` if it is an integer (not a bool), else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def to_us(value: Any) -> int | None:
    """Microseconds since 1970 of an ISO 8601 time (naive read as UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    delta = parsed - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


NO_TIME = "no time"
OUT_OF_RANGE = "out of range"


def fmt_us(us: int | None, precise: bool = True) -> str:
    """``YYYY-MM-DD HH:MM:SS[.mmm]`` (UTC) of microseconds since 1970."""
    if us is None:
        return NO_TIME
    try:
        when = _EPOCH + timedelta(microseconds=us)
    except OverflowError:
        return OUT_OF_RANGE
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    if precise and when.microsecond:
        text += f".{when.microsecond // 1000:03d}"
    return text


def fmt_us_utc(us: int | None, precise: bool = True) -> str:
    """``fmt_us`` followed by " UTC" when there is a time: a record without one reads
    "no time", not "no time UTC"."""
    text = fmt_us(us, precise)
    return text if text in (NO_TIME, OUT_OF_RANGE) else f"{text} UTC"
