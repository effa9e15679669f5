"""An iOS full filesystem dump: what every form shares, the folder form, and the openers.

Layouts (facts: MVT's ``check-fs`` expects an extracted dump whose top holds ``private/var``;
checkm8 and agent-based extractors write a tar of the device root, ``private/...``, ``System/...``;
Cellebrite-style zips put the root in one top folder such as ``filesystem1/``; some tools dump only
``/private``, whose top is then ``var/...``). The device root is recognised by the marker folders
``private/var/mobile`` or ``var/mobile``, at the top or under one top folder; every member then
maps to its canonical device path (``var/mobile/x`` in a dump of ``/private`` is
``/private/var/mobile/x``). Members outside the device root are ignored.

A dump extracted to a folder is read where it is (``FolderDump``); a .tar, .tar.gz/.tgz or .zip
is read in place through a member index (``ios_fs_archive.ArchiveDump``, which holds the archive
guards). Both resolve symbolic links inside the dump in device-path space (an absolute target is a
device path) and refuse a link leaving the dump; names that are not valid UTF-8 are not exposed
(counted, reported); device files, FIFOs and sockets are never opened.
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
from tracehound.sources.base import FileEntry, Source, SourceOptions, source_opener
from tracehound.sources.glob import compile_glob, literal_basename

MAX_LINK_HOPS = 40
MAX_NOTES = 20
SYSTEM_VERSION = "/System/Library/CoreServices/SystemVersion.plist"
LISTING_BATCH = 10000

# Member kinds: regular file, folder, symbolic link, tar hard link, anything else.
FILE, DIR, LINK, HARD, OTHER = "f", "d", "l", "h", "o"

Probe = Callable[[str], tuple[str | None, str | None]]  # device path -> (kind, link target)
_Row = tuple[str, bool, int | None, float, int]  # a listing row: path, is_dir, size, mtime, mode
_ROW = "path, is_dir, size, mtime, mode"


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


def utc_time(value: float | None) -> datetime | None:
    """An aware UTC datetime from a Unix time; None when absent or out of range."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class Matcher:
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

    def _candidates(self, matcher: Matcher) -> Iterator[tuple[str, str]]:
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
        matcher = Matcher(p for p in wanted if p.startswith("/"))
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

    def _walk(self, matcher: Matcher | None) -> Iterator[tuple[str, os.DirEntry[str]]]:
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

    def _candidates(self, matcher: Matcher) -> Iterator[tuple[str, str]]:
        for path, item in self._walk(matcher):
            if item.is_symlink():
                yield path, LINK
            elif item.is_file(follow_symlinks=False):
                yield path, FILE

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


@source_opener(priority=20)
def open_archive(path: Path, options: SourceOptions) -> Source | None:
    """A .tar, .tar.gz/.tgz or .zip whose members hold an iOS device root."""
    # Imported here: the archive modules build on this one (ArchiveDump is a FilesystemDump).
    from tracehound.sources.ios_fs_archive import ArchiveDump
    from tracehound.sources.ios_fs_members import sniff

    if not path.is_file():
        return None
    fmt = sniff(path)
    if fmt is None:
        return None
    return ArchiveDump.open(path, fmt)
