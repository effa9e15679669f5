"""An iOS full filesystem dump: what every form shares, the folder form, and the openers.

Layouts (facts: MVT's ``check-fs`` expects an extracted dump whose top holds ``private/var``;
checkm8 and agent-based extractors write a tar of the device root, ``private/...``, ``System/...``;
Cellebrite-style zips put the root in one top folder such as ``filesystem1/``; some tools dump only
``/private``, whose top is then ``var/...``). The device root is recognised by the marker folders
``private/var/mobile`` or ``var/mobile``, at the top or under one top folder; every member then
maps to its canonical device path (``var/mobile/x`` in a dump of ``/private`` is
``/private/var/mobile/x``). Members outside the device root are ignored.

A dump of the data partition alone, ``/private/var``, is laid out as ``filesystem2/mobile/...``
(Cellebrite-style extractions name each partition ``filesystemN``: ``filesystem1`` the system
volume, ``filesystem2`` the data volume mounted at ``/private/var``, whose top then holds
``mobile/``, ``containers/``, ``db/``...). A top folder ``mobile`` alone is too common to be
taken for ``/private/var``, so this layout is recognised only under a ``filesystemN`` folder and
only with ``mobile/Library`` in it; its members map below ``/private/var``.

A dump extracted to a folder is read where it is (``FolderDump``); a .tar, .tar.gz/.tgz or .zip
is read in place through a member index (``ios_fs_archive.ArchiveDump``, read through the one
archive guard, ``sources.archive``). Both resolve symbolic links inside the dump in device-path
space (an absolute target is a device path); names that are not valid UTF-8 are not exposed
(counted, reported). Links out of the dump, broken links, link loops, device files, FIFOs and
sockets are never opened, and each is named with the reason, as the androidqf source names what
it skips: when an artifact's glob matches one, ``find`` returns it and ``local`` raises an
InputError with the reason (that file is ``error``, never silently absent); otherwise it is
listed among the source's notes (``errors``, at most MAX_NOTES lines) and counted in the
``unread_entries`` fact.
"""

from __future__ import annotations

import os
import plistlib
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.sources.archive import DIR, FILE, HARD, LINK, OTHER, clean_name, special_kind
from tracehound.sources.base import Source, SourceOptions, source_opener

MAX_LINK_HOPS = 40
MAX_NOTES = 20
SYSTEM_VERSION = "/System/Library/CoreServices/SystemVersion.plist"
LISTING_BATCH = 10000
#: The layout base of a dump of the data partition alone (``filesystem2/mobile/...``).
PRIVATE_VAR = "/private/var"

#: Kind of an archive member the guard refused (special file, link out...): never opened.
REFUSED = "x"
__all__ = ["DIR", "FILE", "HARD", "LINK", "OTHER", "REFUSED", "clean_name"]

Probe = Callable[[str], tuple[str | None, str | None]]  # device path -> (kind, link target)
_Row = tuple[str, bool, int | None, float, int]  # a listing row: path, is_dir, size, mtime, mode
_ROW = "path, is_dir, size, mtime, mode"


class LinkEscape(InputError):
    """A link points outside the dump."""


@dataclass(frozen=True)
class Layout:
    """Where the device root sits in a dump: ``prefix`` folder, and what its top maps to."""

    prefix: str  # "" or one top folder name
    base: str  # "" when the top is the device's "/", else "/private" or "/private/var"

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
        marker = {"": "private/var/", "/private": "var/"}.get(self.base, "mobile/")
        return (self.prefix + "/" if self.prefix else "") + marker


def detect_layout(name: str) -> Layout | None:
    """The layout a member name reveals: ``[top/]private/var/mobile...`` or ``[top/]var/mobile``."""
    seg = name.split("/", 4)
    for i in (0, 1):
        prefix = seg[0] if i else ""
        if seg[i : i + 3] == ["private", "var", "mobile"]:
            return Layout(prefix, "")
        if seg[i : i + 2] == ["var", "mobile"] and prefix != "private":
            return Layout(prefix, "/private")
    if _is_partition(seg[0]) and seg[1:3] == ["mobile", "Library"]:
        return Layout(seg[0], PRIVATE_VAR)
    return None


def _is_partition(name: str) -> bool:
    """``filesystem2`` and the like: a folder holding one partition of a dump."""
    return name.startswith("filesystem") and name[len("filesystem") :].isdigit()


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


def utc_time(value: float | None) -> datetime | None:
    """An aware UTC datetime from a Unix time; None when absent or out of range."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


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
        self.unread = 0  # links out, broken links, special files... named and never opened

    # -- hooks --------------------------------------------------------------------------------
    def _probe(self, device_path: str) -> tuple[str | None, str | None]:
        raise NotImplementedError

    def _candidates(self, matcher: GlobSet) -> Iterator[tuple[str, str]]:
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

    def _unread(self, message: str) -> None:
        """Name an entry that is never opened, and why (counted in ``unread_entries``)."""
        if message not in self._notes:
            self.unread += 1
        self._note(message)

    def _regular(self, device_path: str) -> str:
        """The device path of the regular file behind ``device_path`` (links followed).

        Raise InputError naming the reason when it is anything else: not in the dump, a
        broken link, a link loop or a link out of the dump, a folder, a device file, FIFO or
        socket, or a member the archive guard refused.
        """
        final = resolve(device_path, self._probe)
        kind, link = self._probe(final)
        if kind == HARD:
            final = self._hard_target(device_path, link)
            kind = FILE
        if kind is None:
            if final != "/" + "/".join(s for s in device_path.split("/") if s):
                raise InputError(
                    f"{device_path}: is a broken link (its target {final[:200]!r} is not in "
                    "the dump); never opened"
                )
            raise InputError(f"{device_path}: not in the dump")
        if kind == REFUSED:
            raise InputError(f"{device_path}: {link}")
        if kind == OTHER:
            raise InputError(f"{device_path}: is {link or 'a special file'}; never opened")
        if kind != FILE:
            raise InputError(f"{device_path}: is a folder, not a regular file")
        return final

    def _hard_target(self, device_path: str, link: str | None) -> str:
        raise InputError(f"{device_path}: hard links are not supported here")

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        matcher = GlobSet(p for p in wanted if p.startswith("/"))
        for path, kind in self._candidates(matcher):
            hits = matcher.matches(path)
            if not hits:
                continue
            if kind != FILE:
                try:
                    self._regular(path)
                except InputError as exc:
                    # Kept: the artifact's local() raises the same reason, so its file is
                    # "error", never silently absent. Special files and refused members were
                    # named when the walk or the index met them.
                    if kind not in (OTHER, REFUSED):
                        self._unread(str(exc))
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
                "unread_entries": self.unread,
            }
        # counts grow as walks meet entries: read them now, not when the facts were first made
        return {**self._facts, "skipped_members": self.skipped, "unread_entries": self.unread}

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
        self._listing: sqlite3.Connection | None = None  # kept after a first complete walk
        self._listing_building = False

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
        if stat.S_ISREG(info.st_mode):
            return FILE, None
        return OTHER, special_kind(info.st_mode)

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

    def _walk(self, matcher: GlobSet | None) -> Iterator[tuple[str, os.DirEntry[str]]]:
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
                self._name_special(path, item)
                yield path, item
                if item.is_dir(follow_symlinks=False) and (
                    matcher is None or matcher.could_contain(path)
                ):
                    subdirs.append((item.path, path))
            stack.extend(reversed(subdirs))

    def _name_special(self, path: str, item: os.DirEntry[str]) -> None:
        """Name a device file, FIFO or socket met on a walk: it is never opened."""
        if (
            item.is_symlink()
            or item.is_file(follow_symlinks=False)
            or item.is_dir(follow_symlinks=False)
        ):
            return
        try:
            kind = special_kind(item.stat(follow_symlinks=False).st_mode)
        except OSError:
            kind = "a special file"
        self._unread(f"{path}: is {kind}; never opened")

    def _candidates(self, matcher: GlobSet) -> Iterator[tuple[str, str]]:
        for path, item in self._walk(matcher):
            if item.is_symlink():
                yield path, LINK
            elif item.is_file(follow_symlinks=False):
                yield path, FILE
            elif not item.is_dir(follow_symlinks=False):
                yield path, OTHER

    def entries(self) -> Iterator[FileEntry]:
        """The listing; the first complete walk is kept so later walks make no system calls.

        Each listing artifact walks the listing once: the copy (a private temporary SQLite
        database, deleted when closed; memory stays flat) serves the same rows in walk order.
        """
        if self._listing is not None:
            rows: Iterable[_Row] = self._listing.execute(f"SELECT {_ROW} FROM e ORDER BY rowid")
        elif self._listing_building:  # another walk is keeping the listing: just walk
            rows = self._stat_walk()
        else:
            rows = self._keep_walk()
        for path, is_dir, size, mtime, mode in rows:
            yield FileEntry(path, bool(is_dir), size, utc_time(mtime), mode)

    def _stat_walk(self) -> Iterator[_Row]:
        for path, item in self._walk(None):
            try:
                info = item.stat(follow_symlinks=False)
            except OSError as exc:
                self._note(f"{path}: cannot read its metadata: {exc.strerror or exc}")
                continue
            mode = info.st_mode
            size = info.st_size if stat.S_ISREG(mode) else None
            yield path, stat.S_ISDIR(mode), size, info.st_mtime, mode

    def _keep_walk(self) -> Iterator[_Row]:
        """Walk and copy the rows; the copy is kept only when the walk ran to its end."""
        self._listing_building = True
        conn = sqlite3.connect("")
        kept = False
        insert = f"INSERT INTO e ({_ROW}) VALUES (?,?,?,?,?)"
        try:
            conn.execute(f"CREATE TABLE e ({_ROW})")
            batch: list[_Row] = []
            for row in self._stat_walk():
                batch.append(row)
                if len(batch) >= LISTING_BATCH:
                    conn.executemany(insert, batch)
                    batch.clear()
                yield row
            conn.executemany(insert, batch)
            conn.commit()
            self._listing, kept = conn, True
        finally:
            self._listing_building = False
            if not kept:
                conn.close()

    def close(self) -> None:
        if self._listing is not None:
            self._listing.close()
            self._listing = None


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
    if _is_partition(prefix) and _real_dirs(top, ("mobile", "Library")):
        return Layout(prefix, PRIVATE_VAR)
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
