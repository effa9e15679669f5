"""Accessibility services installed and enabled, from ``dumpsys accessibility``.

Facts: AOSP ``AccessibilityUserState.dump`` (Android 11+) prints, per ``User state[`` with
``attributes:{id=<user>, ...}``, an ``installed services: {`` block of ``<n> : <pkg>/<.Class>``
lines (``AccessibilityServiceInfo.getId``, optionally followed by ``  (A11yTool)``) closed by
``}``, then ``Enabled services:{{<pkg>/<full.Class>}, {...}}`` on one line
(``ComponentName.toShortString``). Older Samsung builds print ``enabled services: {`` as a block
like the installed list (MVT ``dumpsys_accessibility.py`` handles both forms and its fixtures show
them). An enabled service can read the screen and act for the user: stalkerware relies on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import (
    DUMPSYS,
    Dumpsys,
    full_component,
    package_of_component,
    sections,
)

_USER_RE = re.compile(r"attributes:\{id=(\d+)")
_BLOCK_LINE_RE = re.compile(r"^\d+\s*:\s*(\S+)")
_BRACED_RE = re.compile(r"\{([^{}]+)\}")
_MARKERS = ("ACCESSIBILITY MANAGER", "User state[", "installed services", "nabled services")


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessibilityService(Record):
    """One accessibility service of one user: installed, and whether it is enabled."""

    TYPE = "android.dumpsys_accessibility"
    TS_DESC = "No time (accessibility service)"

    package: AppId
    service: str  # the component, class name expanded: pkg/pkg.Class
    enabled: bool
    installed: bool
    user: int | None


class _UserLists:
    def __init__(self, user: int | None) -> None:
        self.user = user
        self.installed: list[str] = []
        self.enabled: list[str] = []

    def records(self, ctx: ParseContext) -> Iterator[AccessibilityService]:
        enabled = dict.fromkeys(full_component(c) for c in self.enabled)
        installed = dict.fromkeys(full_component(c) for c in self.installed)
        for component in {**installed, **enabled}:
            package = package_of_component(component)
            if package is None:
                ctx.warn(f"accessibility service is not a component: {component[:80]!r}")
                continue
            yield AccessibilityService(
                ts=None,
                package=package,
                service=component,
                enabled=component in enabled,
                installed=component in installed,
                user=self.user,
            )


def _parse(text: str, ctx: ParseContext) -> Iterator[AccessibilityService]:
    current = _UserLists(None)
    block: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if block is not None:
            if stripped.startswith("}"):
                block = None
            elif stripped.lower().endswith("services: {"):
                continue  # some Samsung builds print the block header twice
            elif stripped:
                match = _BLOCK_LINE_RE.match(stripped)
                if match:
                    block.append(match.group(1))
                else:
                    ctx.warn(f"accessibility service line not understood: {stripped[:80]!r}")
            continue
        user = _USER_RE.search(stripped)
        if user:
            yield from current.records(ctx)
            current = _UserLists(int(user.group(1)))
        head, sep, rest = stripped.partition(":")
        kind = head.lower()
        if not sep or kind not in ("installed services", "enabled services"):
            continue
        target = current.installed if kind == "installed services" else current.enabled
        if rest.strip() == "{":
            block = target
        else:
            target.extend(m.group(1).strip() for m in _BRACED_RE.finditer(rest))
    yield from current.records(ctx)


@artifact(record=AccessibilityService, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[AccessibilityService]:
    """Accessibility services installed and enabled per user (dumpsys accessibility)."""
    for _, body in sections(dump, ("accessibility",)):
        if body.strip() and not any(marker in body for marker in _MARKERS):
            ctx.warn("accessibility section not understood: no user state or service list")
            continue
        yield from _parse(body, ctx)
