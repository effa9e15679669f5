"""Packages named in compatibility overrides, including apps no longer installed (platform_compat).

Facts: AOSP ``CompatChange.toString`` (``dumpsys platform_compat``) prints one line per change:
``ChangeId(<id>; name=<NAME>; ...; packageOverrides={pkg=false, ...}; rawOverrides={pkg=...};
overridable)``. ``rawOverrides`` keeps every override set for a package, installed or not;
``packageOverrides`` holds the evaluated ones, which exist only for installed packages. A package
in ``rawOverrides`` only is therefore one that was uninstalled (or not installed yet). MVT
``dumpsys_platform_compat.py`` lists the ``rawOverrides`` packages of change 168419799
(``DOWNSCALED``) as uninstalled apps; here every change is read and each package is yielded once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, PACKAGE_RE, Dumpsys, sections

_CHANGE_RE = re.compile(r"^ChangeId\((\d+)(?:; name=([^;)]+))?")


@dataclass(frozen=True, slots=True, kw_only=True)
class CompatOverride(Record):
    """A package with compatibility overrides; ``uninstalled`` when it is in no evaluated set."""

    TYPE = "android.dumpsys_platform_compat"
    TS_DESC = "No time (compatibility override)"

    package: AppId
    uninstalled: bool
    changes: tuple[str, ...]  # names (or ids) of the changes whose raw overrides name it


def _entries(inner: str) -> Iterator[str]:
    """Split ``k=v, k=v`` at top-level commas (values may be objects with their own commas)."""
    depth = start = 0
    for i, char in enumerate(inner):
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == "," and depth == 0:
            yield inner[start:i]
            start = i + 1
    yield inner[start:]


def _keys(line: str, field: str, ctx: ParseContext) -> list[str]:
    """Keys of ``field={k=v, k=v}``; values may hold brackets or commas (override objects)."""
    match = re.search(field + r"=\{(.*?)\}(?:; |\)$)", line)
    if match is None:
        if f"{field}={{" in line:
            ctx.warn(f"{field} not understood: {line[:80]!r}")
        return []
    keys = []
    for entry in _entries(match.group(1)):
        key = entry.split("=", 1)[0].strip()
        if not key:
            continue
        if PACKAGE_RE.fullmatch(key):
            keys.append(key)
        else:
            ctx.warn(f"{field} key is not a package: {key[:80]!r}")
    return keys


@artifact(record=CompatOverride, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[CompatOverride]:
    """Packages with compatibility overrides, uninstalled ones flagged (dumpsys platform_compat)."""
    for _, body in sections(dump, ("platform_compat",)):
        raw: dict[str, list[str]] = {}
        evaluated: set[str] = set()
        changes = 0
        for line in body.splitlines():
            line = line.strip()
            if not line.startswith("ChangeId("):
                continue
            change = _CHANGE_RE.match(line)
            if change is None:
                ctx.warn(f"compatibility change not understood: {line[:80]!r}")
                continue
            changes += 1
            evaluated.update(_keys(line, "packageOverrides", ctx))
            for package in _keys(line, "rawOverrides", ctx):
                raw.setdefault(package, []).append(change.group(2) or change.group(1))
        if body.strip() and not changes:
            ctx.warn("platform_compat section not understood: no ChangeId lines")
        for package, names in raw.items():
            yield CompatOverride(
                ts=None, package=package, uninstalled=package not in evaluated, changes=tuple(names)
            )
