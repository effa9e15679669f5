"""An iOS full filesystem dump: a folder, or a .tar, .tar.gz/.tgz or .zip archive read in place.

Layouts (facts: MVT's ``check-fs`` expects an extracted dump whose top holds ``private/var``;
checkm8 and agent-based extractors write a tar of the device root, ``private/...``, ``System/...``;
Cellebrite-style zips put the root in one top folder such as ``filesystem1/``; some tools dump only
``/private``, whose top is then ``var/...``). The device root is recognised by the marker folders
``private/var/mobile`` or ``var/mobile``, at the top or under one top folder; every member then
maps to its canonical device path (``var/mobile/x`` in a dump of ``/private`` is
``/private/var/mobile/x``). Members outside the device root are ignored.

Archives are never extracted as a whole. Opening one reads its member list once into a private
SQLite index (memory stays flat for a million members). A .tar.gz can only be read in order, so
``find()`` remembers the files the artifacts need and the first ``local()`` extracts all of them,
and their SQLite ``-wal``/``-shm``/``-journal`` siblings, in ONE pass in archive order; later
single files reopen the archive. Plain tar and zip members are read by offset.

Guards: names with ``..`` or an absolute path are not exposed (counted, reported); symbolic links
are followed inside the dump in device-path space (an absolute target is a device path) and a
link leaving the dump is refused, like tar hard links whose target is not a member; device
files, FIFOs and sockets are never opened; an extracted member may not exceed MAX_MEMBER_BYTES,
a zip member may not expand more than MAX_MEMBER_RATIO times, and all extractions together may
not exceed MAX_TOTAL_RATIO times the archive's size (with a floor), so a decompression bomb is
refused with an InputError naming the member. Extracted copies live in a private temporary
folder (mode 0700) removed by ``close()`` or, failing that, when the source is garbage collected.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sqlite3
import stat
import struct
import tarfile
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.sources.base import FileEntry, Source, SourceOptions, source_opener
from tracehound.sources.glob import compile_glob, literal_basename

MAX_MEMBER_BYTES = 4 * 1024**3
MAX_MEMBER_RATIO = 1024  # zip: uncompressed / compressed, above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2
MAX_TOTAL_RATIO = 100  # all extractions (and a compressed tar's index pass) / archive size
TOTAL_FLOOR_BYTES = 1024**3
MAX_LINK_HOPS = 40
MAX_LINK_BYTES = 4096
MAX_NOTES = 20
COPY_CHUNK = 1024 * 1024
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
SYSTEM_VERSION = "/System/Library/CoreServices/SystemVersion.plist"
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".zip")

# Member kinds: regular file, folder, symbolic link, tar hard link, anything else.
FILE, DIR, LINK, HARD, OTHER = "f", "d", "l", "h", "o"
_TYPE_BITS = {FILE: stat.S_IFREG, DIR: stat.S_IFDIR, LINK: stat.S_IFLNK, HARD: stat.S_IFREG}
_TAR_OTHER = {
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}

Probe = Callable[[str], tuple[str | None, str | None]]  # device path -> (kind, link target)


class LinkEscape(InputError):
    """A link points outside the dump."""


@dataclass(frozen=True)
class Layout:
    """Where the device root sits in a dump: ``prefix`` folder, and what its top maps to."""

    prefix: str  # "" or one top folder name
    base: str  # "" when the top is the device's "/", "/private" when it is "/private"

    def to_device(self, name: str) -> str | None:
        """Device path of a cleaned member name; None outside the device root or for the root."""
        if self.prefix:
            if not name.startswith(self.prefix + "/"):
                return None
            name = name[len(self.prefix) + 1 :]
        return f"{self.base}/{name}" if name else None

    def to_name(self, device_path: str) -> str | None:
        """Member name (relative to the container) of a device path; None if not representable."""
        if not device_path.startswith(self.base + "/"):
            return None
        rel = device_path[len(self.base) + 1 :]
        if not rel or any(s in ("", ".", "..") for s in rel.split("/")):
            return None
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def describe(self) -> str:
        """The marker folder that revealed the layout, e.g. ``filesystem1/private/var/``."""
        return (self.prefix + "/" if self.prefix else "") + (
            "var/" if self.base else "private/var/"
        )


def clean_name(raw: str) -> tuple[str, str | None]:
    """A member name without ``./``, empty or ``.`` segments; and why it is unsafe, if it is."""
    if raw.startswith("/"):
        return raw, "absolute member name"
    segments = [s for s in raw.split("/") if s not in ("", ".")]
    if ".." in segments:
        return raw, "member name climbs out of the archive (..)"
    name = "/".join(segments)
    if not _valid_text(name):
        return raw.encode("utf-8", "replace").decode(), "member name is not valid UTF-8"
    return name, None


def detect_layout(name: str) -> Layout | None:
    """The layout a member name reveals: ``[top/]private/var/mobile...`` or ``[top/]var/mobile``."""
    seg = name.split("/", 4)
    for i in (0, 1):
        prefix = seg[0] if i else ""
        if seg[i : i + 3] == ["private", "var", "mobile"]:
            return Layout(prefix, "")
        if seg[i : i + 2] == ["var", "mobile"] and prefix != "private":
            return Layout(prefix, "/private")
    return None


def resolve(device_path: str, probe: Probe) -> str:
    """Follow symbolic links component by component in device-path space.

    An absolute target is a device path; ``..`` above the device root is an escape (LinkEscape).
    """
    pending = [s for s in device_path.split("/") if s]
    done: list[str] = []
    hops = 0
    while pending:
        segment = pending.pop(0)
        if segment == ".":
            continue
        if segment == "..":
            if not done:
                raise LinkEscape(f"{device_path}: a link points outside the dump")
            done.pop()
            continue
        kind, target = probe("/" + "/".join([*done, segment]))
        if kind != LINK:
            done.append(segment)
            continue
        hops += 1
        if hops > MAX_LINK_HOPS or not target:
            raise InputError(f"{device_path}: too many levels of links, or an empty link")
        if target.startswith("/"):
            done = []
        pending = [s for s in target.split("/") if s] + pending
    return "/" + "/".join(done)


def _timestamp(value: float | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class _Matcher:
    """Device-path globs; a literal prefix or basename is checked before any regex."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.by_base: dict[str, list[str]] = {}
        self.wild: list[tuple[str, str]] = []  # (literal prefix, pattern)
        for pattern in dict.fromkeys(patterns):
            base = literal_basename(pattern)
            if base is not None:
                self.by_base.setdefault(base, []).append(pattern)
            else:
                self.wild.append((_literal_prefix(pattern), pattern))
        literal = [p for group in self.by_base.values() for p in group]
        self.prefixes = sorted(
            {_literal_prefix(p) for p in literal} | {pre for pre, _ in self.wild}
        )

    def matches(self, path: str) -> list[str]:
        hits = [
            p for p in self.by_base.get(path.rpartition("/")[2], ()) if compile_glob(p).match(path)
        ]
        hits.extend(
            p for pre, p in self.wild if path.startswith(pre) and compile_glob(p).match(path)
        )
        return hits

    def could_contain(self, folder: str) -> bool:
        """Whether a path below device folder ``folder`` can match a pattern (walk pruning)."""
        inside = folder + "/"
        return any(p.startswith(inside) or inside.startswith(p) for p in self.prefixes)


def _literal_prefix(pattern: str) -> str:
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


class FilesystemDump(Source):
    """What folder and archive dumps share: globbing, link resolution, facts."""

    kind = "ios_fs"
    platform = "ios"
    dump_format = "folder"

    def __init__(self, root: Path, layout: Layout) -> None:
        super().__init__(root)
        self.layout = layout
        self._facts: dict[str, Any] | None = None
        self._notes: set[str] = set()
        self.skipped = 0  # unsafe or undecodable names not exposed

    # -- hooks --------------------------------------------------------------------------------
    def _probe(self, device_path: str) -> tuple[str | None, str | None]:
        raise NotImplementedError

    def _candidates(self, matcher: _Matcher) -> Iterator[tuple[str, str]]:
        """(device path, kind) of files, links and hard links a glob may match."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------------
    def _note(self, message: str) -> None:
        """Record a problem once (the run is then incomplete); keep at most MAX_NOTES."""
        if message in self._notes:
            return
        self._notes.add(message)
        if len(self._notes) <= MAX_NOTES:
            self.errors.append(message)
        elif len(self._notes) == MAX_NOTES + 1:
            self.errors.append("more problems with the dump were found; only the first are listed")

    def _regular(self, device_path: str) -> str:
        """The device path of the regular file behind ``device_path`` (links followed)."""
        final = resolve(device_path, self._probe)
        kind, link = self._probe(final)
        if kind == HARD:
            final = self._hard_target(device_path, link)
            kind = FILE
        if kind is None:
            raise InputError(f"{device_path}: not in the dump")
        if kind != FILE:
            what = "a folder" if kind == DIR else "a device file, FIFO or socket"
            raise InputError(f"{device_path}: is {what}, not a regular file")
        return final

    def _hard_target(self, device_path: str, link: str | None) -> str:
        raise InputError(f"{device_path}: hard links are not supported here")

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        matcher = _Matcher(p for p in wanted if p.startswith("/"))
        for path, kind in self._candidates(matcher):
            hits = matcher.matches(path)
            if not hits:
                continue
            if kind != FILE:
                try:
                    self._regular(path)
                except LinkEscape as exc:
                    self._note(str(exc))
                    continue
                except InputError:
                    continue  # dangling links are common in partial dumps
            for pattern in hits:
                result[pattern].append(path)
        for paths in result.values():
            paths.sort()
        self._found(sorted({p for paths in result.values() for p in paths}))
        return result

    def _found(self, paths: list[str]) -> None:
        """Hook: the files the artifacts will read (archives extract them in one pass)."""

    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            version, status = self._system_version()
            self._facts = {
                "kind": self.kind,
                "platform": self.platform,
                "device_name": None,
                "product_type": None,  # not in SystemVersion.plist
                "os_version": version.get("ProductVersion"),
                "os_build": version.get("ProductBuildVersion"),
                "dump_format": self.dump_format,
                "dump_prefix": self.layout.prefix + "/" if self.layout.prefix else "",
                "dump_top": self.layout.base or "/",
                "system_version_plist": status,
                "skipped_members": self.skipped,
            }
        return dict(self._facts)

    def _system_version(self) -> tuple[dict[str, Any], str]:
        try:
            self._regular(SYSTEM_VERSION)
        except InputError:
            return {}, "absent"
        try:
            with self.local(SYSTEM_VERSION).open("rb") as handle:
                obj = plistlib.loads(handle.read(1024 * 1024))
        except Exception as exc:  # plistlib raises many types on damaged input
            return {}, f"unreadable: {type(exc).__name__}: {exc}"[:200]
        if not isinstance(obj, dict):
            return {}, "unreadable: not a dictionary"
        return {k: v for k, v in obj.items() if isinstance(v, str)}, "read"


# -- folders --------------------------------------------------------------------------------


class FolderDump(FilesystemDump):
    """A dump extracted to a folder; files are read where they are."""

    def __init__(self, root: Path, layout: Layout) -> None:
        super().__init__(root, layout)
        self.device_root = root / layout.prefix if layout.prefix else root
        self._bad_names: set[str] = set()

    def _path(self, device_path: str) -> Path:
        name = self.layout.to_name(device_path)
        if name is None:
            raise InputError(f"{device_path}: not a path of this dump")
        return self.root / name

    def _probe(self, device_path: str) -> tuple[str | None, str | None]:
        try:
            path = self._path(device_path)
            info = os.lstat(path)
        except (InputError, OSError, ValueError):
            return None, None
        if stat.S_ISLNK(info.st_mode):
            try:
                return LINK, os.readlink(path)
            except OSError:
                return None, None
        if stat.S_ISDIR(info.st_mode):
            return DIR, None
        return (FILE if stat.S_ISREG(info.st_mode) else OTHER), None

    def local(self, device_path: str) -> Path:
        path = self._path(self._regular(device_path))
        # Defence in depth: whatever the links, the file must lie inside the dump.
        if not path.resolve().is_relative_to(self.device_root.resolve()):
            raise LinkEscape(f"{device_path}: points outside the dump")
        return path

    def describe(self, device_path: str) -> str:
        return self.layout.to_name(device_path) or device_path

    def own_inputs(self) -> list[tuple[str, Path]]:
        try:
            return [(SYSTEM_VERSION, self.local(SYSTEM_VERSION))]
        except InputError:
            return []

    def _walk(self, matcher: _Matcher | None) -> Iterator[tuple[str, os.DirEntry[str]]]:
        """(device path, entry) of everything below the device root, pre-order, sorted."""
        stack: list[tuple[str, str]] = [(str(self.device_root), self.layout.base)]
        while stack:
            folder, device = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    items = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                self._note(f"{device or '/'}: cannot list the folder: {exc.strerror or exc}")
                continue
            subdirs: list[tuple[str, str]] = []
            for item in items:
                path = f"{device}/{item.name}"
                if not _valid_text(item.name):
                    self._bad_names.add(path)
                    self.skipped = len(self._bad_names)
                    self._note(f"{device}/{item.name!r}: name is not valid UTF-8; skipped")
                    continue
                yield path, item
                if item.is_dir(follow_symlinks=False) and (
                    matcher is None or matcher.could_contain(path)
                ):
                    subdirs.append((item.path, path))
            stack.extend(reversed(subdirs))

    def _candidates(self, matcher: _Matcher) -> Iterator[tuple[str, str]]:
        for path, item in self._walk(matcher):
            if item.is_symlink():
                yield path, LINK
            elif item.is_file(follow_symlinks=False):
                yield path, FILE

    def entries(self) -> Iterator[FileEntry]:
        for path, item in self._walk(None):
            try:
                info = item.stat(follow_symlinks=False)
            except OSError as exc:
                self._note(f"{path}: cannot read its metadata: {exc.strerror or exc}")
                continue
            is_dir = stat.S_ISDIR(info.st_mode)
            size = info.st_size if stat.S_ISREG(info.st_mode) else None
            yield FileEntry(path, is_dir, size, _timestamp(info.st_mtime), info.st_mode)


def _valid_text(name: str) -> bool:
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _real_dirs(base: Path, parts: tuple[str, ...]) -> bool:
    """Whether ``base/parts...`` are folders, none of them a symbolic link."""
    path = base
    for part in parts:
        path = path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except OSError:
            return False
    return True


def _folder_layout(folder: Path, prefix: str) -> Layout | None:
    top = folder / prefix if prefix else folder
    if _real_dirs(top, ("private", "var", "mobile")):
        return Layout(prefix, "")
    if _real_dirs(top, ("var", "mobile")) and prefix != "private":
        return Layout(prefix, "/private")
    return None


@source_opener(priority=70)
def open_folder(path: Path, options: SourceOptions) -> Source | None:
    """A folder holding an extracted dump, at its top or in one sub-folder (``filesystem1/``)."""
    if not path.is_dir():
        return None
    layout = _folder_layout(path, "")
    if layout is None:
        try:
            children = sorted(c.name for c in path.iterdir())
        except OSError:
            return None
        found = [
            found
            for name in children
            if _real_dirs(path, (name,)) and (found := _folder_layout(path, name)) is not None
        ]
        if len(found) > 1:
            names = ", ".join(f.prefix for f in found[:10])
            raise NotAnAcquisition(
                f"{path}: holds {len(found)} filesystem dumps ({names}); choose one"
            )
        layout = found[0] if found else None
    return FolderDump(path, layout) if layout is not None else None


# -- archives -------------------------------------------------------------------------------

_SCHEMA = """CREATE TABLE m (name TEXT PRIMARY KEY, kind TEXT, size INTEGER, mtime REAL,
  mode INTEGER, loc INTEGER, link TEXT, raw TEXT, csize INTEGER) WITHOUT ROWID"""
_COLUMNS = "name, kind, size, mtime, mode, loc, link, raw, csize"


@dataclass
class _Member:
    name: str
    kind: str
    size: int | None
    mtime: float | None
    mode: int | None
    loc: int  # tar: offset of the member's first header; zip: local header offset
    link: str | None  # symlink target, or a tar hard link's member name
    raw: str  # the name as stored (zip lookups)
    csize: int | None  # zip: compressed size


class _Indexer:
    """Collects members into the SQLite index and spots the device root."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[Any, ...]] = []
        self.dirs: set[str] = set()
        self.layouts: list[Layout] = []
        self.unsafe: list[str] = []
        self.count = 0
        self.dos_times = 0

    def add(self, m: _Member) -> None:
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
            f"INSERT OR REPLACE INTO m ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", self.rows
        )
        self.rows.clear()

    def finish(self) -> None:
        self.flush()
        implied = ((d, DIR, None, None, stat.S_IFDIR, -1, None, d, None) for d in self.dirs)
        self.conn.executemany(
            f"INSERT OR IGNORE INTO m ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", implied
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


def _tar_member(info: tarfile.TarInfo) -> _Member:
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
    return _Member(
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


def _zip_member(info: zipfile.ZipInfo, indexer: _Indexer, zf: zipfile.ZipFile) -> _Member:
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
    return _Member(
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


class ArchiveDump(FilesystemDump):
    """A dump inside a tar (plain or compressed) or zip archive, read without unpacking it."""

    def __init__(self, archive: Path, fmt: str, tmp: Path, conn: sqlite3.Connection) -> None:
        super().__init__(archive, Layout("", ""))
        self.archive = archive
        self.dump_format = fmt
        self.tmp = tmp
        self.conn = conn
        self.members = 0
        self.dos_times = 0
        self._local: dict[str, Path] = {}
        self._failed: dict[str, InputError] = {}
        self._pending: set[str] = {SYSTEM_VERSION}
        self._extracted_bytes = 0
        self._copies = 0
        self._size = archive.stat().st_size
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(tmp), ignore_errors=True)

    @property
    def total_limit(self) -> int:
        return max(TOTAL_FLOOR_BYTES, MAX_TOTAL_RATIO * self._size)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, archive: Path, fmt: str) -> ArchiveDump | None:
        """Index ``archive``; None when it holds no iOS device root."""
        tmp = Path(tempfile.mkdtemp(prefix="tracehound-ffs-"))
        tmp.chmod(0o700)
        conn = sqlite3.connect(tmp / "index.db")
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        source = cls(archive, fmt, tmp, conn)
        try:
            if source._index() is None:
                source.close()
                return None
        except BaseException:
            source.close()
            raise
        return source

    def _index(self) -> Layout | None:
        indexer = _Indexer(self.conn)
        try:
            if self.dump_format == "zip":
                self._index_zip(indexer)
            else:
                self._index_tar(indexer)
        except (
            tarfile.TarError,
            zipfile.BadZipFile,
            EOFError,
            OSError,
            zlib.error,
            ValueError,
        ) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not indexer.layouts:
                if self.archive.name.lower().endswith(ARCHIVE_SUFFIXES):
                    raise NotAnAcquisition(
                        f"{self.archive}: cannot read the archive ({reason})"
                    ) from exc
                return None
            self._note(
                f"{self.archive.name}: the archive is damaged after {indexer.count} members "
                f"({reason}); the rest was not read"
            )
        indexer.finish()
        if not indexer.layouts:
            return None
        self.layout = indexer.layouts[0]
        for other in indexer.layouts[1:]:
            self._note(
                f"{self.archive.name}: also holds a device root under {other.describe()!r}; "
                f"only {self.layout.describe()!r} was read"
            )
        self.members, self.dos_times = indexer.count, indexer.dos_times
        self.skipped = len(indexer.unsafe)
        for problem in indexer.unsafe[:MAX_NOTES]:
            self._note(f"{self.archive.name}: member {problem}; not read")
        return self.layout

    def _index_zip(self, indexer: _Indexer) -> None:
        with zipfile.ZipFile(self.archive) as zf:
            for info in zf.infolist():
                indexer.add(_zip_member(info, indexer, zf))

    def _index_tar(self, indexer: _Indexer) -> None:
        compressed = self.dump_format != "tar"
        with tarfile.open(self.archive, "r:*") as tf:
            members: list[tarfile.TarInfo] = getattr(tf, "members")  # noqa: B009 - untyped
            end = 0
            while (info := tf.next()) is not None:
                members.clear()  # keep memory flat: the index is ours
                indexer.add(_tar_member(info))
                end = tf.offset
                if compressed and end > self.total_limit:
                    raise tarfile.ReadError(
                        f"decompression bomb guard: the archive expands beyond {MAX_TOTAL_RATIO} "
                        f"times its size at member {info.name[:200]!r}"
                    )
            if _nonzero_tail(tf, end):
                raise tarfile.ReadError(f"invalid member header at offset {end}")

    # -- lookups ------------------------------------------------------------------------------
    def _member(self, name: str) -> _Member | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM m WHERE name = ?", (name,)).fetchone()
        return _Member(*row) if row else None

    def _probe(self, device_path: str) -> tuple[str | None, str | None]:
        name = self.layout.to_name(device_path)
        member = self._member(name) if name is not None else None
        return (member.kind, member.link) if member else (None, None)

    def _hard_target(self, device_path: str, link: str | None) -> str:
        name, problem = clean_name(link or "")
        target = self.layout.to_device(name) if problem is None else None
        if target is None:
            raise LinkEscape(f"{device_path}: a hard link points outside the dump ({link!r:.200})")
        if self._probe(target)[0] != FILE:
            raise InputError(f"{device_path}: hard link to {link!r:.200}, which is not a file")
        return target

    def _range(self) -> tuple[str, tuple[str, ...]]:
        if not self.layout.prefix:
            return "", ()
        return " AND name > ? AND name < ?", (self.layout.prefix + "/", self.layout.prefix + "0")

    def _candidates(self, matcher: _Matcher) -> Iterator[tuple[str, str]]:
        where, args = self._range()
        sql = f"SELECT name, kind FROM m WHERE kind IN ('f', 'l', 'h'){where}"
        for name, kind in self.conn.execute(sql, args):
            device = self.layout.to_device(name)
            if device is not None:
                yield device, kind

    def entries(self) -> Iterator[FileEntry]:
        where, args = self._range()
        sql = f"SELECT name, kind, size, mtime, mode FROM m WHERE 1{where} ORDER BY name"
        for name, kind, size, mtime, mode in self.conn.execute(sql, args):
            device = self.layout.to_device(name)
            if device is not None:
                yield FileEntry(device, kind == DIR, size, _timestamp(mtime), mode)

    def facts(self) -> dict[str, Any]:
        facts = super().facts()
        facts["members"] = self.members
        if self.dump_format == "zip":  # DOS times have no zone; they were read as UTC
            facts["zip_times_without_zone"] = self.dos_times
        return facts

    def describe(self, device_path: str) -> str:
        return f"{self.archive.name}:{self.layout.to_name(device_path)}"

    def origin(self, device_path: str) -> Path | None:
        return self.archive

    # -- extraction ---------------------------------------------------------------------------
    def _found(self, paths: list[str]) -> None:
        self._pending.update(paths)

    def local(self, device_path: str) -> Path:
        if device_path not in self._local and device_path not in self._failed:
            batch, self._pending = self._pending | {device_path}, set()
            self._extract(batch)
        if device_path in self._local:
            return self._local[device_path]
        raise self._failed[device_path]

    def _extract(self, device_paths: Iterable[str]) -> None:
        """Extract the members behind ``device_paths`` and their SQLite siblings, in one pass."""
        wanted: dict[str, list[str]] = {}  # member name -> device paths it serves
        for device_path in device_paths:
            if device_path in self._local or device_path in self._failed:
                continue
            try:
                name = self.layout.to_name(self._regular(device_path))
            except InputError as exc:
                self._failed[device_path] = exc
                continue
            if name is not None:
                wanted.setdefault(name, []).append(device_path)
        jobs: list[tuple[_Member, Path, str]] = []  # (member, destination, main member name)
        dest_of: dict[str, Path] = {}
        for name in sorted(wanted):
            self._copies += 1
            folder = self.tmp / "files" / str(self._copies)
            folder.mkdir(parents=True, mode=0o700)
            base = name.rpartition("/")[2]
            dest_of[name] = folder / base
            for suffix in ("", *SQLITE_SIBLINGS):
                member = self._member(name + suffix)
                if member is not None and member.kind == FILE:
                    jobs.append((member, folder / (base + suffix), name))
        jobs.sort(key=lambda job: job[0].loc)
        failures = self._run_jobs(jobs)
        for name, device_list in wanted.items():
            for device_path in device_list:
                if name in failures:
                    self._failed[device_path] = InputError(f"{device_path}: {failures[name]}")
                else:
                    self._local[device_path] = dest_of[name]

    def _run_jobs(self, jobs: list[tuple[_Member, Path, str]]) -> dict[str, str]:
        """Copy each member out; return main member name -> why it (or a sibling) failed."""
        failures: dict[str, str] = {}
        if not jobs:
            return failures
        try:
            with _reader(self.archive, self.dump_format) as reader:
                for member, dest, main in jobs:
                    if main in failures:
                        continue
                    try:
                        self._check_size(member)
                        with reader(member) as handle:
                            self._extracted_bytes += _copy(handle, dest, member.size or 0)
                        dest.chmod(0o400)
                    except InputError as exc:
                        failures[main] = str(exc)
                    except (
                        tarfile.TarError,
                        zipfile.BadZipFile,
                        EOFError,
                        OSError,
                        zlib.error,
                        RuntimeError,
                        NotImplementedError,
                        ValueError,
                    ) as exc:
                        failures[main] = (
                            f"cannot extract member {member.raw[:200]!r} from "
                            f"{self.archive.name}: {type(exc).__name__}: {exc}"
                        )
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            for _, _, main in jobs:
                failures.setdefault(main, f"cannot reopen {self.archive.name}: {exc}")
        return failures

    def _check_size(self, member: _Member) -> None:
        size = member.size or 0
        label = f"member {member.raw[:200]!r}"
        if size > MAX_MEMBER_BYTES:
            raise InputError(
                f"{label} is {size} bytes, over the {MAX_MEMBER_BYTES} byte limit; not extracted "
                "(decompression bomb guard)"
            )
        if (
            member.csize is not None
            and size > RATIO_MIN_BYTES
            and size > MAX_MEMBER_RATIO * max(member.csize, 1)
        ):
            raise InputError(
                f"{label} expands {size // max(member.csize, 1)} times (limit "
                f"{MAX_MEMBER_RATIO}); not extracted (decompression bomb guard)"
            )
        if self._extracted_bytes + size > self.total_limit:
            raise InputError(
                f"{label}: extracting it would exceed {self.total_limit} bytes in all "
                f"({MAX_TOTAL_RATIO} times the archive); not extracted (decompression bomb guard)"
            )

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self._finalizer()


@contextmanager
def _reader(archive: Path, fmt: str) -> Iterator[Callable[[_Member], IO[bytes]]]:
    """The archive opened once; yields ``read(member) -> binary file`` of a regular member."""
    if fmt == "zip":
        with zipfile.ZipFile(archive) as zf:

            def read_zip(member: _Member) -> IO[bytes]:
                info = zf.NameToInfo.get(member.raw)
                if info is None or info.flag_bits & 0x1:
                    raise InputError(f"member {member.raw[:200]!r}: missing, or encrypted")
                return zf.open(info)

            yield read_zip
        return
    with tarfile.open(archive, "r:*") as tf:

        def read_tar(member: _Member) -> IO[bytes]:
            assert tf.fileobj is not None
            tf.fileobj.seek(member.loc)
            info = tarfile.TarInfo.fromtarfile(tf)
            handle = tf.extractfile(info) if info.isreg() else None
            if handle is None or clean_name(info.name)[0] != member.name:
                raise InputError(f"member {member.raw[:200]!r}: the archive changed")
            return handle

        yield read_tar


def _copy(source: IO[bytes], dest: Path, declared: int) -> int:
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


def _nonzero_tail(tf: tarfile.TarFile, end: int) -> bool:
    """After the last member: only zero blocks are expected. Data means a damaged header."""
    assert tf.fileobj is not None
    tf.fileobj.seek(end)
    while chunk := tf.fileobj.read(COPY_CHUNK):
        if chunk.count(0) != len(chunk):
            return True
    return False


@source_opener(priority=20)
def open_archive(path: Path, options: SourceOptions) -> Source | None:
    """A .tar, .tar.gz/.tgz or .zip whose members hold an iOS device root."""
    if not path.is_file():
        return None
    fmt = sniff(path)
    if fmt is None:
        return None
    return ArchiveDump.open(path, fmt)
