"""``sightings.stix2``: a STIX 2.1 bundle of ``sighting`` objects for the matched indicators.

One sighting per indicator that matched (``sighting_of_ref`` = the indicator's STIX id, as the
detection carries it), with ``first_seen``/``last_seen`` (times of the traces), ``count`` (number
of detections) and ``created_by_ref`` = an ``identity`` for tracehound, so the hits can be shared
back to a threat-intelligence platform (OASIS, "STIX Version 2.1", sections 3.2 identifiers,
4.14 identity, 5.2 sighting). STIX 2.1 asks for UUIDv4 ids on these objects (stix2-validator
warns on others), so ids are in UUIDv4 form but derived from a SHA-256 of the run's start time
and the indicator id: re-rendering a results folder gives the same bundle. The bundle names no
person, device or observed value: only indicators, counts, times and artifact names.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.reports.derived import as_dict, iter_jsonl, load_run, register
from tracehound.store.results import write_private

SIGHTINGS_NAME = "sightings.stix2"


def stable_uuid(key: str) -> uuid.UUID:
    """A UUID of version 4 form whose bits come from SHA-256 of ``key`` (deterministic)."""
    return uuid.UUID(bytes=hashlib.sha256(f"tracehound|{key}".encode()).digest()[:16], version=4)


IDENTITY_ID = f"identity--{stable_uuid('identity')}"
#: Creation time of the tracehound identity object (fixed, so the object never changes).
IDENTITY_CREATED = "2024-01-01T00:00:00.000Z"
_STIX_ID = re.compile(
    r"^indicator--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
_MAX_COUNT = 999_999_999  # STIX 2.1: count is an integer from 0 to 999,999,999


@dataclass
class _Seen:
    """What the detections say about one indicator."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    artifacts: dict[str, None] = field(default_factory=dict)  # ordered set
    malware: dict[str, None] = field(default_factory=dict)


@dataclass
class SightingSummary:
    """The bundle and what was left out."""

    bundle: dict[str, Any]
    sightings: int
    invalid_ids: list[str]  # indicator ids that are not STIX 2.1 identifiers (no sighting)


def stix_time(value: datetime) -> str:
    """A STIX 2.1 timestamp: UTC, ``Z``, millisecond precision."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_time(value: Any) -> datetime | None:
    """An ISO time of a results folder (detections, run.json) as aware UTC; None if it is not
    one (the folder is untrusted input)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _collect(folder: Path) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = {}
    for det in iter_jsonl(folder / "detections.jsonl"):
        ind = as_dict(det.get("indicator"))
        if det.get("type") != "indicator" or not ind:
            continue
        oid = ind.get("id")
        if not isinstance(oid, str) or not oid:
            continue
        item = seen.setdefault(oid, _Seen())
        item.count += 1
        ts = parse_time(det.get("ts"))
        if ts is not None:
            item.first = ts if item.first is None else min(item.first, ts)
            item.last = ts if item.last is None else max(item.last, ts)
        if isinstance(det.get("artifact"), str):
            item.artifacts.setdefault(det["artifact"], None)
        for name in ind.get("malware") or ():
            if isinstance(name, str):
                item.malware.setdefault(name, None)
    return seen


def build_sightings(folder: Path) -> SightingSummary:
    """The STIX 2.1 bundle of sightings for the results folder ``folder``."""
    run = load_run(folder)
    tool = as_dict(run.get("tool"))
    version = str(tool.get("version", "?"))
    created = parse_time(run.get("finished")) or parse_time(run.get("started"))
    created_text = stix_time(created or datetime(1970, 1, 1, tzinfo=UTC))
    run_key = str(run.get("started", ""))
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": IDENTITY_CREATED,
        "modified": IDENTITY_CREATED,
        "name": "tracehound",
        "description": "Offline finder of mercenary spyware traces in phone acquisitions.",
        "identity_class": "system",
    }
    objects: list[dict[str, Any]] = [identity]
    invalid: list[str] = []
    for oid, item in sorted(_collect(folder).items()):
        if not _STIX_ID.match(oid):
            invalid.append(oid)
            continue
        sighting: dict[str, Any] = {
            "type": "sighting",
            "spec_version": "2.1",
            "id": f"sighting--{stable_uuid(f'sighting|{run_key}|{oid}')}",
            "created": created_text,
            "modified": created_text,
            "created_by_ref": IDENTITY_ID,
            "sighting_of_ref": oid,
            "count": min(item.count, _MAX_COUNT),
            "description": (
                f"tracehound {version} matched this indicator {item.count} time(s) in "
                f"{', '.join(item.artifacts) or 'an unnamed artifact'}"
                + (f" (malware: {', '.join(item.malware)})" if item.malware else "")
                + "."
            ),
        }
        if item.first is not None and item.last is not None:
            sighting["first_seen"] = stix_time(item.first)
            sighting["last_seen"] = stix_time(item.last)
        objects.append(sighting)
    bundle = {
        "type": "bundle",
        "id": f"bundle--{stable_uuid(f'bundle|{run_key}')}",
        "objects": objects,
    }
    return SightingSummary(bundle, len(objects) - 1, invalid)


@register
def write_sightings(folder: Path) -> Path:
    """Write ``sightings.stix2`` into the results folder; return its path."""
    summary = build_sightings(folder)
    path = folder / SIGHTINGS_NAME
    text = json.dumps(summary.bundle, indent=2, ensure_ascii=False) + "\n"
    write_private(path, text.encode("utf-8"))
    return path
