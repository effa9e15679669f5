"""Write an iTunes/Finder backup folder in Apple's layout (demo and test fixtures).

Layout facts: ``<root>/<fileID[:2]>/<fileID>`` for each file, ``Manifest.db`` (see
demo/ios/manifest.py), ``Manifest.plist`` (binary: ``IsEncrypted``, ``Version``, ``Date``,
``Lockdown`` with ProductType/ProductVersion/BuildVersion/DeviceName/UniqueDeviceID,
``WasPasscodeSet``), ``Status.plist`` (binary: ``IsFullBackup``, ``Version``, ``UUID``, ``Date``,
``BackupState``, ``SnapshotState``) and ``Info.plist`` (XML).

With a password the backup is encrypted as iTunes/Finder does it (format facts in
sources/ios_crypto.py): Manifest.plist gains ``BackupKeyBag`` (a backup keybag whose class keys
are wrapped with the password's key; low round counts, DPIC 1000 and ITER 10, so tests are fast)
and ``ManifestKey`` (class 4 + the wrapped key of Manifest.db); each non-empty file is encrypted
with its own random key, stored wrapped with its protection class key in the ``EncryptionKey`` of
its Manifest.db blob; Manifest.db itself is encrypted with the ManifestKey. Info.plist and
Status.plist stay plaintext, as in real encrypted backups.
"""

from __future__ import annotations

import os
import plistlib
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.demo.ios import manifest
from tracehound.demo.ios.manifest import FLAG_DIR, ManifestEntry, file_id, mbfile_blob
from tracehound.demo.sqlite_util import with_wal
from tracehound.demo.writer import BuildsInScratch
from tracehound.sources import ios_crypto

MANIFEST_KEY_CLASS = 4  # NSFileProtectionNone, the class real ManifestKeys carry
SIDES = ("", "-wal", "-shm")  # a database and the files SQLite keeps beside it in WAL mode


def _unix(value: datetime) -> int:
    return int(value.timestamp())


class BackupWriter(BuildsInScratch):
    """Collects files and writes the backup's metadata on ``finish``."""

    def __init__(self, root: Path, when: datetime, password: str | None = None) -> None:
        self.root = root
        self.when = when
        self.entries: list[ManifestEntry] = []
        self.raw_rows: list[dict[str, object]] = []
        self._dirs: set[tuple[str, str]] = set()
        self._inode = 1000
        self.keybag: ios_crypto.Keybag | None = None
        self.keys: ios_crypto.BackupKeys | None = None
        if password is not None:
            self.keybag, self.keys = ios_crypto.build_keybag(password)
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
        """Store ``data`` as ``domain``/``rel``; return the stored (maybe encrypted) file."""
        birth = birth or self.when
        modified = modified or birth
        self._parents(domain, rel, birth)
        entry = self._entry(domain, rel, len(data), birth, modified)
        if self.keys is not None and data:
            file_key = os.urandom(ios_crypto.KEY_SIZE)
            wrapped = ios_crypto.wrap_key(self.keys.class_keys[entry.protection_class], file_key)
            entry = replace(
                entry, encryption_key=ios_crypto.class_prefixed(entry.protection_class, wrapped)
            )
            data = ios_crypto.encrypt_bytes(data, file_key)
        self.entries.append(entry)
        target = self.root / entry.file_id[:2] / entry.file_id
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def finish(
        self, lockdown: dict[str, Any], info_plist: bytes | None = None, encrypted: bool = False
    ) -> None:
        """Write Manifest.db, Manifest.plist, Status.plist and (if given) Info.plist.

        ``encrypted`` only sets ``IsEncrypted`` (a plaintext backup that claims encryption, for
        tests); a writer made with a password writes a really encrypted backup.
        """
        manifest_plist: dict[str, Any] = {}
        if self.keys is not None and self.keybag is not None:
            db_key = os.urandom(ios_crypto.KEY_SIZE)
            with tempfile.TemporaryDirectory(prefix="tracehound-demo-") as tmp:
                plain = Path(tmp) / "Manifest.db"
                manifest.write(plain, self.entries, self.raw_rows)
                (self.root / "Manifest.db").write_bytes(
                    ios_crypto.encrypt_bytes(plain.read_bytes(), db_key)
                )
            wrapped = ios_crypto.wrap_key(self.keys.class_keys[MANIFEST_KEY_CLASS], db_key)
            manifest_plist = {
                "BackupKeyBag": self.keybag.to_bytes(),
                "ManifestKey": ios_crypto.class_prefixed(MANIFEST_KEY_CLASS, wrapped),
            }
            encrypted = True
        else:
            manifest.write(self.root / "Manifest.db", self.entries, self.raw_rows)
        manifest_plist |= {
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


def store_uncheckpointed(
    root: Path, domain: str, rel: str, statements: Sequence[tuple[str, Sequence[Any]]]
) -> dict[str, Path]:
    """Commit ``statements`` to the database ``domain``/``rel`` of the plaintext backup ``root``
    in WAL mode, leaving the rows in its -wal, stored as a backup stores it: the -wal and -shm
    are files of their own (``<rel>-wal``, ``<rel>-shm``) with their own fileID and Files row.
    Returns the stored files by suffix ("" for the database)."""
    stored = {s: root / file_id(domain, rel + s)[:2] / file_id(domain, rel + s) for s in SIDES}
    parts = with_wal(stored[""].read_bytes(), statements)
    with sqlite3.connect(root / "Manifest.db") as conn:
        for suffix, data in zip(SIDES, parts, strict=True):
            stored[suffix].parent.mkdir(exist_ok=True)
            stored[suffix].write_bytes(data)
            if suffix:
                entry = ManifestEntry(domain, rel + suffix, size=len(data))
                conn.execute(
                    "INSERT INTO Files VALUES (?, ?, ?, ?, ?)",
                    (entry.file_id, domain, entry.relative_path, entry.flags, mbfile_blob(entry)),
                )
    return stored
