"""Log files androidqf copied from the device (logs/), with their modification times.

Facts: androidqf ``modules/logs.go`` pulls ``/data/system/uiderrors.txt``, ``/proc/kmsg``,
``/proc/last_kmsg``, ``/sys/fs/pstore/console-ramoops`` and the files of ``/data/anr/``,
``/data/log/`` and ``/sdcard/log/`` into ``logs/<device path>``, so the device path is the part
after ``logs``. MVT ``AQFLogTimestamps`` puts each file's modification time (from the zip entry
or the folder) on the timeline, and nothing else: the time is the one stored in the acquisition,
which the source gives as aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.records import DevicePath, Record
from tracehound.core.registry import artifact

PREFIX = "androidqf:logs/"


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFile(Record):
    """One log file of the acquisition; ``ts`` is its modification time as stored."""

    TYPE = "android.aqf_log_files"
    TS_DESC = "Log file modified"

    path: DevicePath  # the path on the device, e.g. /data/anr/traces.txt
    stored_as: str  # the path in the acquisition, e.g. androidqf:logs/data/anr/traces.txt
    size: int | None


@artifact(record=LogFile, input="listing", paths=(PREFIX + "**",))
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[LogFile]:
    """Log files copied by androidqf (ANR traces, kernel and vendor logs) and their times."""
    for entry in entries:
        if entry.is_dir or not entry.path.startswith(PREFIX):
            continue
        rest = entry.path[len(PREFIX) :].strip("/")
        if not rest:
            continue
        if entry.modified is None:
            ctx.warn(f"{entry.path}: no modification time in the acquisition; not on the timeline")
        yield LogFile(ts=entry.modified, path="/" + rest, stored_as=entry.path, size=entry.size)
