"""An unencrypted iTunes/Finder backup folder (iOS 10 and later: Manifest.db).

Layout facts (Apple's backup format as documented by MVT, iLEAPP and triangle_check):
``Info.plist`` (device facts, installed apps), ``Manifest.plist`` (``IsEncrypted``, ``Lockdown``
facts, keybag), ``Status.plist`` (backup state), ``Manifest.db`` (table ``Files``); each file is
stored as ``<first two hex chars of fileID>/<fileID>``. Backup metadata files are exposed under the
virtual paths ``backup:<name>`` so that parsers can declare them like device paths.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracehound.core.errors import EncryptedBackup, InputError, NotAnAcquisition
from tracehound.core.timeutil import as_utc, iso
from tracehound.parsers.common.sqlite import SQLITE_MAGIC, open_readonly
from tracehound.sources.base import Source, SourceOptions, source_opener
from tracehound.sources.glob import GlobSet
from tracehound.sources.ios_domains import device_path

META_FILES = ("Manifest.db", "Info.plist", "Manifest.plist", "Status.plist")
VIRTUAL_PREFIX = "backup:"


def looks_like_backup(folder: Path) -> bool:
    """True if ``folder`` holds any of the backup metadata files."""
    return any((folder / name).is_file() for name in (*META_FILES, "Manifest.mbdb"))


def _read_plist(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            obj = plistlib.load(handle)
    except Exception as exc:  # plistlib raises many types on damaged input
        raise NotAnAcquisition(
            f"{path}: damaged property list ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(obj, dict):
        raise NotAnAcquisition(f"{path}: expected a dictionary, found {type(obj).__name__}")
    return obj


class IOSBackup(Source):
    """Read-only view of an unencrypted iOS backup folder."""

    kind = "ios_backup"
    platform = "ios"

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        if (root / "Manifest.mbdb").is_file() and not (root / "Manifest.db").is_file():
            raise NotAnAcquisition(
                f"{root}: backup made by iOS 9 or older (Manifest.mbdb); not supported"
            )
        self.manifest_plist = _read_plist(root / "Manifest.plist")
        if self.manifest_plist and self.manifest_plist.get("IsEncrypted") is True:
            raise EncryptedBackup(
                f"{root}: this backup is encrypted (Manifest.plist IsEncrypted = true). "
                "tracehound cannot decrypt backups yet; decrypt it first or make an "
                "unencrypted one."
            )
        if not (root / "Manifest.db").is_file():
            raise NotAnAcquisition(f"{root}: not an iOS backup: Manifest.db is missing")
        with (root / "Manifest.db").open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                raise NotAnAcquisition(
                    f"{root / 'Manifest.db'}: not a SQLite database; the backup is damaged, or "
                    "encrypted without Manifest.plist saying so"
                )
        self.info_plist = _read_plist(root / "Info.plist")
        self.status_plist = _read_plist(root / "Status.plist")
        self._files: dict[str, str] = {}  # device path -> fileID, for matched paths only
        self.manifest_rows = 0

    def facts(self) -> dict[str, Any]:
        info = self.info_plist or {}
        lockdown = (self.manifest_plist or {}).get("Lockdown") or {}
        status = self.status_plist or {}

        def pick(*values: Any) -> Any:
            return next((v for v in values if v not in (None, "")), None)

        date = pick(info.get("Last Backup Date"), (self.manifest_plist or {}).get("Date"))
        return {
            "kind": self.kind,
            "platform": self.platform,
            "device_name": pick(info.get("Device Name"), lockdown.get("DeviceName")),
            "product_type": pick(info.get("Product Type"), lockdown.get("ProductType")),
            "os_version": pick(info.get("Product Version"), lockdown.get("ProductVersion")),
            "os_build": pick(info.get("Build Version"), lockdown.get("BuildVersion")),
            "backup_date": iso(as_utc(date)) if hasattr(date, "year") else None,
            "encrypted": bool((self.manifest_plist or {}).get("IsEncrypted", False)),
            "full_backup": status.get("IsFullBackup"),
            "backup_version": pick(
                status.get("Version"), (self.manifest_plist or {}).get("Version")
            ),
            "metadata_files": [n for n in META_FILES if (self.root / n).is_file()],
        }

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        for pattern in wanted:
            if pattern.startswith(VIRTUAL_PREFIX):
                name = pattern[len(VIRTUAL_PREFIX) :]
                if (self.root / name).is_file():
                    result[pattern].append(pattern)
        globs = GlobSet([p for p in wanted if not p.startswith(VIRTUAL_PREFIX)])
        try:
            with open_readonly(self.root / "Manifest.db") as conn:
                rows = conn.execute("SELECT fileID, domain, relativePath, flags FROM Files")
                for file_id, domain, rel, flags in rows:
                    self.manifest_rows += 1
                    if flags != 1 or not isinstance(domain, str) or not isinstance(rel, str):
                        continue
                    path = device_path(domain, rel)
                    for pattern in globs.matches(path):
                        result[pattern].append(path)
                        self._files[path] = str(file_id)
        except (sqlite3.DatabaseError, InputError) as exc:
            # Keep going with what is readable (Info.plist...); the run is marked incomplete.
            self.errors.append(f"Manifest.db: cannot list the backup's files: {exc}")
        for paths in result.values():
            paths.sort()
        return result

    def own_inputs(self) -> list[tuple[str, Path]]:
        return [
            (VIRTUAL_PREFIX + n, self.root / n) for n in META_FILES if (self.root / n).is_file()
        ]

    def local(self, device_path: str) -> Path:
        if device_path.startswith(VIRTUAL_PREFIX):
            return self.root / device_path[len(VIRTUAL_PREFIX) :]
        file_id = self._files.get(device_path)
        if file_id is None:
            raise InputError(f"{device_path}: not listed in Manifest.db")
        # fileIDs are 40 hex chars; never let a crafted id escape the backup folder.
        if not file_id.isalnum() or len(file_id) < 3:
            raise InputError(f"{device_path}: invalid fileID {file_id[:60]!r} in Manifest.db")
        path = self.root / file_id[:2] / file_id
        if not path.is_file():
            raise InputError(
                f"{device_path}: listed in Manifest.db but its file {file_id[:2]}/{file_id} is "
                "missing from the backup"
            )
        # A link in the acquisition must not make us read (and copy into results) local files.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InputError(f"{device_path}: {file_id[:2]}/{file_id} points outside the backup")
        return path

    def describe(self, device_path: str) -> str:
        return str(self.local(device_path).relative_to(self.root))


@source_opener(priority=50)
def open_backup(path: Path, options: SourceOptions) -> Source | None:
    """A backup folder, or a folder holding exactly one backup (Finder's ``Backup/`` folder)."""
    if not path.is_dir():
        return None
    if looks_like_backup(path):
        return IOSBackup(path)
    subdirs = [p for p in sorted(path.iterdir()) if p.is_dir() and looks_like_backup(p)]
    if len(subdirs) == 1:
        return IOSBackup(subdirs[0])
    if len(subdirs) > 1:
        names = ", ".join(p.name for p in subdirs[:10])
        raise NotAnAcquisition(f"{path}: holds {len(subdirs)} backups ({names}); choose one")
    return None
