"""Small helpers shared by the androidqf parsers (no artifact is registered here).

Facts: androidqf writes its JSON files with Go's ``json.MarshalIndent`` (``modules/modules.go``,
``saveCommandOutputJson``); a nil Go slice is written as ``null``, so ``null`` means "no items".
Some files are JSON lines (collector output); one JSON line decodes to a single object.
"""

from __future__ import annotations

from typing import Any

from tracehound.core.errors import InputError, SchemaMismatch

#: How much of a text file is checked for NUL bytes (command output never holds any).
BINARY_PROBE = 4096


def json_items(data: Any, what: str) -> list[Any]:
    """The items of an androidqf JSON list file: a list, ``null`` (none) or one object."""
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise SchemaMismatch(f"{what}: top level is {type(data).__name__}, not a list")


def check_text(text: str, what: str) -> None:
    """Refuse binary data given as command output (a corrupt or misnamed file)."""
    if "\x00" in text[:BINARY_PROBE]:
        raise InputError(f"{what} holds binary data (NUL bytes), not command output")


def text_or_none(value: Any) -> str | None:
    """A non-empty string, else None (androidqf writes "" for unknown values)."""
    return value if isinstance(value, str) and value != "" else None


def int_or_none(value: Any) -> int | None:
    """An integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def bool_or_none(value: Any) -> bool | None:
    """A JSON boolean, else None."""
    return value if isinstance(value, bool) else None
