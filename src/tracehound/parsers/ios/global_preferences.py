"""Global preferences of the mobile user (.GlobalPreferences.plist), one record per key.

Facts: MVT ``GlobalPreferences`` (backup HomeDomain, id 0dc926a1...; filesystem path below) keeps
every top-level key and value; ``LDMGlobalEnabled`` tells whether Lockdown Mode is on. Values
are kept as text: strings as they are, dates in ISO 8601 UTC, data in hex, other values as
Python literals, all cut to 500 characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc

MAX_VALUE = 500

_TYPES = {bool: "bool", int: "int", float: "float", str: "str", bytes: "data", list: "array"}
_TYPES[dict] = "dict"


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalPreference(Record):
    """One top-level key of the global preferences and its value as text (no time: ``ts`` None)."""

    TYPE = "ios.global_preferences"
    MEANING = "A system-wide preference of the phone."
    PUBLIC_FIELDS = ("value_type",)
    TS_DESC = "No time (preference value)"

    key: str
    value: str
    value_type: str  # str, bool, int, float, date, data, array, dict


def _text(value: Any) -> tuple[str, str]:
    if isinstance(value, datetime):
        stamp = as_utc(value)
        return (stamp.isoformat() if stamp else ""), "date"
    kind = _TYPES.get(type(value))
    if kind == "str":
        return value[:MAX_VALUE], kind
    if kind == "data":
        return value.hex()[:MAX_VALUE], kind
    return repr(value)[:MAX_VALUE], kind or type(value).__name__


@artifact(
    record=GlobalPreference,
    input="plist",
    paths=("/private/var/mobile/Library/Preferences/.GlobalPreferences.plist",),
)
def parse(data: Any, ctx: ParseContext) -> Iterator[GlobalPreference]:
    """Global preferences, one per key: language, locale, Lockdown Mode (LDMGlobalEnabled)..."""
    if not isinstance(data, dict):
        raise SchemaMismatch(f"top level is {type(data).__name__}, not a dictionary")
    for key, value in data.items():
        text, kind = _text(value)
        yield GlobalPreference(ts=None, key=str(key), value=text, value_type=kind)
