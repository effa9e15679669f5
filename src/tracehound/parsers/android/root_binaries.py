"""Root tools found on the device's PATH by androidqf (root_binaries.json).

Facts: androidqf ``modules/root_binaries.go`` runs ``which -a`` for ``su``, ``busybox``,
``supersu``, ``Superuser.apk``, ``KingoUser.apk``, ``SuperSu.apk``, ``magisk``, ``magiskhide``,
``magiskinit`` and ``magiskpolicy`` and saves the non-empty outputs as a JSON list of strings;
``which -a`` prints every match, so one string may hold several paths, one per line. MVT
``RootBinaries`` yields path, binary name and a description for each, and alerts on every one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.records import DevicePath, Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import json_items


@dataclass(frozen=True, slots=True, kw_only=True)
class RootBinary(Record):
    """One root tool path that ``which`` found at acquisition time."""

    TYPE = "android.root_binaries"
    TS_DESC = "No time (found at acquisition)"

    path: DevicePath
    binary: str  # the file name, e.g. "su"


@artifact(record=RootBinary, input="json", paths=("androidqf:root_binaries.json",))
def parse(data: Any, ctx: ParseContext) -> Iterator[RootBinary]:
    """Root tools on the device's PATH (su, busybox, magisk...) found by androidqf."""
    for row, item in enumerate(json_items(data, "root_binaries.json")):
        if not isinstance(item, str):
            ctx.warn(f"entry is not a path: {str(item)[:80]!r}", row)
            continue
        for line in item.splitlines():
            path = line.strip()
            if not path:
                continue
            if "not found" in path or not path.startswith("/"):
                ctx.warn(f"entry is not a path: {path[:80]!r}", row)
                continue
            yield RootBinary(ts=None, row=row, path=path, binary=path.rsplit("/", 1)[-1])
