"""Manifest.db of an iTunes/Finder backup, with NSKeyedArchiver ``MBFile`` blobs.

Facts (public write-ups of the iOS 10+ backup format; MVT ``Manifest``, triangle_check):
``Files(fileID, domain, relativePath, flags, file)``; ``fileID = SHA1("<domain>-<relativePath>")``;
``flags`` 1 = file, 2 = directory, 4 = symlink; ``file`` is an NSKeyedArchiver plist whose root
object (class MBFile) holds Birth, LastModified, LastStatusChange (Unix seconds), Mode, Size,
UserID, GroupID, InodeNumber, ProtectionClass, Flags and RelativePath. In an encrypted backup the
root object also holds ``EncryptionKey``, a reference to an ``NSMutableData`` object whose
``NS.data`` is the file's key (4-byte little-endian protection class + 40-byte wrapped key; see
sources/ios_crypto.py); files with no content (and folders) have none.
"""

from __future__ import annotations

import hashlib
import plistlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracehound.demo.sqlite_util import write_sqlite

SCHEMA = """
CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER,
  file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE INDEX FilesFlagsIdx ON Files(flags);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
"""

FLAG_FILE = 1
FLAG_DIR = 2
FLAG_SYMLINK = 4


@dataclass(frozen=True)
class ManifestEntry:
    """One Files row. Times are Unix seconds."""

    domain: str
    relative_path: str
    flags: int = FLAG_FILE
    size: int = 0
    birth: int = 0
    modified: int = 0
    status_changed: int = 0
    mode: int = 0o100644
    inode: int = 0
    protection_class: int = 3
    encryption_key: bytes | None = None  # encrypted backups: class-prefixed wrapped file key

    @property
    def file_id(self) -> str:
        return file_id(self.domain, self.relative_path)


def file_id(domain: str, relative_path: str) -> str:
    """Backup file id: SHA1 of "<domain>-<relativePath>" (not a security use)."""
    return hashlib.sha1(f"{domain}-{relative_path}".encode(), usedforsecurity=False).hexdigest()


def mbfile_blob(entry: ManifestEntry) -> bytes:
    """The NSKeyedArchiver binary plist stored in ``Files.file`` for ``entry``."""
    root = {
        "$class": plistlib.UID(3),
        "Birth": entry.birth,
        "Flags": 0,
        "GroupID": 501,
        "InodeNumber": entry.inode,
        "LastModified": entry.modified,
        "LastStatusChange": entry.status_changed,
        "Mode": entry.mode if entry.flags == FLAG_FILE else 0o40755,
        "ProtectionClass": entry.protection_class,
        "RelativePath": plistlib.UID(2),
        "Size": entry.size,
        "UserID": 501,
    }
    objects: list[object] = [
        "$null",
        root,
        entry.relative_path,
        {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]},
    ]
    if entry.encryption_key is not None:
        root["EncryptionKey"] = plistlib.UID(4)
        objects += [
            {"$class": plistlib.UID(5), "NS.data": entry.encryption_key},
            {"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]},
        ]
    archive = {
        "$version": 100000,
        "$archiver": "NSKeyedArchiver",
        "$top": {"root": plistlib.UID(1)},
        "$objects": objects,
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def write(
    path: Path, entries: Sequence[ManifestEntry], raw_rows: Sequence[dict[str, object]] = ()
) -> None:
    """Write Manifest.db with ``entries``; ``raw_rows`` are extra Files rows written verbatim."""
    rows = [
        {
            "fileID": e.file_id,
            "domain": e.domain,
            "relativePath": e.relative_path,
            "flags": e.flags,
            "file": mbfile_blob(e),
        }
        for e in entries
    ]
    write_sqlite(path, SCHEMA, {"Files": [*rows, *raw_rows]})
