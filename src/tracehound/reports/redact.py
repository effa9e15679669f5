"""``--redact``: what a redacted report hides.

A redacted report can go to people who must not see the victim's private life: for records not
involved in a detection, message bodies, contacts, web history and other personal content are
left out (only booleans and a few enumerations saying what kind of event it was remain), app
container ids and package folders in paths become ``[app]``, and only non-identifying
acquisition facts are shown.

The report's windows come from timeline.csv, whose ``message`` holds every field of a record; a
redacted row's summary is made from the record itself instead, looked up in records/ for the
few rows shown (``find_records``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.core.records import Record
from tracehound.core.registry import record_types
from tracehound.reports.derived import as_dict, as_str
from tracehound.reports.derived import cut as _text
from tracehound.reports.detections import MessageKey, TimelineKey, timeline_keys
from tracehound.store.records import record_files, records_at

REDACTED = "[redacted]"
#: The summary of a redacted row whose record is not in records/ (nothing of it is shown).
NOT_FOUND = "[fields redacted]"

#: Path segments that name an app (container ids, package folders): hidden when redacting.
_APP_SEGMENT = re.compile(
    r"(/Containers/(?:Data|Shared)/(?:Application|AppGroup|PluginKitPlugin|System|SystemGroup)/"
    r"|/containers/(?:Data|Shared)/(?:System|SystemGroup)/|/data/data/|/data/user/\d+/"
    r"|/data/user_de/\d+/|ab:apps/)[^/]+"
)
#: Acquisition facts shown in a redacted report (the others may identify the person).
_ACQ_SAFE = frozenset(
    [
        "kind",
        "platform",
        "product_type",
        "os_version",
        "os_build",
        "backup_date",
        "encrypted",
        "full_backup",
        "backup_version",
        "timezone",
        "timezone_source",
    ]
)


def redact_path(path: str) -> str:
    """``path`` with app container ids and package folders replaced by ``[app]``."""
    return _APP_SEGMENT.sub(lambda m: m.group(1) + "[app]", path)


def record_summary(rec: dict[str, Any], redact: bool, limit: int) -> str:
    """The record's fields as ``name=value`` text; with ``redact``, only what is not personal."""
    parts: list[str] = []
    hidden = 0
    cls = record_types().get(str(rec.get("type"))) if redact else None
    public = cls.PUBLIC_FIELDS if cls is not None else ()
    for name, value in rec.items():
        if name in ("type", "ts", "row", "_provenance") or value in (None, "", []):
            continue
        if redact and not (isinstance(value, bool) or name in public):
            hidden += 1
            continue
        parts.append(f"{name}={_text(value, 200)}")
        if sum(len(p) for p in parts) > limit:
            break
    if hidden:
        parts.append(f"[{hidden} fields redacted]")
    return _text(" ".join(parts), limit)


#: A quoted ISO 8601 time in a line of records/ (which lines are worth decoding).
_JSON_TIME = re.compile(rb'"([0-9]{4}-[0-9]{2}-[0-9]{2}T[^"\\]{1,60})"')
#: Artifact names (record TYPEs) that can name a file of records/.
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}")


def _record_lines(path: Path, artifact: str, times: set[bytes], ts_only: bool) -> Iterator[bytes]:
    """The lines of a file of records/ that hold one of the quoted ISO ``times``.

    With ``ts_only`` (the times are all ``ts`` values), a line as the check writes it (type
    first, then ts) is looked up by a slice of its start, a step that costs less than reading
    the line; any other line is searched for quoted times."""
    start = b'{"type":' + json.dumps(artifact).encode() + b',"ts":"'
    at = len(start)
    seconds = {t[:19] for t in times}  # YYYY-MM-DDTHH:MM:SS
    with path.open("rb") as handle:
        for line in handle:
            if ts_only and line.startswith(start) and line[at : at + 19] not in seconds:
                continue
            if not times.isdisjoint(_JSON_TIME.findall(line)):
                yield line


def _candidates(
    path: Path,
    artifact: str,
    cls: type[Record] | None,
    times: set[bytes],
    ts_only: bool,
    errors: list[int],
) -> Iterator[dict[str, Any]]:
    """The records of one file of records/ that may be behind rows at ``times``: lines of
    JSON lines found by a byte scan, rows of Parquet whose times are among ``times``."""
    if path.suffix == ".jsonl":
        for line in _record_lines(path, artifact, times, ts_only):
            try:
                rec = json.loads(line.decode("utf-8", "replace"))
            except ValueError:
                rec = None
            if isinstance(rec, dict):
                yield rec
            else:
                errors[0] += 1
        return
    if cls is None:  # a Parquet file needs its declaration to be read
        errors[0] += 1
        return
    wanted: set[datetime] = set()
    for raw in times:
        try:
            when = datetime.fromisoformat(raw.decode("utf-8", "replace"))
        except ValueError:
            continue
        wanted.add(when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC))
    if wanted:
        yield from records_at(path, cls, wanted, errors)


def find_records(
    folder: Path,
    artifact: str,
    wanted: set[MessageKey],
    times: set[bytes],
    errors: list[int],
    ts_only: bool = False,
) -> dict[MessageKey, dict[str, Any]]:
    """The records of ``records/<artifact>.jsonl`` behind the timeline rows ``wanted``.

    Only lines that hold one of the ISO times ``times`` (the rows' times as the timeline and
    records/ write them; with ``ts_only``, all ``ts`` values) are decoded, and reading stops
    once every row is found, so this costs a fraction of decoding the file. Lines that cannot
    be decoded count in ``errors[0]``. A record whose type is unknown here matches on time,
    path and row alone."""
    found: dict[MessageKey, dict[str, Any]] = {}
    if not wanted or not _ARTIFACT_NAME.fullmatch(artifact):
        return found
    path = record_files(folder / "records").get(artifact)
    if path is None:
        return found
    cls = record_types().get(artifact)
    loose: dict[TimelineKey, list[MessageKey]] = {}
    for want in wanted:
        loose.setdefault(want[:4], []).append(want)
    for rec in _candidates(path, artifact, cls, times, ts_only, errors):
        prov_path = as_str(as_dict(rec.get("_provenance")).get("path"))
        keys, message = timeline_keys(artifact, prov_path, rec, cls)
        for key in keys:
            full: MessageKey = (*key, message)
            if full in wanted:
                found.setdefault(full, rec)
            elif message is None:
                for hit in loose.get(key, ()):
                    found.setdefault(hit, rec)
        if len(found) == len(wanted):
            break
    return found


def acquisition_fact(key: str, value: Any, redact: bool, limit: int) -> str:
    """The shown value of one acquisition fact: ``[redacted]`` if it may identify the person."""
    if redact and key not in _ACQ_SAFE:
        return REDACTED
    return _text(value, limit)


def indicator_path(path: str, redact: bool) -> str:
    """An indicator file's path; when redacting, only its name (bundled files in full)."""
    if redact and not path.startswith("bundled:"):
        return path.replace("\\", "/").rsplit("/", 1)[-1]
    return path
