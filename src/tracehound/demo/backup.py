"""Write an unencrypted iTunes/Finder backup folder in Apple's layout (demo and test fixtures).

Layout facts: ``<root>/<fileID[:2]>/<fileID>`` for each file, ``Manifest.db`` (see
demo/ios/manifest.py), ``Manifest.plist`` (binary: ``IsEncrypted``, ``Version``, ``Date``,
``Lockdown`` with ProductType/ProductVersion/BuildVersion/DeviceName/UniqueDeviceID,
``WasPasscodeSet``), ``Status.plist`` (binary: ``IsFullBackup``, ``Version``, ``UUID``, ``Date``,
``BackupState``, ``SnapshotState``) and ``Info.plist`` (XML).
"""

from __future__ import annotations

import plistlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.demo.ios import manifest
from tracehound.demo.ios.manifest import FLAG_DIR, ManifestEntry


def _unix(value: datetime) -> int:
    return int(value.timestamp())


class BackupWriter:
    """Collects files and writes the backup's metadata on ``finish``."""

    def __init__(self, root: Path, when: datetime) -> None:
        self.root = root
        self.when = when
        self.entries: list[ManifestEntry] = []
        self.raw_rows: list[dict[str, object]] = []
        self._dirs: set[tuple[str, str]] = set()
        self._inode = 1000
        root.mkdir(parents=True, exist_ok=True)

    def _entry(
        self,
        domain: str,
        rel: str,
        size: int,
        birth: datetime,
        modified: datetime,
        flags: int = manifest.FLAG_FILE,
    ) -> ManifestEntry:
        self._inode += 1
        return ManifestEntry(
            domain=domain,
            relative_path=rel,
            flags=flags,
            size=size,
            birth=_unix(birth),
            modified=_unix(modified),
            status_changed=_unix(modified),
            inode=self._inode,
        )

    def _parents(self, domain: str, rel: str, when: datetime) -> None:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if (domain, parent) not in self._dirs:
                self._dirs.add((domain, parent))
                self.entries.append(self._entry(domain, parent, 0, when, when, FLAG_DIR))

    def add(
        self,
        domain: str,
        rel: str,
        data: bytes,
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        """Store ``data`` as ``domain``/``rel``; return the stored file's path."""
        birth = birth or self.when
        modified = modified or birth
        self._parents(domain, rel, birth)
        entry = self._entry(domain, rel, len(data), birth, modified)
        self.entries.append(entry)
        target = self.root / entry.file_id[:2] / entry.file_id
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def add_built(
        self,
        domain: str,
        rel: str,
        build: Callable[[Path], None],
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        """Run ``build(path)`` in a scratch folder and store the file it writes."""
        with tempfile.TemporaryDirectory(prefix="tracehound-demo-") as tmp:
            scratch = Path(tmp) / Path(rel).name
            build(scratch)
            return self.add(domain, rel, scratch.read_bytes(), birth, modified)

    def finish(
        self, lockdown: dict[str, Any], info_plist: bytes | None = None, encrypted: bool = False
    ) -> None:
        """Write Manifest.db, Manifest.plist, Status.plist and (if given) Info.plist."""
        manifest.write(self.root / "Manifest.db", self.entries, self.raw_rows)
        manifest_plist = {
            "IsEncrypted": encrypted,
            "Version": "10.0",
            "Date": self.when.astimezone(UTC).replace(tzinfo=None),
            "SystemDomainsVersion": "24.0",
            "WasPasscodeSet": True,
            "Lockdown": lockdown,
            "Applications": {},
        }
        (self.root / "Manifest.plist").write_bytes(
            plistlib.dumps(manifest_plist, fmt=plistlib.FMT_BINARY)
        )
        status = {
            "IsFullBackup": False,
            "Version": "3.3",
            "UUID": "6A0C3F14-8D0B-4F64-9C47-0D1E2A3B4C5D",
            "Date": self.when.astimezone(UTC).replace(tzinfo=None),
            "BackupState": "new",
            "SnapshotState": "finished",
        }
        (self.root / "Status.plist").write_bytes(plistlib.dumps(status, fmt=plistlib.FMT_BINARY))
        if info_plist is not None:
            (self.root / "Info.plist").write_bytes(info_plist)
