"""Shared pieces of the Android sources: private temp folders, guarded zip reading, file trees.

Android acquisitions are folders or archives of command outputs (androidqf, ``adb bugreport``)
and Android backups. The sources never write next to the evidence: whatever has to be unpacked
goes to a private temporary folder (mode 0700) that ``close()`` removes, one sub-folder per file
so that the evidence log's "no new file appeared" check holds for each input's folder.

Zips are read through the one guarded reader (``sources.archive``): names that climb out of the
archive (``..``, absolute paths, drive letters), links and device files are never exposed; sizes
and compression ratios are bounded (``archive.LIMITS``) so that a crafted archive cannot fill the
disk (a "zip bomb"); a zip with a damaged central directory is read up to the damage.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import EncryptedBackup, InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.timeutil import known_zone
from tracehound.sources.archive import (
    DIR,
    FILE,
    LIMITS,
    MIB,
    Entry,
    ExtractSpace,
    Scan,
    check_member,
    clean_name,
    open_zip_member,
    refusal_text,
    zip_time,
)
from tracehound.sources.base import HASH_CHUNK, SourceOptions

__all__ = ["LIMITS", "MIB", "ExtractSpace"]  # re-exported for the Android sources


class DecryptionError(EncryptedBackup):
    """An encrypted Android acquisition could not be opened: no or a wrong key or password."""


class ZipArchive:
    """A zip read through the guard (``sources.archive``): safe names only, no links, limits.

    A zip whose central directory is damaged is read from its local headers up to the damage;
    ``damage`` then says what was lost (the source makes the run incomplete with it).
    """

    def __init__(self, path: Path, strip_top: bool = True) -> None:
        self.path = path
        self.files: dict[str, Entry] = {}
        self.dirs: set[str] = set()
        self.problems: list[str] = []
        self.top: str | None = None
        scan = Scan(path, "zip")
        try:
            kept = [(e.name, e) for e in scan]
        except OSError as exc:
            raise NotAnAcquisition(f"{path}: cannot read: {exc.strerror or exc}") from exc
        if not kept and scan.damage is not None:
            raise NotAnAcquisition(f"{path}: not a readable zip archive ({scan.damage})")
        self.damage = scan.damage
        for entry in scan.refused:
            self.problems.append(f"{path.name}: {entry.label()} {refusal_text(entry)}; ignored")
        if scan.refused_count > len(scan.refused):
            self.problems.append(
                f"{path.name}: {scan.refused_count} members ignored in all; the first "
                f"{len(scan.refused)} are listed"
            )
        self._index([(n, e) for n, e in kept if self._keep(e)], strip_top)

    def _keep(self, entry: Entry) -> bool:
        if entry.kind in (FILE, DIR):
            return True
        self.problems.append(f"{self.path.name}: {entry.label()} is a link; not followed, ignored")
        return False

    def _index(self, kept: list[tuple[str, Entry]], strip_top: bool) -> None:
        files = [n for n, e in kept if e.kind == FILE]
        dirs = [n for n, e in kept if e.kind == DIR]
        self.top = common_top_folder(files, dirs) if strip_top else None
        cut = len(self.top) + 1 if self.top else 0
        for name, entry in kept:
            rel = name[cut:]
            if not rel:
                continue
            if entry.kind == DIR:
                self.dirs.add(rel)
            elif rel in self.files:
                self.problems.append(
                    f"{self.path.name}: member {name!r} appears twice; the first copy is read"
                )
            else:
                self.files[rel] = entry
        for rel in list(self.files):
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self.dirs.add("/".join(parts[:i]))

    def info(self, rel: str) -> Entry:
        entry = self.files.get(rel)
        if entry is None:
            raise InputError(f"{rel}: not in {self.path.name}")
        return entry

    def check(self, rel: str) -> Entry:
        """The member's entry after the size and ratio guards."""
        entry = self.info(rel)
        check_member(entry)
        return entry

    def _open(self, entry: Entry) -> IO[bytes]:
        try:
            return open_zip_member(self.path, entry)
        except OSError as exc:
            raise InputError(f"{entry.label()}: cannot read this zip member: {exc}") from exc

    def open(self, rel: str) -> IO[bytes]:
        return self._open(self.check(rel))

    def extract(self, rel: str, temp: ExtractSpace) -> Path:
        """Unpack one member into its own private sub-folder."""
        entry = self.info(rel)
        try:
            return temp.extract(entry, self._open, temp.slot(rel))
        except OSError as exc:
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc

    def sha256(self, rel: str) -> str:
        """SHA-256 of a member's content, streamed."""
        digest = hashlib.sha256()
        try:
            with self.open(rel) as src:
                while chunk := src.read(HASH_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc
        return digest.hexdigest()

    def read_small(self, rel: str) -> bytes:
        """A small member's bytes (metadata), refused over ``LIMITS.small_file``."""
        entry = self.check(rel)
        if (entry.size or 0) > LIMITS.small_file:
            raise InputError(f"{rel}: {entry.size} bytes, too large for a metadata file")
        try:
            with self._open(entry) as src:
                return src.read(LIMITS.small_file + 1)[: LIMITS.small_file]
        except OSError as exc:
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc

    def close(self) -> None:  # members are opened one at a time; nothing stays open
        pass


def clean_member_name(name: str) -> str | None:
    """``name`` as a relative ``a/b/c`` path, or None when it could escape the archive."""
    cleaned, problem = clean_name(name, backslash=True)
    return None if problem is not None or not cleaned else cleaned


def common_top_folder(files: list[str], dirs: list[str]) -> str | None:
    """The one folder every member lives in (``<UUID>/...`` when someone zipped the folder)."""
    if not files:
        return None
    tops = {f.split("/", 1)[0] for f in files} | {d.split("/", 1)[0] for d in dirs}
    if len(tops) != 1 or any("/" not in f for f in files):
        return None
    return tops.pop()


class Tree(ABC):
    """The files of a folder or a zip, by relative path, read-only."""

    files: dict[str, int | None]  # relative path -> size
    dirs: set[str]
    problems: list[str]
    damage: str | None = None  # the container was read only in part (a damaged zip)

    @abstractmethod
    def local(self, rel: str) -> Path:
        """A local file with the content of ``rel`` (the file itself, or a private copy)."""

    @abstractmethod
    def open(self, rel: str) -> IO[bytes]:
        """``rel``'s content as a binary stream (no copy)."""

    @abstractmethod
    def sha256(self, rel: str) -> str:
        """SHA-256 of ``rel``'s content."""

    @abstractmethod
    def modified(self, rel: str, timezone: str | None) -> datetime | None:
        """``rel``'s modification time, aware UTC."""

    @abstractmethod
    def describe(self, rel: str) -> str:
        """Where ``rel`` is, for messages and run.json."""

    def origin(self) -> Path | None:
        """The acquisition file that private copies come from (None for a folder)."""
        return None

    def times_without_zone(self, timezone: str | None) -> int:
        """Files whose time had no zone and was read as UTC (zip DOS times)."""
        return 0

    def read_small(self, rel: str) -> bytes | None:
        """A metadata file's bytes, or None when absent."""
        if rel not in self.files:
            return None
        size = self.files[rel]
        if size is not None and size > LIMITS.small_file:
            raise InputError(f"{rel}: {size} bytes, too large for a metadata file")
        with self.open(rel) as handle:
            return handle.read(LIMITS.small_file)

    def entries(self, prefix: str, timezone: str | None) -> Iterator[FileEntry]:
        """The listing as FileEntry rows under ``prefix``."""
        for rel in sorted(self.dirs):
            yield FileEntry(path=prefix + rel, is_dir=True)
        for rel in sorted(self.files):
            yield FileEntry(
                path=prefix + rel,
                is_dir=False,
                size=self.files[rel],
                modified=self.modified(rel, timezone),
            )

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the tree holds."""


class FolderTree(Tree):
    """A folder on disk; links and special files are not followed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = {}
        self.dirs = set()
        self.problems = []
        self._walk()

    def _walk(self) -> None:
        for current, dirnames, filenames in os.walk(self.root, followlinks=False):
            base = Path(current)
            rel_base = base.relative_to(self.root).as_posix()
            prefix = "" if rel_base == "." else rel_base + "/"
            for name in list(dirnames):
                if (base / name).is_symlink():
                    dirnames.remove(name)
                    self.problems.append(f"{prefix}{name}: a link to a folder; not followed")
                else:
                    self.dirs.add(prefix + name)
            for name in filenames:
                path = base / name
                try:
                    info = path.lstat()
                except OSError as exc:
                    self.problems.append(f"{prefix}{name}: cannot be read ({exc.strerror})")
                    continue
                if not stat.S_ISREG(info.st_mode):
                    self.problems.append(f"{prefix}{name}: a link or special file; ignored")
                    continue
                self.files[prefix + name] = info.st_size
                if len(self.files) > LIMITS.members:
                    self.problems.append(f"over {LIMITS.members} files; the rest is not listed")
                    return

    def local(self, rel: str) -> Path:
        if rel not in self.files:
            raise InputError(f"{rel}: not in {self.root}")
        path = self.root / rel
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InputError(f"{rel}: points outside the acquisition folder")
        return path

    def open(self, rel: str) -> IO[bytes]:
        try:
            return self.local(rel).open("rb")
        except OSError as exc:
            raise InputError(f"{rel}: cannot read: {exc.strerror or exc}") from exc

    def sha256(self, rel: str) -> str:
        digest = hashlib.sha256()
        with self.open(rel) as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def modified(self, rel: str, timezone: str | None) -> datetime | None:
        try:
            return datetime.fromtimestamp((self.root / rel).lstat().st_mtime, UTC)
        except OSError:
            return None

    def describe(self, rel: str) -> str:
        return rel


class ZipTree(Tree):
    """A zip archive; members are unpacked one at a time into a private folder when read."""

    def __init__(
        self, archive: ZipArchive, temp: ExtractSpace, origin: Path, label: str | None = None
    ) -> None:
        self.archive = archive
        self.temp = temp
        self._origin = origin
        self.label = label or archive.path.name
        self.files = {rel: info.size for rel, info in archive.files.items()}
        self.dirs = set(archive.dirs)
        self.problems = list(archive.problems)
        self.damage = archive.damage
        self._local: dict[str, Path] = {}

    def local(self, rel: str) -> Path:
        path = self._local.get(rel)
        if path is None:
            path = self._local[rel] = self.archive.extract(rel, self.temp)
        return path

    def open(self, rel: str) -> IO[bytes]:
        return self.archive.open(rel)

    def sha256(self, rel: str) -> str:
        return self.archive.sha256(rel)

    def modified(self, rel: str, timezone: str | None) -> datetime | None:
        return zip_time(self.archive.info(rel), timezone)[0]

    def times_without_zone(self, timezone: str | None) -> int:
        """Members whose only time is a DOS time read as UTC (no zone known)."""
        return sum(zip_time(e, timezone)[1] for e in self.archive.files.values())

    def describe(self, rel: str) -> str:
        top = f"{self.archive.top}/" if self.archive.top else ""
        return f"{self.label}:{top}{rel}"

    def origin(self) -> Path:
        return self._origin

    def read_small(self, rel: str) -> bytes | None:
        if rel not in self.files:
            return None
        return self.archive.read_small(rel)

    def close(self) -> None:
        self.archive.close()


# --- getprop and device facts ------------------------------------------------------------------

_GETPROP_LINE = re.compile(r"\[(?P<name>[^\]\s]+)\]: \[(?P<value>.*)\]\s*\Z")


def parse_getprop(text: str) -> dict[str, str]:
    """``getprop`` output (``[name]: [value]`` per line) as a dict; other lines are skipped."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        match = _GETPROP_LINE.match(line.strip())
        if match:
            props[match["name"]] = match["value"]
    return props


def device_facts(props: dict[str, str], options: SourceOptions) -> dict[str, Any]:
    """Device facts from system properties, and the time zone to read device-local times in.

    ``timezone`` is the user's ``--timezone``, else ``persist.sys.timezone`` when this machine
    knows that zone; ``timezone_source`` says which ("option", "getprop" or None).
    """
    prop_zone = props.get("persist.sys.timezone") or None
    if options.timezone:
        zone, source = options.timezone, "option"
    elif prop_zone and known_zone(prop_zone):
        zone, source = prop_zone, "getprop"
    else:
        zone, source = None, None

    def prop(name: str) -> str | None:
        return props.get(name) or None

    return {
        "device_model": prop("ro.product.model"),
        "device_manufacturer": prop("ro.product.manufacturer"),
        "android_version": prop("ro.build.version.release"),
        "sdk_version": prop("ro.build.version.sdk"),
        "security_patch": prop("ro.build.version.security_patch"),
        "build_fingerprint": prop("ro.build.fingerprint"),
        # The keys iOS sources use too, for summaries that show any acquisition.
        "product_type": prop("ro.product.model"),
        "os_version": prop("ro.build.version.release"),
        "os_build": prop("ro.build.id") or prop("ro.build.display.id"),
        "timezone": zone,
        "timezone_source": source,
        "timezone_property": prop_zone,
    }


def decode_text(data: bytes | None) -> str:
    """Command output as text (UTF-8, undecodable bytes replaced)."""
    return "" if data is None else data.decode("utf-8", errors="replace")
