"""Android settings from androidqf's settings_system.txt, settings_secure.txt, settings_global.txt.

Facts: androidqf ``modules/settings.go`` saves ``cmd settings list <namespace>`` for the
namespaces ``system``, ``secure`` and ``global`` as ``settings_<namespace>.txt``: one
``key=value`` line per setting (the value may be empty or contain ``=``). MVT ``AQFSettings``
takes the namespace from the file name and splits each line at the first ``=``. A line without
``=`` continues the value of the setting before it (a value with a line break). A bugreport's
dumpstate text holds them in ``dumpsys settings`` (read by ``_settings_dumpsys``), with the user
of each block; androidqf's lists are those of the current user (``user`` is then unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import check_text
from tracehound.parsers.android._settings_dumpsys import dumped_settings

_NAMESPACE = re.compile(r"settings_([A-Za-z0-9]+)\.txt\Z")
_KEY = re.compile(r"[\w.\-:@/]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting(Record):
    """One setting of one namespace (system, secure or global) as read at acquisition time."""

    TYPE = "android.settings"
    TS_DESC = "No time (setting at acquisition)"

    namespace: str | None
    key: str
    value: str
    user: int | None = None  # Android user of the block (bugreport), else unknown


def namespace_of(path: str) -> str | None:
    """``secure`` for ``androidqf:settings_secure.txt``; None when the name does not say."""
    match = _NAMESPACE.search(path)
    return match.group(1).lower() if match else None


def _setting(pending: tuple[int, str, list[str]], namespace: str | None) -> Setting:
    row, key, parts = pending
    while len(parts) > 1 and not parts[-1].strip():  # blank lines end a value, not continue it
        parts.pop()
    return Setting(ts=None, row=row, namespace=namespace, key=key, value="\n".join(parts))


@artifact(
    record=Setting,
    input="text",
    paths=(
        "androidqf:settings_system.txt",
        "androidqf:settings_secure.txt",
        "androidqf:settings_global.txt",
        "bugreport:dumpstate.txt",
    ),
)
def parse(text: str, ctx: ParseContext) -> Iterator[Setting]:
    """Android settings (system, secure, global): Play Protect, adb, accessibility, installs..."""
    check_text(text, "settings list")
    if ctx.path.startswith("bugreport:"):
        for item in dumped_settings(text, ctx):
            yield Setting(
                ts=None,
                row=item.row,
                namespace=item.namespace,
                key=item.key,
                value=item.value,
                user=item.user,
            )
        return
    namespace = namespace_of(ctx.path)
    pending: tuple[int, str, list[str]] | None = None
    found = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        key, sep, value = line.partition("=")
        if sep and _KEY.fullmatch(key.strip()):
            if pending is not None:
                yield _setting(pending, namespace)
            pending = (number, key.strip(), [value])
            found += 1
        elif pending is not None:
            pending[2].append(line)
        elif line.strip():
            ctx.warn(f"not a 'key=value' line: {line[:80]!r}", number)
    if pending is not None:
        yield _setting(pending, namespace)
    if not found and text.strip():
        raise SchemaMismatch("no 'key=value' setting line")
