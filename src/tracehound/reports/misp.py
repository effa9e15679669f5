"""A results folder's indicator hits as a MISP event (``tracehound export misp``).

The format is the MISP core format (MISP/misp-rfc, ``misp-core-format/raw.md``, draft 20): one
JSON object ``{"Event": {...}}``; every number is a JSON string (``threat_level_id``,
``analysis``, ``distribution``, ``timestamp`` in Unix seconds); an attribute is a category,
type and value triplet with ``to_ids``, ``uuid``, ``comment``, ``first_seen``/``last_seen``
(ISO 8601 up to the microsecond, with the zone) and ``Sighting``, a list with one element per
"singular instance of a sighting" (``type`` "0": seen; ``date_sighting`` in Unix seconds;
``source``). Types and their categories follow PyMISP's ``pymisp/data/describeTypes.json``
(``sane_defaults``, ``category_type_mappings``); a test checks each pair against that file and
the event against the JSON schemas of PyMISP and of the RFC.

The event is meant to be shared with a MISP community, so it holds indicator values and times
only: one attribute per distinct indicator (its value as the indicator file writes it, never the
device's text: an SMS whose link hit the domain gives the domain, not the message, the URL or its
query), the artifacts, fields and rules that hit, the malware names, and the hits' times. Not
the device's name, the case's label, a phone number, the matched record, nor a heuristic
finding (not an indicator value: counted on stderr). ``distribution`` is "0" (your
organisation only): the export says who was checked for which spyware, so widening it is the
analyst's decision after review, in MISP, not this tool's default.

Uuids are UUID version 5 (RFC 4122, section 4.3) under a fixed tracehound namespace: the event's
from the case (the case store's acquisition SHA-256, else the SHA-256 of the run's input hashes),
each attribute's from the event and its type and value, each sighting's from the event and the
detection's stable id. Exporting the same folder again, or the case after a new check, gives
the same uuids, which MISP requires of an update of the same event (RFC: "The uuid MUST be
preserved for any updates or transfer of the same event").
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

from tracehound.reports.derived import as_dict, as_list, iter_jsonl, load_run
from tracehound.reports.sightings import parse_time

#: The namespace of every uuid this export makes (a fixed UUIDv5 of a tracehound URN).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tracehound:misp")

#: indicator kind -> (MISP type, category, to_ids). Categories and to_ids are PyMISP's
#: ``sane_defaults`` but where the device says better: files and processes were found on the
#: phone ("Artifacts dropped"), app ids and signing certificates belong to installed apps
#: ("Payload installation"). Process names, profile ids and Android properties are not
#: actionable for an IDS (short, generic strings), so to_ids is false for them.
_KINDS: dict[str, tuple[str, str, bool]] = {
    "domain": ("domain", "Network activity", True),
    "url": ("url", "Network activity", True),
    "ip": ("ip-dst", "Network activity", True),
    "email": ("email-src", "Payload delivery", True),
    "process": ("filename", "Artifacts dropped", False),
    "file_name": ("filename", "Artifacts dropped", True),
    "file_path": ("filename", "Artifacts dropped", True),
    "app_id": ("mobile-application-id", "Payload installation", True),
    "profile_id": ("text", "Payload installation", False),
    "android_property": ("text", "Artifacts dropped", False),
}
#: Hex digest length -> MISP hash type, for file hashes and certificate fingerprints.
_FILE_HASHES = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_CERT_HASHES = {
    32: "x509-fingerprint-md5",
    40: "x509-fingerprint-sha1",
    64: "x509-fingerprint-sha256",
}
#: Highest severity of the hits -> threat_level_id (RFC: 1 High, 2 Medium, 3 Low, 4 Undefined).
_THREAT = {"critical": "1", "high": "1", "medium": "2", "low": "3"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
#: A hit on a record without a time is still a sighting; MISP needs a date, so it gets the
#: check's time, and its source says so.
_TIMELESS = "tracehound (record without a time: time of the check)"
_LAST = datetime.max.replace(tzinfo=UTC)  # timeless hits sort last
_PLATFORMS = {"ios": "an iOS", "android": "an Android"}
_INFO_MAX = 256  # RFC: info SHOULD NOT be bigger than 256 characters nor hold new-lines


@dataclass
class _Attr:
    """One distinct indicator value and its hits."""

    kind: str
    value: str
    hits: list[tuple[str, datetime | None]] = field(default_factory=list)  # (detection id, ts)
    where: dict[str, None] = field(default_factory=dict)  # "artifact field (rule)", ordered
    malware: dict[str, None] = field(default_factory=dict)
    level: str = "4"  # threat_level_id of its most severe hit


@dataclass
class MispExport:
    """The event and what was left out of it."""

    event: dict[str, Any]
    hits: int
    heuristics: int  # heuristic detections (not indicator values), not exported
    bad_lines: int  # lines of detections.jsonl that are not JSON objects
    unusable: int  # indicator detections without an indicator kind and value


def misp_type(kind: str, value: str) -> tuple[str, str, bool]:
    """The MISP (type, category, to_ids) of an indicator of ``kind`` with ``value``."""
    if kind == "file_hash":
        return _FILE_HASHES.get(len(value), "text"), "Payload delivery", len(value) in _FILE_HASHES
    if kind == "cert_hash":
        digest = value.replace(":", "")
        known = len(digest) in _CERT_HASHES
        return _CERT_HASHES.get(len(digest), "text"), "Payload installation", known
    return _KINDS.get(kind, ("text", "Other", False))


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _seconds(value: datetime) -> str:
    return str(int(value.timestamp()))


def case_key(folder: Path, run: dict[str, Any]) -> str:
    """What names the case: the acquisition SHA-256 of the case store's ``case.json`` beside
    the results folder, else the SHA-256 of the run's sorted input hashes (the same acquisition
    gives the same inputs wherever it lies), else the run's start time."""
    case_file = folder.parent / "case.json"
    if case_file.is_file():
        try:
            case = json.loads(case_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            case = None
        sha = as_dict(case).get("sha256")
        if isinstance(sha, str) and sha:
            return f"acquisition:{sha}"
    hashes = sorted(
        str(item.get("sha256"))
        for item in map(as_dict, as_list(run.get("inputs")))
        if isinstance(item.get("sha256"), str)
    )
    if hashes:
        return "inputs:" + hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    return f"run:{run.get('started', '')}"


def _collect(folder: Path) -> tuple[dict[tuple[str, str], _Attr], MispExport]:
    attrs: dict[tuple[str, str], _Attr] = {}
    summary = MispExport({}, 0, 0, 0, 0)
    errors = [0]
    for det in iter_jsonl(folder / "detections.jsonl", errors):
        if det.get("type") != "indicator":
            summary.heuristics += 1
            continue
        ind = as_dict(det.get("indicator"))
        kind, value = ind.get("kind"), ind.get("value")
        if not isinstance(kind, str) or not isinstance(value, str) or not value:
            summary.unusable += 1
            continue
        mtype, _, _ = misp_type(kind, value)
        attr = attrs.setdefault((mtype, value), _Attr(kind, value))
        # A detection id names the sighting; one without (not ours) gets its place instead,
        # so two sightings never share a uuid.
        det_id = det.get("id")
        attr.hits.append(
            (
                det_id if isinstance(det_id, str) and det_id else f"#{summary.hits}",
                parse_time(det.get("ts")),
            )
        )
        where = " ".join(str(det[k]) for k in ("artifact", "field") if det.get(k))
        attr.where.setdefault(
            _one_line(f"{where or 'an artifact'} ({det.get('rule') or 'match'})"), None
        )
        for name in as_list(ind.get("malware")):
            if isinstance(name, str) and _one_line(name):
                attr.malware.setdefault(_one_line(name).replace('"', "'"), None)
        attr.level = min(attr.level, _THREAT.get(str(det.get("severity")), "4"))
        summary.hits += 1
    summary.bad_lines = errors[0]
    return attrs, summary


def _tags(names: list[str]) -> list[dict[str, Any]]:
    # A machine tag (namespace:predicate="value", the form of MISP taxonomies) in tracehound's
    # own namespace: the name is the indicator file's, not a MISP galaxy's.
    return [{"name": f'tracehound:malware="{name}"', "exportable": True} for name in names]


def _attribute(attr: _Attr, mtype: str, event_uuid: uuid.UUID, stamp: str) -> dict[str, Any]:
    _, category, to_ids = misp_type(attr.kind, attr.value)
    times = sorted(ts for _, ts in attr.hits if ts is not None)
    sightings = []
    for det_id, ts in sorted(attr.hits, key=lambda hit: (hit[1] or _LAST, hit[0])):
        sightings.append(
            {
                "uuid": str(uuid.uuid5(event_uuid, f"sighting|{det_id}")),
                "type": "0",
                "date_sighting": _seconds(ts) if ts is not None else stamp,
                "source": "tracehound" if ts is not None else _TIMELESS,
            }
        )
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid5(event_uuid, f"attribute|{mtype}|{attr.value}")),
        "type": mtype,
        "category": category,
        "to_ids": to_ids,
        "value": attr.value,
        "comment": _one_line(
            f"{attr.kind} indicator hit {len(attr.hits)} time(s) by tracehound in "
            + ", ".join(attr.where)
        ),
        "distribution": "5",  # inherit the event's
        "sharing_group_id": "0",
        "timestamp": stamp,
        "deleted": False,
        "disable_correlation": False,
        "Tag": _tags(list(attr.malware)),
        "Sighting": sightings,
    }
    if times:
        out["first_seen"] = times[0].isoformat(timespec="microseconds")
        out["last_seen"] = times[-1].isoformat(timespec="microseconds")
    return out


def build_misp_event(folder: Path) -> MispExport:
    """The MISP event of the results folder ``folder`` (NotAResultsFolder if it is not one)."""
    run = load_run(folder)
    attrs, summary = _collect(folder)
    event_uuid = uuid.uuid5(NAMESPACE, case_key(folder, run))
    checked = parse_time(run.get("finished")) or parse_time(run.get("started"))
    checked = checked or datetime(1970, 1, 1, tzinfo=UTC)
    stamp = _seconds(checked)
    ordered = sorted(attrs.items(), key=lambda item: (item[0][0], item[0][1]))
    attributes = [_attribute(attr, mtype, event_uuid, stamp) for (mtype, _), attr in ordered]
    malware = sorted({name for attr in attrs.values() for name in attr.malware})
    times = [ts for attr in attrs.values() for _, ts in attr.hits if ts is not None]
    levels = [attr.level for attr in attrs.values()]
    platform = _PLATFORMS.get(str(as_dict(run.get("acquisition")).get("platform")), "a phone")
    info = (
        f"tracehound: {len(attributes)} indicator(s) of "
        + (", ".join(malware) if malware else "no known malware")
        + f" found in {platform} acquisition"
    )
    summary.event = {
        "Event": {
            "uuid": str(event_uuid),
            "info": _one_line(info)[:_INFO_MAX],
            "date": (min(times) if times else checked).date().isoformat(),
            "threat_level_id": min(levels, default="4"),
            "analysis": "0",  # initial: an automated result that no analyst has reviewed yet
            "distribution": "0",  # your organisation only (see the module docstring)
            "sharing_group_id": "0",
            "published": False,
            "publish_timestamp": "0",
            "timestamp": stamp,
            "attribute_count": str(len(attributes)),
            "Tag": _tags(malware),
            "Attribute": attributes,
        }
    }
    return summary
