"""Check an androidqf acquisition's ``hashes.csv`` against its files.

androidqf's hash list has two CSV fields per row, a path and its lowercase SHA-256, no header
(Go ``encoding/csv``). Two layouts exist (mvt-project/androidqf):

- archives (``acquisition/streaming_zip.go``, ``CreateHashList``; ``docs/acquisition-archives.md``):
  the ZIP entry name and the SHA-256 of the plaintext entry, for every entry written before the
  list; there is no row for ``hashes.csv`` itself;
- acquisition folders of older versions (``acquisition/acquisition.go``, ``HashFiles``): a
  ``filepath.Walk`` over the storage folder *on the analyst's computer*, so each row holds that
  host path (``<storage_path>/<file>``), including a row for ``hashes.csv`` (hashed while it was
  being written); ``acquisition.json`` is written afterwards (``StoreInfo``) and ``command.log``
  keeps growing after the walk, so these two cannot match.

The result is a JSON document that the source exposes as ``androidqf:(hashes verified).json``;
the ``android.aqf_integrity`` parser turns it into records and ``acquisition_integrity`` flags
the differences. Parsers stay pure: only this module touches the files.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import Any

from tracehound.core.errors import InputError
from tracehound.sources.android_container import Tree

HASH_LIST = "hashes.csv"
MAX_LIST_BYTES = 512 * 1024 * 1024
_DRIVE = re.compile(r"[A-Za-z]:/")


def _norm(path: str) -> str:
    return path.replace("\\", "/").rstrip("/")


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(_DRIVE.match(path))


def read_rows(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows with ``line``, ``listed`` and ``expected``; lines that are not two CSV fields)."""
    rows: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or fields == [""]:
                continue
            if len(fields) != 2:
                bad.append({"line": line, "text": ",".join(fields)[:300]})
                continue
            rows.append({"line": line, "listed": fields[0], "expected": fields[1].strip()})
    except csv.Error as exc:
        bad.append({"line": reader.line_num, "text": f"unreadable CSV: {exc}"})
    return rows, bad


def _storage_prefix(listed: list[str], storage_path: str | None) -> str | None:
    """The host folder that legacy rows start with, if the rows are host paths."""
    if storage_path:
        prefix = _norm(storage_path)
        if prefix and any(p.startswith(prefix + "/") for p in listed):
            return prefix
    selves = [p for p in listed if p.endswith("/" + HASH_LIST)]
    if selves:
        return selves[0][: -len(HASH_LIST) - 1]
    return None


def _suffix_match(path: str, files: dict[str, int | None]) -> str | None:
    """The longest trailing part of ``path`` that names a file of the acquisition."""
    parts = path.split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in files:
            return candidate
    return None


def map_rows(
    rows: list[dict[str, Any]], files: dict[str, int | None], storage_path: str | None
) -> tuple[str, str | None]:
    """Set each row's ``path`` (relative, or None); return (layout, host prefix removed)."""
    listed = [_norm(r["listed"]) for r in rows]
    prefix = _storage_prefix(listed, storage_path)
    if prefix is None and any(_is_absolute(p) for p in listed):
        # No storage path and no self row: take the host folder most rows share.
        hits: Counter[str] = Counter()
        for path in listed:
            rel = _suffix_match(path, files)
            if rel is not None:
                hits[path[: -len(rel) - 1]] += 1
        prefix = hits.most_common(1)[0][0] if hits else None
    layout = (
        "host_paths"
        if prefix is not None or any(_is_absolute(p) for p in listed)
        else ("entry_names")
    )
    for row, path in zip(rows, listed, strict=True):
        if prefix is not None and path.startswith(prefix + "/"):
            row["path"] = path[len(prefix) + 1 :]
        elif not _is_absolute(path):
            row["path"] = path.removeprefix("./")
        else:
            row["path"] = _suffix_match(path, files)
    return layout, prefix


def verify(tree: Tree, storage_path: str | None, container: str) -> dict[str, Any]:
    """The verification document: each row with expected and recomputed SHA-256."""
    doc: dict[str, Any] = {
        "hash_list": HASH_LIST in tree.files,
        "container": container,
        "layout": None,
        "storage_path": None,
        "rows": [],
        "unlisted": [],
        "bad_lines": [],
    }
    if not doc["hash_list"]:
        return doc
    with tree.open(HASH_LIST) as handle:
        raw = handle.read(MAX_LIST_BYTES + 1)
    if len(raw) > MAX_LIST_BYTES:
        raise InputError(f"{HASH_LIST}: over {MAX_LIST_BYTES} bytes; not checked")
    rows, bad = read_rows(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
    layout, prefix = map_rows(rows, tree.files, storage_path)
    doc.update(layout=layout, storage_path=prefix, bad_lines=bad)
    digests: dict[str, tuple[str | None, str | None]] = {}
    listed_paths: set[str] = set()
    for row in rows:
        rel = row["path"]
        row.update(actual=None, size=None, error=None)
        if rel is None or rel not in tree.files:
            continue
        listed_paths.add(rel)
        row["size"] = tree.files[rel]
        if rel not in digests:
            digests[rel] = _digest(tree, rel)
        row["actual"], row["error"] = digests[rel]
    doc["rows"] = rows
    for rel in sorted(set(tree.files) - listed_paths):
        actual, error = _digest(tree, rel)
        doc["unlisted"].append(
            {"path": rel, "actual": actual, "size": tree.files[rel], "error": error}
        )
    return doc


def _digest(tree: Tree, rel: str) -> tuple[str | None, str | None]:
    try:
        return tree.sha256(rel), None
    except (InputError, OSError) as exc:
        return None, str(exc)
