"""Canonical JSON forms of records and detections, and reading records back.

``records/<TYPE>.jsonl`` holds one record a line: its fields (datetimes as ISO 8601 UTC, tuples as
lists), ``type``, and ``_provenance``. Reading a line back gives an equal record and provenance,
so an old result folder can be matched against new indicators without the acquisition.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from tracehound.core.records import Provenance, Record, field_names
from tracehound.core.registry import Finding
from tracehound.core.timeutil import iso
from tracehound.iocs.index import Match
from tracehound.iocs.stix import IocKind

#: Indicator kinds whose hits weigh most: they name code or accounts of the spyware itself.
#: Network indicators (domains, URLs, IPs) may be hit by a visit to a vendor page or a link
#: that was never opened, so they rank one step lower (see README, "Severities").
_HIGH_ONLY = {IocKind.DOMAIN, IocKind.URL, IocKind.IP}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def record_json(record: Record) -> dict[str, Any]:
    """The record's fields as a JSON-ready dict, with ``type`` first."""
    out: dict[str, Any] = {"type": record.TYPE}
    for name in field_names(type(record)):
        value = getattr(record, name)
        out[name] = value if value is None or type(value) in (str, int) else _plain(value)
    return out


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
#: Serialised provenance per Provenance object: the same for every record of one input file.
_PROV_CACHE: dict[Provenance, bytes] = {}
_TYPE_PREFIX: dict[str, bytes] = {}


def _body(record: Record) -> bytes:
    """The record's fields as a JSON object. orjson writes dataclass fields in order, datetimes
    as ``isoformat()`` does and tuples as lists, about ten times faster than ``json``; values it
    refuses (lone surrogates from a damaged plist, integers over 64 bits) take the slow path,
    with non-ASCII escaped so the line stays valid UTF-8."""
    try:
        return orjson.dumps(record)
    except (TypeError, orjson.JSONEncodeError):
        return _ENCODE_ASCII(record_json(record)).encode("ascii")


def record_line_bytes(record: Record, prov: Provenance) -> bytes:
    """One line of ``records/<TYPE>.jsonl`` (no newline): ``type``, the fields, ``_provenance``."""
    prov_json = _PROV_CACHE.get(prov)
    if prov_json is None:
        if len(_PROV_CACHE) > 10_000:
            _PROV_CACHE.clear()
        prov_json = _PROV_CACHE[prov] = orjson.dumps(prov.to_json())
    prefix = _TYPE_PREFIX.get(record.TYPE)
    if prefix is None:
        prefix = _TYPE_PREFIX[record.TYPE] = b'{"type":' + orjson.dumps(record.TYPE) + b","
    body = _body(record)
    if body.startswith(b'{"type":'):  # the slow path already holds ``type``
        return body[:-1] + b',"_provenance":' + prov_json + b"}"
    return prefix + body[1:-1] + b',"_provenance":' + prov_json + b"}"


def record_line(record: Record, prov: Provenance) -> str:
    """One line of ``records/<TYPE>.jsonl`` as text."""
    return record_line_bytes(record, prov).decode("utf-8")


_CONVERTERS: dict[type[Record], dict[str, str]] = {}


def _converters(cls: type[Record]) -> dict[str, str]:
    """Per field: "datetime", "tuple", "tuple_datetime" or "" (as is); cached per class."""
    if cls in _CONVERTERS:
        return _CONVERTERS[cls]
    hints = typing.get_type_hints(cls)
    out: dict[str, str] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is tuple:
            out[f.name] = "tuple_datetime" if args and args[0] is datetime else "tuple"
        elif hint is datetime or (origin in (typing.Union, types.UnionType) and datetime in args):
            out[f.name] = "datetime"
        else:
            out[f.name] = ""
    _CONVERTERS[cls] = out
    return out


def record_from_json(data: dict[str, Any], cls: type[Record]) -> tuple[Record, Provenance | None]:
    """Rebuild a record (and its provenance) from ``record_json`` output."""
    kwargs: dict[str, Any] = {}
    for name, conv in _converters(cls).items():
        value = data.get(name)
        if value is not None and conv == "datetime":
            value = datetime.fromisoformat(value)
        elif value is not None and conv == "tuple":
            value = tuple(value)
        elif value is not None and conv == "tuple_datetime":
            value = tuple(datetime.fromisoformat(v) for v in value)
        kwargs[name] = value
    prov_data = data.get("_provenance")
    prov = Provenance(**prov_data) if isinstance(prov_data, dict) else None
    return cls(**kwargs), prov


def read_records(path: Path, cls: type[Record]) -> Iterator[tuple[Record, Provenance | None]]:
    """Stream the records of one ``records/<TYPE>.jsonl`` file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield record_from_json(json.loads(line), cls)


def _evidence(record: Record, prov: Provenance) -> dict[str, Any]:
    out = {"source": prov.source, "path": prov.path, "sha256": prov.sha256, "row": record.row}
    if prov.wal_sha256 is not None:  # the row may have been read from the database's -wal
        out["wal_sha256"] = prov.wal_sha256
    return out


def _detection_id(*parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def indicator_severity(kind: IocKind) -> str:
    """Severity of an indicator hit, by what the indicator names."""
    return "high" if kind in _HIGH_ONLY else "critical"


def match_detection(match: Match, record: Record, prov: Provenance) -> dict[str, Any]:
    """The ``detections.jsonl`` object for an indicator match."""
    ind = match.indicator
    malware = ", ".join(ind.malware) or "unnamed malware"
    message = (
        f"{record.TYPE}: {match.field} {match.observed!r} matches a {malware} indicator "
        f"({ind.kind.value} {ind.raw!r}; {match.reason})"
    )
    return {
        "id": _detection_id(
            "indicator", ind.id, match.field, match.observed, prov.path, record.row
        ),
        "type": "indicator",
        "severity": indicator_severity(ind.kind),
        "artifact": record.TYPE,
        "ts": iso(record.ts),
        "message": message,
        "value": match.observed,
        "field": match.field,
        "indicator": {
            "kind": ind.kind.value,
            "value": ind.raw,
            "id": ind.id,
            "malware": list(ind.malware),
            "source": ind.source,
        },
        "reason": match.reason,
        "evidence": _evidence(record, prov),
        "record": record_json(record),
    }


def finding_detection(finding: Finding) -> dict[str, Any]:
    """The ``detections.jsonl`` object for a heuristic finding (with ``chain`` for a finding
    that describes a sequence of events)."""
    record, prov = finding.record, finding.prov
    out = {
        "id": _detection_id("heuristic", finding.detector, finding.message, prov.path, record.row),
        "type": "heuristic",
        "severity": finding.severity.value,
        "artifact": record.TYPE,
        "ts": iso(finding.ts),
        "message": finding.message,
        "value": finding.value,
        "detector": finding.detector,
        "evidence": _evidence(record, prov),
        "related": [_evidence(r, p) | {"artifact": r.TYPE} for r, p in finding.related],
        "record": record_json(record),
    }
    if finding.steps:
        out["chain"] = [
            {"ts": iso(ts), "artifact": artifact, "what": what}
            for ts, artifact, what in finding.steps
        ]
    return out


def write_line(handle: IO[str], data: dict[str, Any]) -> None:
    """Write one JSON object as a line."""
    handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    handle.write("\n")
