"""The member index of a filesystem dump archive: the SQLite half of ``ios_fs_archive``.

Archives are listed and read by the one guarded reader (``sources.archive``); this module keeps
what it lists in a private SQLite index (table ``m``, one row per cleaned member name, folders
implied by deeper names added) so that memory stays flat for a million members. ``member`` turns
an ``archive.Entry`` into a row (zip times by ``archive.zip_time``, the one rule); ``open_reader``
opens the archive once and reads regular members by offset through the guard.
"""

from __future__ import annotations

import sqlite3
import stat
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tracehound.sources.archive import (
    ARCHIVE_ERRORS,
    DIR,
    Entry,
    open_tar_member,
    open_zip_member,
    zip_time,
)
from tracehound.sources.ios_fs import REFUSED, Layout, detect_layout

#: ... what reading one member may raise on top of ARCHIVE_ERRORS.
MEMBER_ERRORS = (*ARCHIVE_ERRORS, RuntimeError, NotImplementedError, ValueError)

SCHEMA = """CREATE TABLE m (name TEXT PRIMARY KEY, kind TEXT, size INTEGER, mtime REAL,
  mode INTEGER, loc INTEGER, link TEXT, raw TEXT, csize INTEGER, crc INTEGER) WITHOUT ROWID"""
COLUMNS = "name, kind, size, mtime, mode, loc, link, raw, csize, crc"
_INSERT = f"INSERT OR REPLACE INTO m ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"


@dataclass
class Member:
    """One archive member as indexed (a row of table ``m``, in COLUMNS order)."""

    name: str
    kind: str
    size: int | None
    mtime: float | None
    mode: int | None
    loc: int  # tar: offset of the member's first header; zip: local header offset
    link: str | None  # symlink target, a tar hard link's member name, or why it was refused
    raw: str  # the name as stored
    csize: int | None  # zip: compressed size
    crc: int | None = None  # zip: CRC-32

    def entry(self) -> Entry:
        """The archive entry to read this member through the guard."""
        return Entry(
            self.raw, self.name, self.kind, self.size, None, self.mode, self.loc, None,
            self.csize, self.crc or 0,
        )  # fmt: skip


Reader = Callable[[Member], IO[bytes]]  # a regular member -> its content


def member(entry: Entry, timezone: str | None) -> tuple[Member, bool]:
    """The index row of a listed entry, and whether its time was a DOS time read as UTC."""
    when, as_utc = zip_time(entry, timezone)
    kind, link = entry.kind, entry.link
    if entry.problem is not None:
        kind, link = REFUSED, entry.problem
    row = Member(
        entry.name, kind, entry.size, when.timestamp() if when else None, entry.mode,
        entry.offset, link, entry.raw, entry.csize, entry.crc,
    )  # fmt: skip
    return row, as_utc


class Indexer:
    """Collects members into the SQLite index and spots the device root."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[Any, ...]] = []
        self.dirs: set[str] = set()
        self.layouts: list[Layout] = []
        self.count = 0

    def add(self, m: Member) -> None:
        name = m.name
        if not name:
            return
        self.count += 1
        if len(self.layouts) < 4 and (layout := detect_layout(name)) and layout not in self.layouts:
            self.layouts.append(layout)
        parent = name.rpartition("/")[0]
        while parent and parent not in self.dirs:
            self.dirs.add(parent)
            parent = parent.rpartition("/")[0]
        self.rows.append(
            (name, m.kind, m.size, m.mtime, m.mode, m.loc, m.link, m.raw, m.csize, m.crc)
        )
        if len(self.rows) >= 10000:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany(_INSERT, self.rows)
        self.rows.clear()

    def finish(self) -> None:
        self.flush()
        implied = ((d, DIR, None, None, stat.S_IFDIR, -1, None, d, None, None) for d in self.dirs)
        self.conn.executemany(
            f"INSERT OR IGNORE INTO m ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", implied
        )
        self.conn.commit()
        self.dirs.clear()


@contextmanager
def open_reader(archive: Path, fmt: str) -> Iterator[Reader]:
    """The archive opened once; yields ``read(member) -> binary file`` of a regular member."""
    if fmt == "zip":
        yield lambda m: open_zip_member(archive, m.entry())
        return
    with tarfile.open(archive, "r:*") as tf:
        yield lambda m: open_tar_member(tf, m.entry())
