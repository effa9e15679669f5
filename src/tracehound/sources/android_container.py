"""Shared pieces of the Android sources: private temp folders, guarded zip reading, file trees.

Android acquisitions are folders or archives of command outputs (androidqf, ``adb bugreport``)
and Android backups. The sources never write next to the evidence: whatever has to be unpacked
goes to a private temporary folder (mode 0700) that ``close()`` removes, one sub-folder per file
so that the evidence log's "no new file appeared" check holds for each input's folder.

Archive members are checked before use: names that climb out of the archive (``..``, absolute
paths, drive letters), links and device files are never exposed; sizes and compression ratios
are bounded (``LIMITS``) so that a crafted archive cannot fill the disk (a "zip bomb").
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import EncryptedBackup, InputError, NotAnAcquisition
from tracehound.core.timeutil import known_zone, localize
from tracehound.sources.base import HASH_CHUNK, FileEntry, SourceOptions

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class DecryptionError(EncryptedBackup):
    """An encrypted Android acquisition could not be opened: no or a wrong key or password."""


@dataclass
class Limits:
    """Bounds against crafted archives; tests lower them."""

    member_bytes: int = 32 * GIB  # one member unpacked or inflated
    total_bytes: int = 128 * GIB  # everything one source unpacks
    ratio: int = 200  # uncompressed / compressed size above which a large member is refused
    ratio_floor: int = 64 * MIB  # members smaller than this are never refused for their ratio
    members: int = 2_000_000  # entries listed in one archive
    small_file: int = 64 * MIB  # metadata files read whole (acquisition.json, getprop.txt...)
    free_space_margin: int = 256 * MIB  # left free in the temp folder's file system


LIMITS = Limits()


class PrivateTemp:
    """A private temporary folder (0700), created on first use and removed by ``close``."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._count = 0
        self.used = 0  # bytes written so far

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="tracehound-android-"))
            self._root.chmod(0o700)
        return self._root

    @property
    def exists(self) -> bool:
        return self._root is not None and self._root.exists()

    def slot(self, name: str) -> Path:
        """A path for a new file named like ``name``, alone in a new sub-folder."""
        self._count += 1
        folder = self.root / f"{self._count:06d}"
        folder.mkdir(mode=0o700)
        return folder / safe_file_name(name)

    def reserve(self, size: int, what: str) -> None:
        """Account for ``size`` more bytes; refuse when over the total or the free space."""
        if self.used + size > LIMITS.total_bytes:
            raise InputError(
                f"{what}: unpacking it would exceed the {LIMITS.total_bytes} byte limit for one "
                "acquisition (a decompression bomb guard)"
            )
        free = shutil.disk_usage(self.root).free
        if size + LIMITS.free_space_margin > free:
            raise InputError(
                f"{what}: {size} bytes do not fit in the temporary folder ({free} bytes free); "
                "set TMPDIR to a larger disk"
            )
        self.used += size

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None


_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._()-]+")


def safe_file_name(name: str) -> str:
    """A harmless local file name that keeps the look of ``name``'s last segment."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip(".")[:100]
    return base or "file"


def clean_member_name(name: str) -> str | None:
    """``name`` as a relative ``a/b/c`` path, or None when it could escape the archive."""
    if "\x00" in name:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def common_top_folder(files: list[str], dirs: list[str]) -> str | None:
    """The one folder every member lives in (``<UUID>/...`` when someone zipped the folder)."""
    if not files:
        return None
    tops = {f.split("/", 1)[0] for f in files} | {d.split("/", 1)[0] for d in dirs}
    if len(tops) != 1 or any("/" not in f for f in files):
        return None
    return tops.pop()


def copy_limited(src: IO[bytes], dst: IO[bytes], limit: int, what: str) -> int:
    """Copy at most ``limit`` bytes; raise InputError if the source holds more."""
    total = 0
    while chunk := src.read(HASH_CHUNK):
        total += len(chunk)
        if total > limit:
            raise InputError(f"{what}: larger than the {limit} byte limit")
        dst.write(chunk)
    return total


def ut_extra_mtime(extra: bytes) -> datetime | None:
    """The UTC modification time of a zip "extended timestamp" extra field (0x5455), if any.

    Info-ZIP's field, written by Go's archive/zip (androidqf) when a time is set: flags byte, bit
    0 = a signed 32-bit Unix mtime follows (APPNOTE 4.6.x, Info-ZIP "extra field" list).
    """
    offset = 0
    while offset + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, offset)
        data = extra[offset + 4 : offset + 4 + size]
        if header_id == 0x5455 and len(data) >= 5 and data[0] & 1:
            return datetime.fromtimestamp(struct.unpack_from("<i", data, 1)[0], UTC)
        offset += 4 + size
    return None


def zip_mtime(info: zipfile.ZipInfo, timezone: str | None) -> datetime | None:
    """A member's modification time: the UTC extra field, else the DOS time in ``timezone``.

    DOS times are wall-clock times of the machine that wrote the zip (AOSP's ZipWriter uses
    ``localtime_r``, so a bugreport's are device-local); the 1980-01-01 minimum means "unset".
    """
    exact = ut_extra_mtime(info.extra)
    if exact is not None:
        return exact
    try:
        naive = datetime(*info.date_time)
    except ValueError:
        return None
    if naive <= datetime(1980, 1, 1, 0, 0, 2):
        return None
    return localize(naive, timezone)


class ZipArchive:
    """A zip read with guards: safe names only, no links, bounded sizes and ratios."""

    def __init__(self, path: Path, strip_top: bool = True) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise NotAnAcquisition(f"{path}: not a readable zip archive ({exc})") from exc
        self.files: dict[str, zipfile.ZipInfo] = {}
        self.dirs: set[str] = set()
        self.problems: list[str] = []
        self.top: str | None = None
        self._index(strip_top)

    def _index(self, strip_top: bool) -> None:
        infos = self.zip.infolist()
        if len(infos) > LIMITS.members:
            self.problems.append(
                f"{self.path.name}: {len(infos)} members, over the {LIMITS.members} limit; "
                "only the first ones are read"
            )
            infos = infos[: LIMITS.members]
        kept: list[tuple[str, zipfile.ZipInfo]] = []
        for info in infos:
            name = clean_member_name(info.filename)
            if name is None:
                self.problems.append(
                    f"{self.path.name}: member {info.filename[:200]!r} has an unsafe path "
                    "(absolute or climbing out of the archive); ignored"
                )
                continue
            # Unix zips keep st_mode in the high external attribute bits; Python's own zips
            # set permission bits only, so only an explicit non-regular file type counts.
            kind = stat.S_IFMT(info.external_attr >> 16)
            if not info.is_dir() and kind not in (0, stat.S_IFREG):
                self.problems.append(
                    f"{self.path.name}: member {name!r} is a link or special file; ignored"
                )
                continue
            kept.append((name, info))
        files = [n for n, i in kept if not i.is_dir()]
        dirs = [n for n, i in kept if i.is_dir()]
        self.top = common_top_folder(files, dirs) if strip_top else None
        cut = len(self.top) + 1 if self.top else 0
        for name, info in kept:
            rel = name[cut:]
            if not rel:
                continue
            if info.is_dir():
                self.dirs.add(rel)
            elif rel in self.files:
                self.problems.append(
                    f"{self.path.name}: member {name!r} appears twice; the first copy is read"
                )
            else:
                self.files[rel] = info
        for rel in list(self.files):
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self.dirs.add("/".join(parts[:i]))

    def info(self, rel: str) -> zipfile.ZipInfo:
        info = self.files.get(rel)
        if info is None:
            raise InputError(f"{rel}: not in {self.path.name}")
        return info

    def check(self, rel: str) -> zipfile.ZipInfo:
        """The member's info after the size and ratio guards."""
        info = self.info(rel)
        if info.file_size > LIMITS.member_bytes:
            raise InputError(
                f"{rel}: declared size {info.file_size} is over the {LIMITS.member_bytes} byte "
                "limit; not unpacked"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > LIMITS.ratio_floor and ratio > LIMITS.ratio:
            raise InputError(
                f"{rel}: compressed {ratio:.0f} to 1, over the {LIMITS.ratio}:1 limit for large "
                "members (a decompression bomb guard); not unpacked"
            )
        return info

    def open(self, rel: str) -> IO[bytes]:
        info = self.check(rel)
        try:
            return self.zip.open(info)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{rel}: cannot read this zip member: {exc}") from exc

    def extract(self, rel: str, temp: PrivateTemp) -> Path:
        """Unpack one member into its own private sub-folder."""
        info = self.check(rel)
        temp.reserve(info.file_size, rel)
        dest = temp.slot(rel)
        try:
            with self.open(rel) as src, dest.open("wb") as out:
                copy_limited(src, out, info.file_size, rel)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            dest.unlink(missing_ok=True)
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc
        return dest

    def sha256(self, rel: str) -> str:
        """SHA-256 of a member's content, streamed."""
        digest = hashlib.sha256()
        try:
            with self.open(rel) as src:
                while chunk := src.read(HASH_CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc
        return digest.hexdigest()

    def read_small(self, rel: str) -> bytes:
        """A small member's bytes (metadata), refused over ``LIMITS.small_file``."""
        info = self.check(rel)
        if info.file_size > LIMITS.small_file:
            raise InputError(f"{rel}: {info.file_size} bytes, too large for a metadata file")
        try:
            with self.open(rel) as src:
                return src.read(LIMITS.small_file + 1)[: LIMITS.small_file]
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"{rel}: damaged zip member ({exc})") from exc

    def close(self) -> None:
        self.zip.close()


class Tree(ABC):
    """The files of a folder or a zip, by relative path, read-only."""

    files: dict[str, int | None]  # relative path -> size
    dirs: set[str]
    problems: list[str]

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
        self, archive: ZipArchive, temp: PrivateTemp, origin: Path, label: str | None = None
    ) -> None:
        self.archive = archive
        self.temp = temp
        self._origin = origin
        self.label = label or archive.path.name
        self.files = {rel: info.file_size for rel, info in archive.files.items()}
        self.dirs = set(archive.dirs)
        self.problems = list(archive.problems)
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
        return zip_mtime(self.archive.info(rel), timezone)

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
