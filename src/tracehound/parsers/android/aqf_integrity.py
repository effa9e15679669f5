"""androidqf ``hashes.csv`` checked against the acquisition's files, one record per file.

The source (``sources/android_hashes.py``) recomputes each SHA-256 and exposes the comparison as
``androidqf:(hashes verified).json``; this parser only classifies it. What androidqf does by
design (mvt-project/androidqf ``acquisition/acquisition.go`` ``HashFiles`` then ``StoreInfo``;
``acquisition/streaming_zip.go`` ``CreateHashList``; ``docs/acquisition-archives.md``):

- archive layout (entry names): no row for hashes.csv itself;
- legacy folder layout (host paths): hashes.csv hashes itself while being written, writes
  acquisition.json after the list, and keeps appending to command.log after hashing.

Those cases are marked ``by_design`` (with a note) so that they never read as tampering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
LEGACY = "host_paths"
NOTE_SELF = "androidqf hashed hashes.csv while it was writing it; this row cannot match"
NOTE_LOG = "androidqf keeps writing command.log after hashing its files (legacy folders)"
NOTE_INFO = "androidqf writes acquisition.json after hashes.csv (legacy folders)"
NOTE_NO_SELF = "hashes.csv does not list itself"


@dataclass(frozen=True, slots=True, kw_only=True)
class AqfIntegrity(Record):
    """One file of an androidqf acquisition compared with its hashes.csv row."""

    TYPE = "android.aqf_integrity"
    TS_DESC = "Integrity check of an acquisition file"

    path: str | None  # relative path in the acquisition (None: row names no known file)
    listed_path: str | None  # as written in hashes.csv
    status: (
        str  # ok, mismatch, missing, unreadable, unlisted, not_verifiable, invalid, no_hash_list
    )
    expected_sha256: str | None
    actual_sha256: str | None
    size: int | None
    by_design: bool
    note: str | None
    layout: str | None  # entry_names (archives) or host_paths (legacy folders)


def _row_status(row: dict[str, Any], layout: str | None) -> tuple[str, bool, str | None]:
    path, expected, actual = row.get("path"), row.get("expected"), row.get("actual")
    if path == "hashes.csv" and layout == LEGACY:
        return "not_verifiable", True, NOTE_SELF
    if path is None or (actual is None and row.get("error") is None):
        return "missing", False, None
    if actual is None:
        return "unreadable", False, str(row.get("error"))[:300]
    if str(expected).lower() == str(actual).lower():
        return "ok", False, None
    if path == "command.log" and layout == LEGACY:
        return "mismatch", True, NOTE_LOG
    return "mismatch", False, None


def _unlisted_status(item: dict[str, Any], layout: str | None) -> tuple[bool, str | None]:
    path = item.get("path")
    if path == "hashes.csv":
        return True, NOTE_NO_SELF
    if path == "acquisition.json" and layout == LEGACY:
        return True, NOTE_INFO
    return False, None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@artifact(
    record=AqfIntegrity,
    input="json",
    paths=("androidqf:(hashes verified).json",),
    sources=("androidqf",),
)
def parse(doc: Any, ctx: ParseContext) -> Iterator[AqfIntegrity]:
    """androidqf hashes.csv verified against the acquisition's files (SHA-256)."""
    if not isinstance(doc, dict) or "rows" not in doc or "hash_list" not in doc:
        raise SchemaMismatch("not a hashes.csv verification document")
    for key in ("rows", "unlisted", "bad_lines"):
        if not isinstance(doc.get(key) or [], list):
            raise SchemaMismatch(f"{key} is {type(doc[key]).__name__}, not a list")
    layout = _text(doc.get("layout"))
    if not doc["hash_list"]:
        yield AqfIntegrity(
            ts=None, path="hashes.csv", listed_path=None, status="no_hash_list",
            expected_sha256=None, actual_sha256=None, size=None, by_design=False,
            note="the acquisition has no hashes.csv", layout=None,
        )  # fmt: skip
        return
    for bad in doc.get("bad_lines") or []:
        line = bad.get("line") if isinstance(bad, dict) else None
        ctx.warn(f"hashes.csv line is not 'path,sha256': {str(bad)[:120]}", _size(line))
    for row in doc.get("rows") or []:
        if not isinstance(row, dict):
            ctx.warn(f"unexpected row {str(row)[:80]!r}")
            continue
        line = _size(row.get("line"))
        expected = _text(row.get("expected"))
        if expected is None or not _SHA256.fullmatch(expected):
            ctx.warn(f"hashes.csv: not a SHA-256: {str(expected)[:80]!r}", line)
            status, by_design, note = "invalid", False, None
        else:
            status, by_design, note = _row_status(row, layout)
        yield AqfIntegrity(
            ts=None, row=line, path=_text(row.get("path")), listed_path=_text(row.get("listed")),
            status=status, expected_sha256=expected.lower() if expected else None,
            actual_sha256=_text(row.get("actual")), size=_size(row.get("size")),
            by_design=by_design, note=note, layout=layout,
        )  # fmt: skip
    for item in doc.get("unlisted") or []:
        if not isinstance(item, dict):
            ctx.warn(f"unexpected file entry {str(item)[:80]!r}")
            continue
        by_design, note = _unlisted_status(item, layout)
        yield AqfIntegrity(
            ts=None, path=_text(item.get("path")), listed_path=None, status="unlisted",
            expected_sha256=None, actual_sha256=_text(item.get("actual")),
            size=_size(item.get("size")), by_design=by_design, note=note, layout=layout,
        )  # fmt: skip
