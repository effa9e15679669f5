"""Open one input file the way an artifact declares, check its schema, and run its parser.

Shared by the pipeline and the tests, so a parser is tested exactly as it runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from tracehound.core.columns import batch_records
from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.core.records import Record
from tracehound.core.registry import Artifact
from tracehound.parsers.common import plist
from tracehound.parsers.common.sqlite import damage_is_input_error, missing_schema, open_readonly

#: Provenance path of records made from the file listing rather than from one file.
LISTING_PATH = "(file listing)"

#: Text and plist inputs larger than this are refused (a decompression or memory bomb guard).
MAX_INPUT_BYTES = 512 * 1024 * 1024


#: The last text input decoded, keyed by path, size and modification time: besides the dumpsys
#: reader, getprop, processes and settings read the same bugreport dumpstate.txt in a row,
#: which is then read and decoded once for all of them. One text is kept at a time.
_LAST_TEXT: dict[tuple[Path, int, int], str] = {}


def _text(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from exc
    key = (path, info.st_size, info.st_mtime_ns)
    text = _LAST_TEXT.get(key)
    if text is None:
        text = _read(path).decode("utf-8", errors="replace")
        _LAST_TEXT.clear()
        _LAST_TEXT[key] = text
    return text


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"file is {size} bytes, over the {MAX_INPUT_BYTES} byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from exc


@contextmanager
def open_input(artifact: Artifact, path: Path) -> Iterator[Any]:
    """Yield what the artifact's parser takes: the opened input (sqlite3 connection, plist
    object, str or bytes), or for a member of a shared reader what the reader prepared from it.

    Raises InputError (corrupt/unreadable) or SchemaMismatch (required tables/columns/keys absent).
    """
    with open_raw(artifact.input, path) as opened:
        prepared = prepare(artifact, opened)
        with parse_guard(artifact, opened):
            check_schema(artifact, opened)
            yield prepared


@contextmanager
def open_raw(kind: str, path: Path) -> Iterator[Any]:
    """Open ``path`` as the input kind ``kind`` (read-only; a database's -wal applied on a
    private copy), once for every artifact that reads it. Raises InputError."""
    if kind == "sqlite":
        with open_readonly(path) as conn, damage_is_input_error():
            yield conn
        return
    if kind == "text":
        yield _text(path)
        return
    data = _read(path)
    if kind == "plist":
        yield plist.load(data)
    elif kind == "json":
        yield load_json(data)
    elif kind == "listing":
        raise ValueError("listing artifacts get the file listing, not a file")
    else:
        yield data


def prepare(artifact: Artifact, opened: Any) -> Any:
    """What the artifact's parser gets from the opened input (see ``Reader.prepare``)."""
    reader = artifact.reader
    if reader is None or reader.prepare is None:
        return opened
    return reader.prepare(opened)


@contextmanager
def parse_guard(artifact: Artifact, opened: Any) -> Iterator[None]:
    """Around one artifact's parser on a (maybe shared) open input: each parser starts with the
    connection's default rows (another may have set ``row_factory``), and a damaged page of a
    database that one member's query meets is that member's InputError, not every member's."""
    if artifact.input == "sqlite":
        opened.row_factory = None
        with damage_is_input_error():
            yield
    else:
        yield


def check_schema(artifact: Artifact, opened: Any) -> None:
    """Raise SchemaMismatch if the opened input lacks what the artifact ``requires``."""
    if artifact.input == "sqlite":
        missing = missing_schema(opened, dict(artifact.requires))
        if missing:
            raise SchemaMismatch("missing " + ", ".join(missing))
    elif artifact.input == "plist":
        keys = artifact.requires.get("", ())
        if keys:
            if not isinstance(opened, dict):
                raise SchemaMismatch(f"top level is {type(opened).__name__}, not a dictionary")
            absent = [k for k in keys if k not in opened]
            if absent:
                raise SchemaMismatch("missing key " + ", ".join(absent))


def load_json(data: bytes) -> Any:
    """Decode a JSON document, or JSON lines (one value per line) when it is not one document.

    androidqf writes some files as one array and others as NDJSON (ARTIFACTS.md, AQFFiles).
    """
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as first:
        values: list[Any] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError:
                raise InputError(
                    f"not JSON: {first.msg} at line {first.lineno} column {first.colno}; "
                    f"not JSON lines either (line {number})"
                ) from None
        return values


def parse_file(
    artifact: Artifact, path: Path, device_path: str, device: dict[str, Any] | None = None
) -> tuple[list[Record], ParseContext]:
    """Parse one file completely (tests and small inputs); the pipeline streams instead."""
    ctx = ParseContext(artifact=artifact.name, path=device_path, device=dict(device or {}))
    with open_input(artifact, path) as opened:
        records = list(as_records(artifact, artifact.func(opened, ctx)))
    return records, ctx


def as_records(artifact: Artifact, items: Iterable[Any]) -> Iterator[Record]:
    """What a parser yields as records: a columnar parser's Arrow batches become records here
    (for tests and small inputs; the engine keeps the columns)."""
    for item in items:
        if isinstance(item, pa.RecordBatch):
            for record, _ in batch_records(artifact.record, item):
                yield record
        else:
            yield item


def parse_listing(
    artifact: Artifact, entries: Iterable[FileEntry], device: dict[str, Any] | None = None
) -> tuple[list[Record], ParseContext]:
    """Run a listing artifact on file entries filtered by its globs, as the pipeline does."""
    ctx = ParseContext(artifact=artifact.name, path=LISTING_PATH, device=dict(device or {}))
    records = list(as_records(artifact, artifact.func(filter_listing(artifact, entries), ctx)))
    return records, ctx


def filter_listing(artifact: Artifact, entries: Iterable[FileEntry]) -> Iterator[FileEntry]:
    """The entries whose device path matches one of the artifact's globs."""
    globs = GlobSet(list(artifact.paths))
    return (e for e in entries if globs.matches(e.path))
