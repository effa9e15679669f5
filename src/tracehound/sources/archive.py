"""The one guarded reader for zip and tar (plain and compressed) archives, with one set of limits.

Every source that reads an archive (iOS dump archives, androidqf and bugreport zips, the tar
inside an ``.ab``) lists members and reads them through this module; nothing else opens an
archive. Everything in an archive is attacker-controlled, so:

- Names: absolute names, drive letters, NUL bytes, ``..`` segments and names that are not valid
  UTF-8 are refused (``clean_name``); ``refusal`` names every other member that is never opened:
  device files, FIFOs, sockets, links whose relative target climbs above the archive root, and
  tar hard links to a name that is not a safe member.
- Sizes: one member may not unpack to more than ``LIMITS.member_bytes``; a compressed member (and
  a compressed tar or ``.ab`` stream as a whole) may not expand more than ``LIMITS.ratio`` times
  once past ``LIMITS.ratio_floor``; everything one source unpacks may not exceed
  ``LIMITS.total_bytes`` nor leave less than ``LIMITS.free_space_margin`` free. A member that
  produces more than its declared size is cut off with an error (a lying header is a bomb too).
- Damage: a zip whose central directory is missing or damaged is read by walking its local file
  headers from the start (PKWARE APPNOTE.TXT 4.3.6-4.3.9) up to the damage; a tar is read up to
  its first damaged header. ``Scan.damage`` then says what was lost, so the source can mark the
  run incomplete (``Source.index_damage`` and ``Source.errors``).
- Times: ``zip_time`` is the one rule for zip member times (see there).

Zip members are decompressed by our own reader (stored and deflate), from the local header
the central directory (or the scan) points at, with the CRC-32 checked at the end; ``zipfile`` is
used only to parse a central directory. Tar members are read with ``tarfile``.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import InputError
from tracehound.core.tempspace import TempSpace
from tracehound.core.timeutil import localize

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
CHUNK = MIB


@dataclass
class Limits:
    """The bounds every archive reader applies (tests lower them through ``LIMITS``)."""

    #: One member unpacked. Full filesystem dumps hold multi-GB files (Photos.sqlite, videos,
    #: app caches reach several GB on a 256 GB phone); 64 GiB is far above any file an artifact
    #: reads and still stops a member claiming terabytes.
    member_bytes: int = 64 * GIB
    #: Everything one source unpacks. Only the files artifacts read are unpacked, never a whole
    #: dump; the free-space check below guards the disk itself.
    total_bytes: int = 256 * GIB
    #: Uncompressed / compressed size. Text logs and SQLite databases deflate 5-30 to 1 in real
    #: acquisitions; deflate's ceiling is about 1032 to 1, which only crafted input reaches.
    ratio: int = 200
    #: Below this a member is never refused for its ratio (a small file of zeros is harmless).
    ratio_floor: int = 64 * MIB
    #: Members listed from one archive: full dumps of recent iPhones hold 1-3 million files.
    members: int = 5_000_000
    #: Metadata read whole into memory (acquisition.json, getprop.txt, SystemVersion.plist...).
    small_file: int = 64 * MIB
    #: Left free in the temporary folder's file system after an extraction.
    free_space_margin: int = 256 * MIB
    #: A symbolic link's target (PATH_MAX on Linux and Darwin is 1024-4096).
    link_bytes: int = 4096


LIMITS = Limits()

# Member kinds: regular file, folder, symbolic link, tar hard link, anything else.
FILE, DIR, LINK, HARD, OTHER = "f", "d", "l", "h", "o"
_SPECIAL = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}
_TAR_TYPES = {
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}
_TYPE_BITS = {FILE: stat.S_IFREG, DIR: stat.S_IFDIR, LINK: stat.S_IFLNK, HARD: stat.S_IFREG}
#: What reading a damaged or changed archive raises.
ARCHIVE_ERRORS = (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error)


@dataclass
class Entry:
    """One archive member as listed (no content)."""

    raw: str  # the name as stored (bounded in messages)
    name: str  # cleaned: relative, no empty/"." segments ("" when refused)
    kind: str
    size: int | None  # uncompressed bytes of a file
    mtime: datetime | None = None  # aware UTC when the archive says so (tar, zip extra field)
    mode: int | None = None  # st_mode when the archive records it
    offset: int = 0  # tar: first header of the member; zip: its local header
    link: str | None = None  # symlink target, or a tar hard link's member name
    csize: int | None = None  # zip: compressed bytes
    crc: int = 0  # zip: CRC-32 of the content
    dos: tuple[int, int, int, int, int, int] | None = None  # zip: zone-less MS-DOS time
    problem: str | None = None  # why the member is never exposed (set by ``refusal``)

    def label(self) -> str:
        return f"member {self.raw[:200]!r}"


# -- names, links and kinds ---------------------------------------------------------------------


def _valid_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes: bytes that were not UTF-8
        return False
    return True


def clean_name(raw: str, backslash: bool = False) -> tuple[str, str | None]:
    """A member name without ``./``, empty or ``.`` segments; and why it is unsafe, if it is.

    ``backslash``: read ``\\`` as a separator (zip: APPNOTE 4.4.17.1 allows only ``/``, but
    Windows archivers write ``\\``; in a tar of a phone it is an ordinary character).
    """
    name = raw.replace("\\", "/") if backslash else raw
    if "\x00" in name:
        return raw, "member name holds a NUL byte"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        return raw, "absolute member name"
    segments = [s for s in name.split("/") if s not in ("", ".")]
    if ".." in segments:
        return raw, "member name climbs out of the archive (..)"
    cleaned = "/".join(segments)
    if not _valid_text(cleaned):
        return raw.encode("utf-8", "replace").decode(), "member name is not valid UTF-8"
    return cleaned, None


def link_escapes(name: str, target: str) -> bool:
    """Whether a relative link target, read from the link's folder, climbs above the root."""
    depth = name.count("/")  # folders above the link inside the archive
    for segment in target.split("/"):
        if segment == "..":
            depth -= 1
            if depth < 0:
                return True
        elif segment not in ("", "."):
            depth += 1
    return False


def special_kind(mode: int | None) -> str:
    """What a non-regular, non-folder, non-link file is, from its st_mode: "a FIFO"..."""
    return _SPECIAL.get(stat.S_IFMT(mode or 0), "a special file")


def refusal(entry: Entry) -> str | None:
    """Why ``entry`` is never opened, or None. Sets ``entry.problem``.

    Absolute symlink targets are left to the source (in a phone dump they are device paths);
    a relative one climbing out of the archive, and a hard link to an unsafe name, are refused.
    """
    name, problem = entry.name, entry.problem
    if problem is None and entry.kind == OTHER:
        problem = f"is {special_kind(entry.mode)}; never opened"
    elif problem is None and entry.kind == LINK:
        target = entry.link or ""
        if not target or "\x00" in target:
            problem = "is an empty or invalid link"
        elif not target.startswith("/") and link_escapes(name, target):
            problem = f"is a link to {target[:200]!r}, outside the archive; not followed"
    elif problem is None and entry.kind == HARD and clean_name(entry.link or "")[1] is not None:
        problem = f"is a hard link to {(entry.link or '')[:200]!r}, outside the archive"
    entry.problem = problem
    return problem


def refusal_text(entry: Entry) -> str:
    """The refusal as a predicate for "member 'x' ...": "is a FIFO; ...", "has an unsafe path"."""
    problem = entry.problem or "is unsafe"
    return problem if problem.startswith("is ") else f"has an unsafe path ({problem})"


# -- zip times ----------------------------------------------------------------------------------


def _extra_fields(extra: bytes) -> Iterator[tuple[int, bytes]]:
    """(header id, data) of each extra field block (APPNOTE 4.5.1); a cut block ends the list."""
    offset = 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        if offset + 4 + size > len(extra):
            return
        yield tag, extra[offset + 4 : offset + 4 + size]
        offset += 4 + size


def extra_utc_time(extra: bytes) -> datetime | None:
    """The UTC modification time in a zip extra field, if there is one.

    Info-ZIP "extended timestamp" 0x5455 (Info-ZIP ``proginfo/extra.fld``; written by Go's
    archive/zip for androidqf, by Info-ZIP zip and by tracehound's demo): flags byte, bit 0 =
    a signed 32-bit Unix mtime follows. NTFS 0x000A (APPNOTE 4.5.5): tag 1 holds three
    FILETIMEs (100 ns since 1601-01-01 UTC), mtime first.
    """
    for tag, body in _extra_fields(extra):
        try:
            if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
                return datetime.fromtimestamp(struct.unpack_from("<i", body, 1)[0], UTC)
            if tag == 0x000A and len(body) >= 32 and struct.unpack_from("<HH", body, 4) == (1, 24):
                ticks = struct.unpack_from("<Q", body, 8)[0]
                return datetime.fromtimestamp(ticks / 1e7 - 11644473600, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def zip_time(entry: Entry, timezone: str | None) -> tuple[datetime | None, bool]:
    """THE zip member time rule; returns (aware UTC time or None, read-as-UTC flag).

    1. A UTC extra field (``extra_utc_time``) when present: exact.
    2. Else the MS-DOS time (APPNOTE 4.4.6), a wall-clock time of the machine that wrote the
       zip (AOSP's ZipWriter uses ``localtime_r``, so a bugreport's are device-local), read in
       ``timezone`` when one is known;
    3. else read as UTC, and the flag is True so the caller counts it and says so.
    The DOS minimum, 1980-01-01 00:00, means "unset" (None).
    """
    if entry.mtime is not None:
        return entry.mtime, False
    if entry.dos is None:
        return None, False
    try:
        naive = datetime(*entry.dos)
    except ValueError:
        return None, False
    if naive <= datetime(1980, 1, 1, 0, 0, 2):
        return None, False
    return localize(naive, timezone), not timezone


def _dos_fields(time: int, date: int) -> tuple[int, int, int, int, int, int]:
    """MS-DOS date and time words (APPNOTE 4.4.6) as (year, month, day, hour, minute, second)."""
    return (
        (date >> 9) + 1980,
        (date >> 5) & 0xF,
        date & 0x1F,
        time >> 11,
        (time >> 5) & 0x3F,
        (time & 0x1F) * 2,
    )


# -- listing: one scan per archive --------------------------------------------------------------


#: Refused members kept in ``Scan.refused`` (all are counted in ``Scan.refused_count``).
MAX_REFUSED = 1000


@dataclass
class Scan:
    """The members of an archive, in archive order; ``damage`` says what could not be read.

    Refused members (``refusal``) are not yielded but kept in ``refused`` (bounded) and counted;
    with ``keep_refused`` they are yielded too, ``problem`` set, for sources that name them
    where an artifact looks for them.
    """

    path: Path
    fmt: str  # "zip", "tar", "tar.gz", "tar.bz2", "tar.xz"
    keep_refused: bool = False
    damage: str | None = None
    refused: list[Entry] = field(default_factory=list)
    refused_count: int = 0
    count: int = 0

    def __iter__(self) -> Iterator[Entry]:
        """Every member (read ``damage`` after the loop)."""
        source = _zip_entries(self) if self.fmt == "zip" else _tar_entries(self)
        for entry in source:
            if refusal(entry) is not None:
                self.refused_count += 1
                if self.keep_refused:
                    yield entry
                elif len(self.refused) < MAX_REFUSED:
                    self.refused.append(entry)
                continue
            if not entry.name:
                continue
            self.count += 1
            if self.count > LIMITS.members:
                self.damage = (
                    f"{self.path.name}: over {LIMITS.members} members; the rest was not read"
                )
                return
            yield entry


def sniff(path: Path) -> str | None:
    """Archive format from the first bytes: "zip", "tar", "tar.gz", "tar.bz2", "tar.xz"."""
    try:
        with path.open("rb") as handle:
            head = handle.read(265)
    except OSError:
        return None
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
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


# -- zip: central directory, else local headers -------------------------------------------------

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # APPNOTE 4.3.7
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = 0x04034B50, 0x02014B50, 0x06054B50
_DESCRIPTOR_SIG = 0x08074B50
#: Signatures that may follow the last local record: central directory, zip64 end records,
#: archive extra data, digital signature, end of central directory (APPNOTE 4.3.6).
_AFTER_MEMBERS = {_CENTRAL_SIG, 0x06064B50, 0x07064B50, 0x08064B50, 0x05054B50, _END_SIG}


def _central_entry(info: zipfile.ZipInfo) -> Entry:
    name, problem = clean_name(info.filename, backslash=True)
    mode = (info.external_attr >> 16) if info.create_system == 3 else 0
    if info.is_dir():
        kind = DIR
    elif stat.S_ISLNK(mode):
        kind = LINK
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        kind = OTHER  # Unix zips keep st_mode in the high external attribute bits
    else:
        kind = FILE
    return Entry(
        info.filename,
        name,
        kind,
        info.file_size if kind in (FILE, LINK) else None,
        extra_utc_time(info.extra),
        (mode | (0 if stat.S_IFMT(mode) else _TYPE_BITS.get(kind, 0))) if mode else None,
        info.header_offset,
        None,
        info.compress_size,
        info.CRC,
        info.date_time,
        problem,
    )


def _zip_entries(scan: Scan) -> Iterator[Entry]:
    try:
        with zipfile.ZipFile(scan.path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        yield from _scan_local_headers(scan, why)
        return
    for info in infos:
        entry = _central_entry(info)
        if entry.kind == LINK:
            entry.link = _read_link(scan.path, entry)
        yield entry


def _read_link(path: Path, entry: Entry) -> str | None:
    """A zip symlink's target: the member's content (Info-ZIP stores it so)."""
    if (entry.size or 0) > LIMITS.link_bytes:
        return None
    try:
        with open_zip_member(path, entry) as handle:
            return handle.read(LIMITS.link_bytes).decode("utf-8", "replace")
    except (InputError, *ARCHIVE_ERRORS):
        return None


def _zip64_sizes(extra: bytes, size: int, csize: int) -> tuple[int, int]:
    """Sizes from the zip64 extra field (0x0001) where the header holds 0xFFFFFFFF (4.5.3)."""
    for tag, body in _extra_fields(extra):
        if tag != 0x0001:
            continue
        values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
        if size == 0xFFFFFFFF and values:
            size = values.pop(0)
        if csize == 0xFFFFFFFF and values:
            csize = values.pop(0)
    return size, csize


def _scan_local_headers(scan: Scan, why: str) -> Iterator[Entry]:
    """Members found by walking local file headers from the start, up to the damage."""
    walker = _LocalWalker(scan.path)
    try:
        yield from walker.walk()
    finally:
        walker.close()
    if walker.stopped is None:
        lost = "up to the central directory (none is missing)"
    else:
        lost = f"then {walker.stopped}; later members are lost"
    scan.damage = (
        f"{scan.path.name}: the zip's central directory is missing or damaged ({why}); "
        f"{walker.found} members were recovered from their local headers {lost}; "
        "file types (links) and permissions are only in the central directory and are unknown"
    )


class _LocalWalker:
    """Walks the local records of a zip (APPNOTE 4.3.6: header, data, optional descriptor)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("rb")
        self.size = os.fstat(self.handle.fileno()).st_size
        self.found = 0
        self.stopped: str | None = None

    def close(self) -> None:
        self.handle.close()

    def walk(self) -> Iterator[Entry]:
        offset = 0
        while self.stopped is None:
            self.handle.seek(offset)
            head = self.handle.read(_LOCAL.size)
            sig = struct.unpack_from("<I", head)[0] if len(head) >= 4 else None
            if sig in _AFTER_MEMBERS:
                return  # the central directory starts here: every local record was read
            if sig != _LOCAL_SIG or len(head) < _LOCAL.size:
                where = "cut" if len(head) < _LOCAL.size else "no local header"
                self.stopped = f"the archive is {where} at offset {offset}"
                return
            entry, end = self._record(offset, head)
            if entry is None:
                return
            self.found += 1
            yield entry
            offset = end

    def _record(self, offset: int, head: bytes) -> tuple[Entry | None, int]:
        _, _, flags, method, dtime, ddate, crc, csize, size, nlen, xlen = _LOCAL.unpack(head)
        raw_name = self.handle.read(nlen)
        extra = self.handle.read(xlen)
        if len(raw_name) < nlen or len(extra) < xlen:
            self.stopped = f"the local header at offset {offset} is cut"
            return None, 0
        # APPNOTE 4.4.4 bit 11: UTF-8 names; otherwise IBM code page 437, as zipfile reads them.
        raw = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "surrogateescape")
        size, csize = _zip64_sizes(extra, size, csize)
        data = offset + _LOCAL.size + nlen + xlen
        end = data + csize
        if flags & 0x8:  # sizes and CRC follow the data (APPNOTE 4.3.9)
            found = self._descriptor(raw, method, flags, data)
            if found is None:
                return None, 0
            size, csize, crc, end = found
        elif end > self.size:
            self.stopped = f"member {raw[:200]!r} is cut ({end - self.size} bytes missing)"
            return None, 0
        name, problem = clean_name(raw, backslash=True)
        kind = DIR if raw.endswith("/") and size == 0 else FILE
        entry = Entry(raw, name, kind, size if kind == FILE else None, extra_utc_time(extra))
        entry.offset, entry.csize, entry.crc, entry.problem = offset, csize, crc, problem
        entry.dos = _dos_fields(dtime, ddate)
        return entry, end

    def _descriptor(
        self, raw: str, method: int, flags: int, data: int
    ) -> tuple[int, int, int, int] | None:
        """(size, csize, crc, end) of a member whose sizes follow its data (deflate only)."""
        label = f"member {raw[:200]!r}"
        if method != 8 or flags & 0x1:
            self.stopped = (
                f"{label} has its size after its data and is stored or encrypted, so its end "
                "cannot be found without the central directory"
            )
            return None
        self.handle.seek(data)
        inflater = zlib.decompressobj(-15)
        size = crc = 0
        while not inflater.eof:
            chunk = inflater.unconsumed_tail or self.handle.read(CHUNK)
            if not chunk:
                self.stopped = f"{label} is cut"
                return None
            try:
                out = inflater.decompress(chunk, CHUNK)
            except zlib.error as exc:
                self.stopped = f"{label} is damaged ({exc})"
                return None
            size += len(out)
            crc = zlib.crc32(out, crc)
            if size > LIMITS.member_bytes:
                self.stopped = f"{label} expands beyond {LIMITS.member_bytes} bytes"
                return None
        csize = self.handle.tell() - len(inflater.unused_data) - len(inflater.unconsumed_tail)
        csize -= data
        tail = self._descriptor_bytes(data + csize, size, crc)
        if tail is None:
            self.stopped = f"{label}: its data descriptor is cut or does not match its data"
            return None
        return size, csize, crc, data + csize + tail

    def _descriptor_bytes(self, at: int, size: int, crc: int) -> int | None:
        """Length of the data descriptor at ``at`` (with or without signature, 32 or 64 bit)."""
        self.handle.seek(at)
        blob = self.handle.read(24)
        for skip in (4, 0) if blob[:4] == struct.pack("<I", _DESCRIPTOR_SIG) else (0,):
            for fmt in ("<III", "<IQQ"):
                if len(blob) < skip + struct.calcsize(fmt):
                    continue
                got_crc, _, got_size = struct.unpack_from(fmt, blob, skip)
                if got_crc == crc and got_size == size:
                    return skip + struct.calcsize(fmt)
        return None


# -- zip: reading one member --------------------------------------------------------------------


class _ZipStream(io.RawIOBase):
    """A zip member's content, decompressed, capped at its declared size, CRC-32 checked."""

    def __init__(self, handle: IO[bytes], entry: Entry, method: int) -> None:
        self.handle, self.entry = handle, entry
        self.left = entry.csize or 0
        self.size = entry.size or 0
        self.produced = 0
        self.crc = 0
        self.buffer = b""
        self.decompressor: Any = None
        if method == 8:
            self.decompressor = zlib.decompressobj(-15)
        elif method != 0:  # bzip2, LZMA, deflate64...: not written by phone acquisition tools
            raise InputError(f"{entry.label()}: compression method {method} is not supported")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while not self.buffer and not self._finished():
            self._fill()
        size = min(len(view), len(self.buffer))
        view[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size

    def _finished(self) -> bool:
        if self.produced >= self.size and (self.left == 0 or self.decompressor is not None):
            self._check_end()
            return True
        return False

    def _fill(self) -> None:
        label = self.entry.label()
        data = b"" if self.decompressor is None else self.decompressor.unconsumed_tail
        if not data:
            if self.left == 0 or (self.decompressor is not None and self.decompressor.eof):
                raise InputError(
                    f"{label}: the data ends after {self.produced} of {self.size} bytes"
                )
            data = self.handle.read(min(CHUNK, self.left))
            if not data:
                raise InputError(f"{label}: the archive is cut inside this member")
            self.left -= len(data)
        try:  # max_length bounds memory: one compressed chunk may hold a gigabyte of zeros
            out = data if self.decompressor is None else self.decompressor.decompress(data, CHUNK)
        except zlib.error as exc:
            raise InputError(f"{label}: damaged compressed data ({exc})") from exc
        self.produced += len(out)
        if self.produced > self.size:
            raise InputError(f"{label}: expands beyond its declared size of {self.size} bytes")
        self.crc = zlib.crc32(out, self.crc)
        self.buffer = out

    def _check_end(self) -> None:
        if self.crc != self.entry.crc:
            raise InputError(f"{self.entry.label()}: CRC-32 mismatch; the member is damaged")

    def close(self) -> None:
        self.handle.close()
        super().close()


def open_zip_member(path: Path, entry: Entry) -> IO[bytes]:
    """A regular zip member's content, read from its local header (one open file per member)."""
    handle = path.open("rb")
    try:
        handle.seek(entry.offset)
        head = handle.read(_LOCAL.size)
        if len(head) < _LOCAL.size or struct.unpack_from("<I", head)[0] != _LOCAL_SIG:
            raise InputError(f"{entry.label()}: no local header at offset {entry.offset}")
        _, _, flags, method, *_, nlen, xlen = _LOCAL.unpack(head)
        if flags & 0x1:
            raise InputError(f"{entry.label()}: encrypted; not read")
        local = handle.read(nlen).decode("utf-8" if flags & 0x800 else "cp437", "surrogateescape")
        if local != entry.raw:  # zipfile checks this too: the directory points elsewhere
            raise InputError(
                f"{entry.label()}: the local header at offset {entry.offset} names "
                f"{local[:200]!r}; the archive is damaged"
            )
        handle.seek(entry.offset + _LOCAL.size + nlen + xlen)
        stream = _ZipStream(handle, entry, method)
    except BaseException:
        handle.close()
        raise
    return io.BufferedReader(stream, CHUNK)


# -- tar ----------------------------------------------------------------------------------------


def tar_entry(info: tarfile.TarInfo) -> Entry:
    """A tar header as an Entry."""
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
    bits = _TYPE_BITS.get(kind, _TAR_TYPES.get(info.type, 0))
    try:
        mtime: datetime | None = datetime.fromtimestamp(info.mtime, UTC) if info.mtime else None
    except (OverflowError, OSError, ValueError):
        mtime = None
    name, problem = clean_name(info.name)
    return Entry(
        info.name,
        name,
        kind,
        info.size if kind == FILE else None,
        mtime,
        bits | (info.mode & 0o7777),
        info.offset,
        info.linkname if kind in (LINK, HARD) else None,
        problem=problem,
    )


def _tar_entries(scan: Scan) -> Iterator[Entry]:
    """Members up to the first damaged header; a compressed stream under the ratio guard."""
    compressed = scan.fmt != "tar"
    limit = max(LIMITS.ratio_floor, LIMITS.ratio * scan.path.stat().st_size)
    count = 0
    try:
        with tarfile.open(scan.path, "r:*") as tf:
            members: list[tarfile.TarInfo] = getattr(tf, "members")  # noqa: B009 - untyped
            end = 0
            while (info := tf.next()) is not None:
                members.clear()  # keep memory flat: callers keep what they need
                count += 1
                yield tar_entry(info)
                end = tf.offset
                if compressed and end > limit:
                    raise tarfile.ReadError(
                        f"decompression bomb guard: the archive expands more than {LIMITS.ratio} "
                        f"times at member {info.name[:200]!r}"
                    )
            if _nonzero_tail(tf, end):
                raise tarfile.ReadError(f"invalid member header at offset {end}")
    except (*ARCHIVE_ERRORS, ValueError) as exc:
        scan.damage = (
            f"{scan.path.name}: the archive is damaged after {count} members "
            f"({type(exc).__name__}: {exc}); the rest was not read"
        )


def _nonzero_tail(tf: tarfile.TarFile, end: int) -> bool:
    """After the last member only zero blocks are expected; data means a damaged header."""
    assert tf.fileobj is not None
    tf.fileobj.seek(end)
    while chunk := tf.fileobj.read(CHUNK):
        if chunk.count(0) != len(chunk):
            return True
    return False


def open_tar_member(tf: tarfile.TarFile, entry: Entry) -> IO[bytes]:
    """A regular tar member's content, by its header offset (the archive must not have changed)."""
    assert tf.fileobj is not None
    tf.fileobj.seek(entry.offset)
    info = tarfile.TarInfo.fromtarfile(tf)
    handle = tf.extractfile(info) if info.isreg() else None
    if handle is None or info.name != entry.raw:
        raise InputError(f"{entry.label()}: the archive changed")
    return handle


# -- extraction under the limits ----------------------------------------------------------------


def check_member(entry: Entry) -> None:
    """Refuse a member over the size limit, or a compressed one over the ratio limit."""
    size = entry.size or 0
    if size > LIMITS.member_bytes:
        raise InputError(
            f"{entry.label()} is {size} bytes, over the {LIMITS.member_bytes} byte limit; not "
            "extracted (decompression bomb guard)"
        )
    if entry.csize is not None and size > LIMITS.ratio_floor:
        ratio = size / max(entry.csize, 1)
        if ratio > LIMITS.ratio:
            raise InputError(
                f"{entry.label()} expands {ratio:.0f} times, over the {LIMITS.ratio}:1 limit "
                "for large members; not extracted (decompression bomb guard)"
            )


def check_stream(produced: int, consumed: int, what: str) -> None:
    """Refuse a compressed stream (``.ab``, tar.gz) past the ratio or total limits."""
    if produced > LIMITS.total_bytes or (
        produced > LIMITS.ratio_floor and produced > LIMITS.ratio * max(consumed, 1)
    ):
        raise InputError(f"{what}: inflates beyond the limits (a decompression bomb guard)")


def copy_capped(source: IO[bytes], dest: Path, declared: int, what: str) -> int:
    """Copy ``source`` into ``dest`` (a new 0600 file or one made by TempSpace.slot)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > declared:
                raise InputError(f"{what}: expands beyond its declared size of {declared}")
            out.write(chunk)
    return written


class ExtractSpace(TempSpace):
    """A TempSpace that accounts for what is unpacked into it (the total limit, free space)."""

    def __init__(self, prefix: str = "tracehound-") -> None:
        super().__init__(prefix)
        self.used = 0  # bytes unpacked so far

    def reserve(self, size: int, what: str) -> None:
        """Account for ``size`` more bytes; refuse over the total limit or the free space."""
        if self.used + size > LIMITS.total_bytes:
            raise InputError(
                f"{what}: extracting it would exceed {LIMITS.total_bytes} bytes in all for one "
                "acquisition; not extracted (decompression bomb guard)"
            )
        free = self.free_bytes()
        if size + LIMITS.free_space_margin > free:
            raise InputError(
                f"{what}: {size} bytes do not fit in the temporary folder ({free} bytes free); "
                "set TMPDIR to a larger disk"
            )
        self.used += size

    def extract(self, entry: Entry, opener: Callable[[Entry], IO[bytes]], dest: Path) -> Path:
        """Copy one regular member to ``dest`` under every guard; remove it on failure."""
        try:
            check_member(entry)
            self.reserve(entry.size or 0, entry.label())
            with opener(entry) as source:
                copy_capped(source, dest, entry.size or 0, entry.label())
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return dest
