"""An iOS sysdiagnose: its ``.tar.gz`` (read in place through the guarded reader) or its folder.

Facts (EC-DIGIT-CSIRC sysdiagnose analysis framework, ``src/sysdiagnose/parsers/*.py``; MVT
issue #296; Apple "Profiles and Logs" developer page): iOS writes
``sysdiagnose_<YYYY.MM.DD_HH-MM-SS±ZZZZ>_<OS>_<model>_<build>.tar.gz`` holding one top folder
of the same name, with ``sysdiagnose.log``, ``ps.txt``, ``ps_thread.txt``,
``crashes_and_spins/*.ips``, ``logs/`` (``SystemVersion/SystemVersion.plist``,
``MobileInstallation/``), ``WiFi/`` and ``system_logs.logarchive/`` (whose ``Extra/`` holds
``shutdown.log``). The kind is recognised by that layout (two of the marker names at the top),
never by the file name. Files are exposed as ``sysdiagnose:<path under the top folder>``.
Device facts come from ``logs/SystemVersion/SystemVersion.plist`` (ProductName, ProductVersion,
ProductBuildVersion; EC-DIGIT-CSIRC ``sys.py``) and the time of the sysdiagnose from the top
folder's name (EC-DIGIT-CSIRC ``utils/misc.py`` reads the same name).
"""

from __future__ import annotations

import plistlib
import re
import tarfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.sources.android_container import FolderTree, Tree, common_top_folder
from tracehound.sources.archive import (
    ARCHIVE_ERRORS,
    DIR,
    FILE,
    Entry,
    ExtractSpace,
    Scan,
    open_tar_member,
    sniff,
)
from tracehound.sources.base import Source, SourceOptions, sha256_file, source_opener
from tracehound.sources.sysdiagnose_sweep import coverage_note

PREFIX = "sysdiagnose:"
MARKERS = frozenset(
    {
        "sysdiagnose.log",
        "ps.txt",
        "ps_thread.txt",
        "crashes_and_spins",
        "system_logs.logarchive",
        "logs",
        "WiFi",
        "summaries",
        "remotectl_dumpstate.txt",
    }
)
SYSTEM_VERSION = "logs/SystemVersion/SystemVersion.plist"
LOGARCHIVE = "system_logs.logarchive/"
_SHUTDOWN_N = re.compile(r"(?:^|/)shutdown\.\d+\.log\Z")
#: ``sysdiagnose_2023.05.24_13-29-15-0700_iPhone-OS_iPhone_19H349``
_NAME_TIME = re.compile(r"sysdiagnose_(\d{4})\.(\d\d)\.(\d\d)_(\d\d)-(\d\d)-(\d\d)([+-]\d{4})")


def looks_like_sysdiagnose(names: Iterable[str]) -> bool:
    """Two or more sysdiagnose marker names, one of them a file only sysdiagnose writes."""
    found = MARKERS.intersection(names)
    return len(found) >= 2 and bool(found & {"sysdiagnose.log", "ps_thread.txt", "logs"})


def name_time(name: str) -> datetime | None:
    """The sysdiagnose's time from its folder name (local time with its offset), aware."""
    found = _NAME_TIME.search(name)
    if found is None:
        return None
    try:
        return datetime.strptime("".join(found.groups()), "%Y%m%d%H%M%S%z")
    except ValueError:
        return None


class TarTree(Tree):
    """A sysdiagnose ``.tar.gz``: listed once through the guard, members copied out when read."""

    def __init__(self, archive: Path, fmt: str, temp: ExtractSpace) -> None:
        self.archive = archive
        self.fmt = fmt
        self.temp = temp
        self.problems = []
        self.files = {}
        self.dirs = set()
        self.top: str | None = None
        self._entries: dict[str, Entry] = {}
        self._local: dict[str, Path] = {}
        self._failed: dict[str, InputError] = {}
        self._pending: set[str] = set()
        scan = Scan(archive, fmt)
        kept: list[Entry] = []
        for entry in scan:
            if entry.kind == FILE:
                kept.append(entry)
            elif entry.kind != DIR:  # sysdiagnose holds no links: name them, never follow
                self.problems.append(
                    f"{archive.name}: {entry.label()}: a link to {entry.link!r:.200}; not followed"
                )
        for entry in scan.refused:
            self.problems.append(f"{archive.name}: {entry.label()}: {entry.problem}; not read")
        if scan.refused_count > len(scan.refused):
            self.problems.append(f"{archive.name}: {scan.refused_count} members refused in all")
        self.damage = scan.damage
        names = [e.name for e in kept]
        self.top = common_top_folder(names, [])
        cut = len(self.top) + 1 if self.top else 0
        for entry in kept:
            rel = entry.name[cut:]
            self._entries[rel] = entry
            self.files[rel] = entry.size
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self.dirs.add("/".join(parts[:i]))

    def top_names(self) -> set[str]:
        return {rel.split("/", 1)[0] for rel in self.files} | {d.split("/")[0] for d in self.dirs}

    def _entry(self, rel: str) -> Entry:
        entry = self._entries.get(rel)
        if entry is None:
            raise InputError(f"{rel}: not in {self.archive.name}")
        return entry

    def want(self, rels: Iterable[str]) -> None:
        """Files the artifacts will read: the next extraction copies them all in one pass."""
        self._pending.update(r for r in rels if r in self._entries)

    def local(self, rel: str) -> Path:
        if rel not in self._local and rel not in self._failed:
            self._entry(rel)
            batch, self._pending = self._pending | {rel}, set()
            self._extract(sorted(batch, key=lambda r: self._entries[r].offset))
        if rel in self._failed:
            raise self._failed[rel]
        return self._local[rel]

    def _extract(self, rels: list[str]) -> None:
        """Copy ``rels`` out in archive order: a .tar.gz is read once, forward only."""
        try:
            with tarfile.open(self.archive, "r:*") as tf:

                def member(entry: Entry) -> IO[bytes]:
                    return open_tar_member(tf, entry)

                for rel in rels:
                    if rel in self._local or rel in self._failed:
                        continue
                    dest = self.temp.slot(rel.rpartition("/")[2] or "member")
                    try:
                        self.temp.extract(self._entries[rel], member, dest)
                    except InputError as exc:
                        self._failed[rel] = exc
                        continue
                    dest.chmod(0o400)
                    self._local[rel] = dest
        except ARCHIVE_ERRORS as exc:
            for rel in rels:
                if rel not in self._local:
                    self._failed.setdefault(
                        rel,
                        InputError(
                            f"{self.describe(rel)}: cannot extract: {type(exc).__name__}: {exc}"
                        ),
                    )

    def open(self, rel: str) -> IO[bytes]:
        return self.local(rel).open("rb")

    def sha256(self, rel: str) -> str:
        return sha256_file(self.local(rel))

    def modified(self, rel: str, timezone: str | None) -> datetime | None:
        return self._entry(rel).mtime

    def describe(self, rel: str) -> str:
        top = f"{self.top}/" if self.top else ""
        return f"{self.archive.name}:{top}{rel}"

    def origin(self) -> Path:
        return self.archive


class Sysdiagnose(Source):
    """Read-only view of a sysdiagnose (folder or tar archive) as ``sysdiagnose:`` paths."""

    kind = "sysdiagnose"
    platform = "ios"
    prefix = PREFIX

    def __init__(self, root: Path, tree: Tree, container: str, temp: ExtractSpace) -> None:
        super().__init__(root)
        self.tree = tree
        self.container = container
        self.temp = temp
        self.errors.extend(tree.problems)
        if tree.damage is not None:  # a cut archive: what is absent may just be lost
            self.index_damage = tree.damage
            self.errors.append(tree.damage)
        self._facts: dict[str, Any] | None = None

    def _version(self) -> dict[str, Any]:
        try:
            raw = self.tree.read_small(SYSTEM_VERSION)
            value = plistlib.loads(raw) if raw else {}
        except (InputError, OSError, plistlib.InvalidFileException, ValueError) as exc:
            self.errors.append(f"{SYSTEM_VERSION}: cannot be read: {exc}")
            return {}
        return value if isinstance(value, dict) else {}

    def _label(self) -> str:
        top = getattr(self.tree, "top", None)
        return top or self.root.name

    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            version = self._version()

            def text(key: str) -> str | None:
                value = version.get(key)
                return value if isinstance(value, str) else None

            taken = name_time(self._label())
            self._facts = {
                "kind": self.kind,
                "platform": self.platform,
                "container": self.container,
                "device_name": None,
                "product_type": None,  # the folder name says only "iPhone", not the model
                "product_name": text("ProductName"),
                "os_version": text("ProductVersion"),
                "os_build": text("ProductBuildVersion"),
                "sysdiagnose_time": taken.isoformat() if taken else None,
                "utc_offset": taken.strftime("%z") if taken else None,  # of the local times
                "files": len(self.tree.files),
                "coverage_notes": self._notes(),
            }
        return self._facts

    def _notes(self) -> list[str]:
        """What this sysdiagnose holds that is not read, and why (shown with the run facts)."""
        logs = [r for r in self.tree.files if r.startswith(LOGARCHIVE) and "/Extra/" not in r]
        notes = []
        if logs:
            notes.append(
                f"{LOGARCHIVE}: {len(logs)} unified log files not read: no maintained parser of "
                "the tracev3 format is installable from PyPI (the one package, 'unifiedlog' "
                "0.3, was last released in January 2020; 'macos-oslog' needs macOS)"
            )
        if self.kind == "sysdiagnose":  # not for a crash-log folder
            notes.append(coverage_note(self.tree.files))
        if any(_SHUTDOWN_N.search(r) for r in self.tree.files):
            notes.append(
                "shutdown.N.log (iOS 26): the log keeps only the shutdowns since the last "
                "reboot (MVT issue #830); earlier shutdowns are not in this sysdiagnose"
            )
        return notes

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        globs = GlobSet([p for p in wanted if p.startswith(self.prefix)])
        for rel in sorted(self.tree.files):
            for pattern in globs.matches(self.prefix + rel):
                result[pattern].append(self.prefix + rel)
        if isinstance(self.tree, TarTree):
            self.tree.want(p[len(self.prefix) :] for paths in result.values() for p in paths)
        return result

    def _rel(self, device_path: str) -> str:
        if not device_path.startswith(self.prefix):
            raise InputError(f"{device_path}: not in this {self.kind}")
        return device_path[len(self.prefix) :]

    def local(self, device_path: str) -> Path:
        return self.tree.local(self._rel(device_path))

    def origin(self, device_path: str) -> Path | None:
        return self.tree.origin()

    def describe(self, device_path: str) -> str:
        if not device_path.startswith(self.prefix):
            return device_path
        return self.tree.describe(self._rel(device_path))

    def entries(self) -> Iterator[FileEntry]:
        return self.tree.entries(self.prefix, None)

    def close(self) -> None:
        self.tree.close()
        self.temp.close()


def _open_tar(path: Path, fmt: str) -> Source | None:
    temp = ExtractSpace("tracehound-sysdiagnose-")
    try:
        tree = TarTree(path, fmt, temp)
        if not looks_like_sysdiagnose(tree.top_names()):
            # Named like a sysdiagnose but cut before its markers (damage, bomb guard): say why.
            if tree.damage is not None and "sysdiagnose" in path.name:
                raise NotAnAcquisition(f"{path}: cannot read the archive ({tree.damage})")
            temp.close()
            return None
    except BaseException:
        temp.close()
        raise
    return Sysdiagnose(path, tree, fmt, temp)


@source_opener(priority=25)
def open_sysdiagnose(path: Path, options: SourceOptions) -> Source | None:
    """A sysdiagnose folder or tar archive, recognised by its layout; else None."""
    if path.is_dir():
        try:
            names = [p.name for p in path.iterdir()]
        except OSError as exc:
            raise NotAnAcquisition(f"{path}: cannot be listed: {exc.strerror or exc}") from None
        if not looks_like_sysdiagnose(names):
            return None
        return Sysdiagnose(path, FolderTree(path), "folder", ExtractSpace("tracehound-sd-"))
    fmt = sniff(path) if path.is_file() else None
    if fmt is None or not fmt.startswith("tar"):
        return None
    return _open_tar(path, fmt)
