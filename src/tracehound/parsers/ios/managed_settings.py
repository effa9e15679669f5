"""Effective management settings (restrictions) of the phone, from a sysdiagnose.

Facts: the EC-DIGIT-CSIRC sysdiagnose ``summary`` analyser reads
``logs/MCState/User/EffectiveUserSettings.plist`` and reports the Lockdown Mode entry as
``restrictedBool → allowLockdownMode → value``. Apple's Device Management "Restrictions"
payload documents the keys: ``allowLockdownMode`` false means "the system prevents the user
from enabling Lockdown Mode" (iOS 17 and later), so the entry says whether Lockdown Mode *may*
be turned on, not whether it is on. The plist groups entries as ``restrictedBool`` (booleans)
and ``restrictedValue`` (numbers), each key holding a ``value``; other groups (e.g.
``intersection``, ``union``: lists) are kept with their values as text. One record per key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact

MAX_VALUE = 500
PATHS = ("sysdiagnose:logs/MCState/User/EffectiveUserSettings.plist",)


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedSetting(Record):
    """One effective management setting (no time: ``ts`` None)."""

    TYPE = "ios.managed_settings"
    TS_DESC = "No time (effective setting when the sysdiagnose was taken)"

    group: str  # restrictedBool, restrictedValue, intersection, union...
    key: str
    value: str  # True/False for booleans, else the value as text


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()[:MAX_VALUE]
    return (value if isinstance(value, str) else repr(value))[:MAX_VALUE]


def _group(name: str, entries: Any, ctx: ParseContext) -> Iterator[ManagedSetting]:
    if not isinstance(entries, dict):
        ctx.warn(f"group {name[:80]!r} is not a dictionary")
        return
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            ctx.warn(f"{name}/{str(key)[:80]}: not a dictionary")
            continue
        value = entry.get("value", entry)  # intersection/union entries hold other keys
        yield ManagedSetting(ts=None, group=name, key=str(key), value=_text(value))


@artifact(record=ManagedSetting, input="plist", paths=PATHS)
def parse(data: Any, ctx: ParseContext) -> Iterator[ManagedSetting]:
    """Effective restrictions (EffectiveUserSettings.plist): may Lockdown Mode be turned on..."""
    if not isinstance(data, dict):
        raise SchemaMismatch(f"top level is {type(data).__name__}, not a dictionary")
    if data and not any(isinstance(v, dict) for v in data.values()):
        raise SchemaMismatch("no settings group (restrictedBool, restrictedValue...)")
    for name, entries in data.items():
        yield from _group(str(name), entries, ctx)
