"""Build any record with only the fields a test cares about (the others empty, typed)."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from tracehound.core.records import Provenance, Record

T0 = datetime(2021, 7, 12, 9, 14, 3, tzinfo=UTC)
R = TypeVar("R", bound=Record)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _empty(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _empty(typing.get_args(hint)[0])
    if origin is tuple:
        return ()
    args = typing.get_args(hint)
    if type(None) in args:
        return None
    if hint is bool:
        return False
    if hint is int:
        return 0
    if hint is str:
        return ""
    return None


def make(cls: type[R], **values: Any) -> R:
    """A ``cls`` record: ``values`` as given, every other field empty for its type."""
    hints = typing.get_type_hints(cls, include_extras=True)
    kwargs = dict(values)
    for f in dataclasses.fields(cls):
        if f.name not in kwargs:
            kwargs[f.name] = _empty(hints[f.name])
    return cls(**kwargs)


def prov(parser: str, path: str = "/x") -> Provenance:
    return Provenance(source="test", path=path, sha256=None, parser=parser, parser_version="1")
