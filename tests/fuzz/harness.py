"""Run a parser on a fuzzed input and check the artifact boundary.

A parser may end with InputError or SchemaMismatch (the pipeline turns them into the ``error`` and
``schema_mismatch`` statuses); any other exception escaping it is a defect, which hypothesis then
shrinks to a minimal input. Every record it yields must carry aware UTC times or None.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from tests.fuzz.seeds import Seed
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.files import FileEntry
from tracehound.core.records import Record, field_names
from tracehound.parsers.common.runner import parse_file, parse_listing

#: What may leave a parser (core/errors.py); anything else fails the fuzz test.
ALLOWED = (InputError, SchemaMismatch)


@contextmanager
def scratch_file(seed: Seed, data: bytes) -> Iterator[Path]:
    """A private temporary file named like the seed, holding ``data``."""
    assert seed.path is not None
    with tempfile.TemporaryDirectory(prefix="tracehound-fuzz-") as tmp:
        path = Path(tmp) / seed.path.name
        path.write_bytes(data)
        yield path


def run_file(seed: Seed, path: Path) -> list[Record]:
    """Parse ``path`` as ``seed``'s artifact the way the pipeline does; check what comes out.

    With ``TRACEHOUND_FUZZ_KEEP=<folder>``, an input that crashes the parser is copied there (the
    last one is the minimal example hypothesis shrank to), to turn into a regression test.
    """
    try:
        records, _ = parse_file(seed.artifact, path, seed.device_path, seed.device)
    except ALLOWED:
        return []
    except Exception:
        _keep(seed, path)
        raise
    check_records(records)
    return records


def _keep(seed: Seed, path: Path) -> None:
    keep = os.environ.get("TRACEHOUND_FUZZ_KEEP")
    if keep:
        target = Path(keep) / seed.artifact.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def run_listing(seed: Seed, entries: Iterable[FileEntry]) -> list[Record]:
    """Run a listing artifact on ``entries``; check what comes out."""
    try:
        records, _ = parse_listing(seed.artifact, entries, seed.device)
    except ALLOWED:
        return []
    check_records(records)
    return records


def check_records(records: list[Record]) -> None:
    """Every datetime of every record is aware UTC (time policy, ARCHITECTURE.md)."""
    for record in records:
        assert isinstance(record, Record), f"not a Record: {record!r}"
        assert record.ts is None or isinstance(record.ts, datetime), f"ts {record.ts!r}"
        for name in field_names(type(record)):
            value = getattr(record, name)
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, datetime):
                    assert item.utcoffset() == timedelta(0), f"{record.TYPE}.{name}: {item!r}"
