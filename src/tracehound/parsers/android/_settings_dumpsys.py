"""Settings from ``dumpsys settings`` (the ``DUMP OF SERVICE settings:`` section of a bugreport).

Facts (AOSP ``packages/SettingsProvider/src/com/android/providers/settings/
SettingsProvider.java``, ``dumpForUserLocked`` and ``dumpSettingsLocked``): for each user a
``CONFIG SETTINGS (user 0)`` and ``GLOBAL SETTINGS (user 0)`` block (system user only), then
``SECURE SETTINGS (user N)`` and ``SYSTEM SETTINGS (user N)``; each block starts with
``version: N`` and lists one ``_id:<id> name:<name>[ pkg:<package>] value:<value>[ default:<value>
defaultSystemSet:<true|false>][ tag:<tag>]`` line per setting (``{null}`` for a null value), then
a blank line and the block's historical operations, which are not settings. Dumpstate's
``DUMPSYS`` block holds this section (``RunDumpsysNormal``). No artifact is registered here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.parsers.common.dumpsys import find_sections

_BLOCK = re.compile(r"(CONFIG|GLOBAL|SECURE|SYSTEM) SETTINGS \(user (\d+)\)")
_LINE = re.compile(
    r"_id:\S+ name:(?P<name>\S+)(?: pkg:\S*)? value:(?P<value>.*?)"
    r"(?: default:.* defaultSystemSet:(?:true|false))?(?: tag:.*)?"
)
NULL = "{null}"


@dataclass(frozen=True, slots=True)
class DumpedSetting:
    """One setting line of ``dumpsys settings``."""

    row: int
    namespace: str  # "config", "global", "secure" or "system"
    user: int
    key: str
    value: str  # "{null}" is given as "null", as ``cmd settings list`` prints a null value


def _section(text: str) -> tuple[str, int]:
    section = next(find_sections(text, {"settings"}), None)
    if section is None:
        raise SchemaMismatch("no 'DUMP OF SERVICE settings:' section in the dumpstate text")
    return section.body(text), text.count("\n", 0, section.start) + 1


def dumped_settings(text: str, ctx: ParseContext) -> Iterator[DumpedSetting]:
    """The settings of every block and user; unreadable setting lines are counted warnings."""
    body, first = _section(text)
    block: tuple[str, int] | None = None
    listing = False  # inside a block's settings list (before its blank line)
    blocks = 0
    for number, raw in enumerate(body.splitlines(), first):
        line = raw.rstrip("\r")
        header = _BLOCK.fullmatch(line.strip())
        if header is not None:
            block, listing, blocks = (
                (header.group(1).lower(), int(header.group(2))),
                True,
                blocks + 1,
            )
        elif block is None or not listing or line.startswith("version: "):
            continue
        elif not line.strip():
            listing = False  # historical operations follow
        elif (match := _LINE.fullmatch(line)) is not None:
            value = match.group("value")
            yield DumpedSetting(
                number, block[0], block[1], match.group("name"), "null" if value == NULL else value
            )
        else:
            ctx.warn(f"not a setting line: {line[:80]!r}", number)
    if not blocks:
        raise SchemaMismatch("the settings dump has no 'SECURE SETTINGS (user N)' block")
