"""Files a bugreport copied from the device (``FS/``), with their modification times.

Facts: dumpstate (AOSP ``frameworks/native/cmds/dumpstate``) adds device files to the zip under
``FS/<device path>`` (``FS/data/tombstones/tombstone_00``, ``FS/data/anr/...``,
``FS/proc/...``); MVT ``BugReportTimestamps`` puts the path and modification time of every
``FS/*`` member on the timeline and checks nothing. Zip members carry DOS times in device local
time (libziparchive ``ZipWriter``); the source converts them with the device time zone, or takes
them as UTC when it is unknown (said here once). An unpacked folder gives real file times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.records import DevicePath, Record
from tracehound.core.registry import artifact

PREFIX = "bugreport:FS/"


@dataclass(frozen=True, slots=True, kw_only=True)
class BugreportFile(Record):
    """One device file inside the bugreport; ``ts`` is its modification time as stored."""

    TYPE = "android.bugreport_files"
    TS_DESC = "File modified (bugreport copy)"

    path: DevicePath  # the path on the device, e.g. /data/tombstones/tombstone_00
    stored_as: str  # the path in the acquisition, e.g. bugreport:FS/data/tombstones/tombstone_00
    size: int | None


@artifact(record=BugreportFile, input="listing", paths=(PREFIX + "**",))
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[BugreportFile]:
    """Device files copied into a bugreport (FS/: tombstones, ANR traces...) and their times."""
    unpacked = ctx.device.get("kind") == "bugreport" and ctx.device.get("container") == "folder"
    local_times = not ctx.device.get("timezone") and not unpacked  # zip times are local
    for entry in entries:
        if entry.is_dir or not entry.path.startswith(PREFIX):
            continue
        rest = entry.path[len(PREFIX) :].strip("/")
        if not rest:
            continue
        if local_times and entry.modified is not None:
            local_times = False
            ctx.warn("device time zone unknown: bugreport file times (device local) taken as UTC")
        yield BugreportFile(
            ts=entry.modified, path="/" + rest, stored_as=entry.path, size=entry.size
        )
