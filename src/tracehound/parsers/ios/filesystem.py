"""Every file and folder of a full filesystem dump, with its modification time.

Facts: MVT's ``Filesystem`` module (``mvt/ios/modules/fs/filesystem.py``) walks the dump, records
each file and folder with its mtime, matches paths against file path indicators and, unless
``--fast``, reports a process indicator equal to any component of a path (Pegasus dropped its
binaries under ``/private/var/db/`` and ``/private/var/tmp/`` with process names as file names,
Amnesty 2021 methodology). ``path`` is typed ``ExecPath``: the indicator index then checks file
path and file name indicators on it AND process indicators on each of its components, by exact
equality like MVT (no 16-character truncation, which belongs to process tables, not file names).
The record stays small: it is written once per file of a dump that may hold a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.records import ExecPath, Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class FilesystemEntry(Record):
    """One file or folder of the dump."""

    TYPE = "ios.filesystem"
    MEANING = (
        "The file list of a file system dump: a file at this path existed when the dump was made."
    )
    TS_DESC = "File modified"

    path: ExecPath  # the device path; process indicators are matched on its components
    is_dir: bool
    size: int | None  # files only
    mode: int | None  # st_mode (type and permission bits) when the dump keeps it


@artifact(record=FilesystemEntry, input="listing", paths=("/**",), sources=("ios_fs",))
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[FilesystemEntry]:
    """Every file and folder of a filesystem dump with its mtime (path and process indicators)."""
    for entry in entries:
        if entry.modified is None and not entry.is_dir:
            # Archives may omit folders (no time then); a file always has one, unless invalid.
            ctx.warn(f"{entry.path[:200]}: no valid modification time")
        yield FilesystemEntry(
            ts=entry.modified,
            path=entry.path,
            is_dir=entry.is_dir,
            size=entry.size,
            mode=entry.mode,
        )
