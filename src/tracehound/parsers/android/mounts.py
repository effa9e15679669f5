"""Mounted file systems, from androidqf's mounts.json and a bugreport's ``/proc/PID/mountinfo``.

Facts: androidqf ``modules/mounts.go`` saves a JSON list of lines: first the output of
``mount | grep '/system'`` (toybox format ``DEVICE on MOUNT_POINT type FS_TYPE (OPTIONS)``), then
the lines of ``cat /proc/mounts | grep '/system'`` not already listed (``DEVICE MOUNT_POINT
FS_TYPE OPTIONS DUMP PASS``); ``null`` when both were empty. MVT ``Mounts`` parses only the first
format (it skips /proc/mounts lines); both are read here. In /proc/mounts, spaces and other
special characters of paths are written as octal escapes (``\\040``), decoded here.

A bugreport has no mount listing in its dumpstate text; dumpstate's ``add_mountinfo`` (AOSP
``dumpstate.cpp``, "MOUNT INFO") adds ``/proc/<pid>/mountinfo`` of one process per mount
namespace to the zip as ``FS/proc/<pid>/mountinfo``. Its lines (proc(5), kernel
``Documentation/filesystems/proc.rst`` 3.5) are ``ID PARENT MAJOR:MINOR ROOT MOUNT_POINT
MOUNT_OPTIONS [OPTIONAL...] - FS_TYPE SOURCE SUPER_OPTIONS``. Like /proc/mounts
(``fs/proc_namespace.c``: ``ro`` when the mount or its super block is read-only), the options
kept are the mount's, with ``rw`` made ``ro`` when the super block is read-only, then the super
block's other options.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import DevicePath, Record
from tracehound.core.registry import artifact
from tracehound.parsers.android._aqf import check_text, json_items
from tracehound.parsers.common.runner import load_json

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
    listing: str  # "mount", "proc" (/proc/mounts) or "mountinfo" (/proc/PID/mountinfo)


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


def mountinfo_line(line: str) -> tuple[str, str, str, tuple[str, ...], str] | None:
    """(source, mount point, fs type, effective options, "mountinfo") of one line, or None."""
    fields = line.split()
    if "-" not in fields[6:] or len(fields) < 6 or not fields[0].isdigit():
        return None
    dash = fields.index("-", 6)
    if len(fields) != dash + 4 or not fields[4].startswith("/"):
        return None
    mount_opts = [o for o in fields[5].split(",") if o]
    super_opts = [o for o in fields[dash + 3].split(",") if o]
    if "ro" in super_opts:
        mount_opts = ["ro" if o == "rw" else o for o in mount_opts]
    extra = [o for o in super_opts if o not in ("ro", "rw") and o not in mount_opts]
    device, point = _unescape(fields[dash + 2]), _unescape(fields[4])
    return device, point, fields[dash + 1], tuple(mount_opts + extra), "mountinfo"


def _items(text: str, ctx: ParseContext) -> list[Any]:
    if ctx.path.startswith("bugreport:"):
        lines = text.splitlines()
        if lines and all(mountinfo_line(x) is None for x in lines[:20] if x.strip()):
            raise SchemaMismatch("not /proc/PID/mountinfo: no 'ID PARENT ... - FS SOURCE' line")
        return lines
    return json_items(load_json(text.encode("utf-8")), "mounts.json")


@artifact(
    record=Mount,
    input="text",
    paths=("androidqf:mounts.json", "bugreport:FS/proc/*/mountinfo"),
)
def parse(text: str, ctx: ParseContext) -> Iterator[Mount]:
    """Mounted file systems of /system and the other system partitions, with their options."""
    check_text(text, "mount list")
    info = ctx.path.startswith("bugreport:")
    for row, item in enumerate(_items(text, ctx), 1 if info else 0):
        if info and not item.strip():
            continue
        reader = mountinfo_line if info else parse_line
        parsed = reader(item.strip()) if isinstance(item, str) else None
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
