"""Record base class, semantic field types and provenance.

A record is one frozen, slotted dataclass per artifact. Fields that may match an indicator carry a
*semantic type* (``Url``, ``Domain``, ``ProcessName``...): an ``Annotated[str, Kind.X]`` alias, so
type checkers see a plain ``str`` while the indicator index reads the kind from the annotation.
Parsers therefore never contain matching code: the index walks the annotated fields of any record.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from tracehound.core.timeutil import iso_text


class Kind(StrEnum):
    """What an observed value is, for the indicator index."""

    URL = "url"
    DOMAIN = "domain"
    IP = "ip"
    EMAIL = "email"
    PROCESS = "process"
    APP_ID = "app_id"
    CERT_HASH = "cert_hash"
    FILE_HASH = "file_hash"
    DEVICE_PATH = "device_path"
    EXEC_PATH = "exec_path"
    FILE_NAME = "file_name"
    PROFILE_ID = "profile_id"
    PROP_NAME = "prop_name"


# Semantic field types. Use them in record annotations, alone, optional or in a tuple.
Url = Annotated[str, Kind.URL]
Domain = Annotated[str, Kind.DOMAIN]
IPAddr = Annotated[str, Kind.IP]
Email = Annotated[str, Kind.EMAIL]
ProcessName = Annotated[str, Kind.PROCESS]
AppId = Annotated[str, Kind.APP_ID]
CertHash = Annotated[str, Kind.CERT_HASH]
FileHash = Annotated[str, Kind.FILE_HASH]
Sha256 = FileHash
#: A path on the device (file path and file name indicators).
DevicePath = Annotated[str, Kind.DEVICE_PATH]
#: The path of an executable: path indicators, plus process indicators on its components.
ExecPath = Annotated[str, Kind.EXEC_PATH]
FileName = Annotated[str, Kind.FILE_NAME]
ProfileId = Annotated[str, Kind.PROFILE_ID]
PropName = Annotated[str, Kind.PROP_NAME]

#: Values allowed in record fields: everything round-trips through JSON.
Scalar = str | int | float | bool | datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a record came from. Added by the pipeline, never by a parser."""

    source: str  # acquisition kind, e.g. "ios_backup"
    path: str  # canonical device path of the input file
    sha256: str | None  # SHA-256 of the input file as read
    parser: str  # artifact name
    parser_version: str
    #: SHA-256 of the database's -wal when one was applied: its rows may come from the -wal.
    wal_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "path": self.path,
            "sha256": self.sha256,
            "parser": self.parser,
            "parser_version": self.parser_version,
        }
        if self.wal_sha256 is not None:
            out["wal_sha256"] = self.wal_sha256
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every record: ``ts`` first (aware UTC or None), ``row`` the source row id if any."""

    TYPE: ClassVar[str] = "record"
    TS_DESC: ClassVar[str] = "Time"
    #: Other datetime fields that deserve their own timeline row: (field name, description).
    EXTRA_TIMES: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: What a trace in this artifact means to the analyst (the report's "what this means");
    #: empty: the parser's one-line description is used.
    MEANING: ClassVar[str] = ""
    #: How much a network indicator (domain, URL, IP) hit here weighs: "received" (a link
    #: arrived or was stored, not proof it was opened), "loaded" (the page or resource was
    #: loaded), or "" (neither can be said).
    NETWORK_HIT: ClassVar[str] = ""
    #: Fields still shown in a redacted report for records outside any detection: enumerations
    #: that say what kind of event it was without saying who or what (every other field, and
    #: every field of an artifact that declares none, is hidden; booleans are always shown).
    PUBLIC_FIELDS: ClassVar[tuple[str, ...]] = ()

    ts: datetime | None
    row: int | None = None

    def describe(self) -> str:
        """One line for the timeline: the record's non-empty fields (``name=value``)."""
        names, getter = _describe_plan(type(self))
        parts: list[str] = []
        for name, value in zip(names, getter(self), strict=True):
            kind = type(value)
            if kind is str:
                if value:
                    parts.append(f"{name}={value}")
            elif value is None or value == ():
                continue
            elif kind is tuple:
                shown = ", ".join(str(v) for v in value[:5])
                parts.append(f"{name}={shown}{' ...' if len(value) > 5 else ''}")
            elif kind is datetime:
                parts.append(f"{name}={iso_text(value)}")
            else:
                parts.append(f"{name}={value}")
        return " ".join(parts)[:1000]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_text(value.astimezone(UTC))
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def record_json(record: Record) -> dict[str, Any]:
    """The record's canonical JSON form (``records/*.jsonl``, detections): ``type`` first, then
    its fields, datetimes as ISO 8601 UTC, tuples as lists."""
    out: dict[str, Any] = {"type": record.TYPE}
    for name in field_names(type(record)):
        value = getattr(record, name)
        out[name] = value if value is None or type(value) in (str, int) else _plain(value)
    return out


_DESCRIBE: dict[type[Record], tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}


def _describe_plan(
    cls: type[Record],
) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The fields ``describe`` shows (all but ``ts`` and ``row``) and one getter for all of
    them (``operator.attrgetter`` reads every field in one C call), cached per class."""
    plan = _DESCRIBE.get(cls)
    if plan is None:
        names = field_names(cls)[2:]
        if len(names) == 1:
            one = operator.attrgetter(names[0])
            plan = (names, lambda obj: (one(obj),))
        elif names:
            plan = (names, operator.attrgetter(*names))
        else:
            plan = (names, lambda obj: ())
        _DESCRIBE[cls] = plan
    return plan


_FIELD_NAMES: dict[type[Record], tuple[str, ...]] = {}


def field_names(cls: type[Record]) -> tuple[str, ...]:
    """The dataclass field names of ``cls`` in order (``ts``, ``row`` first), cached."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_SEMANTIC: dict[type[Record], tuple[tuple[str, Kind, bool], ...]] = {}


def semantic_fields(cls: type[Record]) -> tuple[tuple[str, Kind, bool], ...]:
    """The (field name, kind, is_tuple) of every semantically typed field of ``cls`` (cached)."""
    cached = _SEMANTIC.get(cls)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls, include_extras=True)
    out: list[tuple[str, Kind, bool]] = []
    for f in dataclasses.fields(cls):
        found = _kind_of(hints.get(f.name))
        if found is not None:
            out.append((f.name, found[0], found[1]))
    _SEMANTIC[cls] = tuple(out)
    return _SEMANTIC[cls]


def _kind_of(hint: Any) -> tuple[Kind, bool] | None:
    """Find a Kind in ``hint``: X, X | None, tuple[X, ...]."""
    if hint is None:
        return None
    if typing.get_origin(hint) is Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, Kind):
                return meta, False
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple and args:
        inner = _kind_of(args[0])
        return (inner[0], True) if inner else None
    for arg in args:  # Union / Optional
        inner = _kind_of(arg)
        if inner:
            return inner
    return None


def semantic_values(record: Record) -> typing.Iterator[tuple[str, Kind, str]]:
    """Yield (field name, kind, value) for every non-empty semantic value of ``record``."""
    for name, kind, is_tuple in semantic_fields(type(record)):
        value = getattr(record, name)
        if not value:
            continue
        if is_tuple:
            for item in value:
                if item:
                    yield name, kind, item
        else:
            yield name, kind, value
