"""Canonical JSON forms of records and detections, and reading records back.

``records/<TYPE>.jsonl`` holds one record a line: its fields (datetimes as ISO 8601 UTC, tuples as
lists), ``type``, and ``_provenance``. Reading a line back gives an equal record and provenance,
so an old result folder can be matched against new indicators without the acquisition.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from typing import IO, Any

import orjson

from tracehound.core.records import Provenance, Record, record_json

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


def json_line(data: dict[str, Any]) -> str:
    """One JSON object as a line of ``detections.jsonl`` (compact, UTF-8 kept), no newline."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def write_line(handle: IO[str], data: dict[str, Any]) -> None:
    """Write one JSON object as a line."""
    handle.write(json_line(data))
    handle.write("\n")
