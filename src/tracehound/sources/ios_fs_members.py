"""Tar and zip members of a filesystem dump archive: the format-level half of ``ios_fs_archive``.

``sniff`` names an archive format from its first bytes; ``tar_member``/``zip_member`` turn a
member header into a ``Member`` (kind, size, time, mode, where it starts, link target);
``Indexer`` writes members into the private SQLite index (table ``m``, one row per cleaned member
name, folders implied by deeper names added); ``open_reader`` opens the archive once and reads
regular members by offset; ``copy_capped`` never copies more than a member's declared size.
Zip times: the Info-ZIP extended timestamp extra field (0x5455, Info-ZIP ``proginfo/extra.fld``)
holds a Unix time and the NTFS one (0x000A, PKWARE APPNOTE.TXT 4.5.5) a FILETIME; otherwise the
MS-DOS time (APPNOTE 4.4.6), which has no zone, is read as UTC and counted.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import InputError
from tracehound.sources.ios_fs import (
    DIR,
    FILE,
    HARD,
    LINK,
    OTHER,
    Layout,
    clean_name,
    detect_layout,
)

MAX_LINK_BYTES = 4096
COPY_CHUNK = 1024 * 1024

_TYPE_BITS = {FILE: stat.S_IFREG, DIR: stat.S_IFDIR, LINK: stat.S_IFLNK, HARD: stat.S_IFREG}
_TAR_OTHER = {
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}
#: What reading a damaged or changed archive raises.
ARCHIVE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error)
#: ... and what reading one member may raise on top (bad compression method, encryption...).
MEMBER_ERRORS = (*ARCHIVE_ERRORS, RuntimeError, NotImplementedError, ValueError)

SCHEMA = """CREATE TABLE m (name TEXT PRIMARY KEY, kind TEXT, size INTEGER, mtime REAL,
  mode INTEGER, loc INTEGER, link TEXT, raw TEXT, csize INTEGER) WITHOUT ROWID"""
COLUMNS = "name, kind, size, mtime, mode, loc, link, raw, csize"


@dataclass
class Member:
    """One archive member as indexed (a row of table ``m``, in COLUMNS order)."""

    name: str
    kind: str
    size: int | None
    mtime: float | None
    mode: int | None
    loc: int  # tar: offset of the member's first header; zip: local header offset
    link: str | None  # symlink target, or a tar hard link's member name
    raw: str  # the name as stored (zip lookups)
    csize: int | None  # zip: compressed size


Reader = Callable[[Member], IO[bytes]]  # a regular member -> its content


class Indexer:
    """Collects members into the SQLite index and spots the device root."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[Any, ...]] = []
        self.dirs: set[str] = set()
        self.layouts: list[Layout] = []
        self.unsafe: list[str] = []
        self.count = 0
        self.dos_times = 0

    def add(self, m: Member) -> None:
        name, problem = clean_name(m.name)
        if problem is not None:
            self.unsafe.append(f"{name[:200]!r}: {problem}")
            return
        if not name:
            return
        self.count += 1
        if len(self.layouts) < 4 and (layout := detect_layout(name)) and layout not in self.layouts:
            self.layouts.append(layout)
        parent = name.rpartition("/")[0]
        while parent and parent not in self.dirs:
            self.dirs.add(parent)
            parent = parent.rpartition("/")[0]
        row = (name, m.kind, m.size, m.mtime, m.mode, m.loc, m.link, m.raw, m.csize)
        self.rows.append(row)
        if len(self.rows) >= 10000:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany(
            f"INSERT OR REPLACE INTO m ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", self.rows
        )
        self.rows.clear()

    def finish(self) -> None:
        self.flush()
        implied = ((d, DIR, None, None, stat.S_IFDIR, -1, None, d, None) for d in self.dirs)
        self.conn.executemany(
            f"INSERT OR IGNORE INTO m ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", implied
        )
        self.conn.commit()
        self.dirs.clear()


def sniff(path: Path) -> str | None:
    """Archive format from the first bytes: "zip", "tar", "tar.gz", "tar.bz2", "tar.xz"."""
    try:
        with path.open("rb") as handle:
            head = handle.read(265)
    except OSError:
        return None
    if head[:2] == b"PK":
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head[:3] == b"BZh":
        return "tar.bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "tar.xz"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def tar_member(info: tarfile.TarInfo) -> Member:
    if info.isreg():
        kind = FILE
    elif info.isdir():
        kind = DIR
    elif info.issym():
        kind = LINK
    elif info.islnk():
        kind = HARD
    else:
        kind = OTHER
    bits = _TYPE_BITS.get(kind, _TAR_OTHER.get(info.type, 0))
    return Member(
        info.name,
        kind,
        info.size if kind == FILE else None,
        float(info.mtime),
        bits | (info.mode & 0o7777),
        info.offset,
        info.linkname if kind in (LINK, HARD) else None,
        info.name,
        None,
    )


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    """The Unix time of the Info-ZIP "UT" or NTFS extra field, else None."""
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return float(struct.unpack_from("<i", body, 1)[0])
        if tag == 0x000A and len(body) >= 32 and struct.unpack_from("<HH", body, 4) == (1, 24):
            return float(struct.unpack_from("<Q", body, 8)[0]) / 1e7 - 11644473600
        i += 4 + size
    return None


def zip_member(info: zipfile.ZipInfo, indexer: Indexer, zf: zipfile.ZipFile) -> Member:
    mode = (info.external_attr >> 16) if info.create_system == 3 else 0
    if info.is_dir():
        kind = DIR
    elif stat.S_ISLNK(mode):
        kind = LINK
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        kind = OTHER
    else:
        kind = FILE
    link = None
    if kind == LINK:  # the target is the member's content; read it now (links are few)
        try:
            with zf.open(info) as handle:
                link = handle.read(MAX_LINK_BYTES).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error):
            kind = OTHER
    mtime = _zip_mtime(info)
    if mtime is None:
        indexer.dos_times += 1
        try:  # a DOS time has no zone: read as UTC
            mtime = datetime(*info.date_time, tzinfo=UTC).timestamp()
        except ValueError:
            mtime = None
    return Member(
        info.filename,
        kind,
        info.file_size if kind == FILE else None,
        mtime,
        (mode | (0 if stat.S_IFMT(mode) else _TYPE_BITS.get(kind, 0))) if mode else None,
        info.header_offset,
        link,
        info.filename,
        info.compress_size,
    )


@contextmanager
def open_reader(archive: Path, fmt: str) -> Iterator[Reader]:
    """The archive opened once; yields ``read(member) -> binary file`` of a regular member."""
    if fmt == "zip":
        with zipfile.ZipFile(archive) as zf:

            def read_zip(member: Member) -> IO[bytes]:
                info = zf.NameToInfo.get(member.raw)
                if info is None or info.flag_bits & 0x1:
                    raise InputError(f"member {member.raw[:200]!r}: missing, or encrypted")
                return zf.open(info)

            yield read_zip
        return
    with tarfile.open(archive, "r:*") as tf:

        def read_tar(member: Member) -> IO[bytes]:
            assert tf.fileobj is not None
            tf.fileobj.seek(member.loc)
            info = tarfile.TarInfo.fromtarfile(tf)
            handle = tf.extractfile(info) if info.isreg() else None
            if handle is None or clean_name(info.name)[0] != member.name:
                raise InputError(f"member {member.raw[:200]!r}: the archive changed")
            return handle

        yield read_tar


def copy_capped(source: IO[bytes], dest: Path, declared: int) -> int:
    """Copy ``source`` to a new private file; never more than the declared size."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(COPY_CHUNK):
            written += len(chunk)
            if written > declared:
                raise InputError(f"{dest.name}: expands beyond its declared size of {declared}")
            out.write(chunk)
    return written


def nonzero_tail(tf: tarfile.TarFile, end: int) -> bool:
    """After the last member: only zero blocks are expected. Data means a damaged header."""
    assert tf.fileobj is not None
    tf.fileobj.seek(end)
    while chunk := tf.fileobj.read(COPY_CHUNK):
        if chunk.count(0) != len(chunk):
            return True
    return False
