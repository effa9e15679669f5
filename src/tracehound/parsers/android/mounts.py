"""Mounted file systems of the system partitions, from androidqf's mounts.json.

Facts: androidqf ``modules/mounts.go`` saves a JSON list of lines: first the output of
``mount | grep '/system'`` (toybox format ``DEVICE on MOUNT_POINT type FS_TYPE (OPTIONS)``), then
the lines of ``cat /proc/mounts | grep '/system'`` not already listed (``DEVICE MOUNT_POINT
FS_TYPE OPTIONS DUMP PASS``); ``null`` when both were empty. MVT ``Mounts`` parses only the first
format (it skips /proc/mounts lines); both are read here. In /proc/mounts, spaces and other
special characters of paths are written as octal escapes (``\\040``), decoded here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.records import DevicePath, Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import json_items

_MOUNT = re.compile(r"(?P<dev>\S+) on (?P<mp>.+?) type (?P<fs>\S+)(?: \((?P<opts>[^)]*)\))?")
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Mount(Record):
    """One mounted file system as listed at acquisition time."""

    TYPE = "android.mounts"
    TS_DESC = "No time (mounted at acquisition)"

    device: DevicePath
    mount_point: DevicePath
    fs_type: str
    options: tuple[str, ...]
    listing: str  # "mount" or "proc" (/proc/mounts)


def _unescape(value: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), value)


def parse_line(line: str) -> tuple[str, str, str, tuple[str, ...], str] | None:
    """(device, mount point, fs type, options, listing) of one line, or None."""
    match = _MOUNT.fullmatch(line)
    if match:
        opts = match.group("opts") or ""
        options = tuple(o.strip() for o in opts.split(",") if o.strip())
        return match.group("dev"), match.group("mp"), match.group("fs"), options, "mount"
    fields = line.split()
    if len(fields) in (4, 6) and fields[1].startswith("/"):
        options = tuple(o for o in fields[3].split(",") if o)
        return _unescape(fields[0]), _unescape(fields[1]), fields[2], options, "proc"
    return None


@artifact(record=Mount, input="json", paths=("androidqf:mounts.json",))
def parse(data: Any, ctx: ParseContext) -> Iterator[Mount]:
    """Mounted file systems of /system and the other system partitions, with their options."""
    for row, item in enumerate(json_items(data, "mounts.json")):
        parsed = parse_line(item.strip()) if isinstance(item, str) else None
        if parsed is None:
            ctx.warn(f"not a mount line: {str(item)[:80]!r}", row)
            continue
        device, mount_point, fs_type, options, listing = parsed
        yield Mount(
            ts=None,
            row=row,
            device=device,
            mount_point=mount_point,
            fs_type=fs_type,
            options=options,
            listing=listing,
        )
