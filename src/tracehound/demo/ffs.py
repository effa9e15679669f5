"""Write an iOS full filesystem dump folder, and pack it as tar, tar.gz or zip (demo and tests).

``FilesystemWriter`` has the interface of ``demo.backup.BackupWriter`` so that the demo generator
can write the same phone as a backup or as a dump: each file lands at its device path
(``core/ios_domains.device_path``) under ``root``, e.g. ``root/private/var/mobile/...``. A
container domain (``AppDomain-<bundle id>``...) gets a stable fake UUID folder per id, as the
live file system names containers by UUID, and the container's
``.com.apple.mobile_container_manager.metadata.plist`` records the id under
``MCMMetadataIdentifier`` (fact: iLEAPP and MVT read this file to map container UUIDs to apps).
``finish`` writes ``/System/Library/CoreServices/SystemVersion.plist`` (XML, keys
ProductBuildVersion, ProductCopyright, ProductName "iPhone OS", ProductVersion, as Apple ships
it) and sets folder times: a folder's mtime is the time its newest entry was created.

``pack_tar``/``pack_zip`` pack a dump folder the way extraction tools deliver it: members
``private/...`` and ``System/...`` at the top, or below one top folder (``filesystem1/...``,
Cellebrite style), or, with ``top="/private"``, a dump of ``/private`` only (``var/...``).
Zip members carry the Info-ZIP "UT" extra field, so their times are exact UTC.
"""

from __future__ import annotations

import os
import plistlib
import stat
import struct
import tarfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.core.ios_domains import domain_root
from tracehound.demo.writer import BuildsInScratch

#: Namespace of the fake container UUIDs (any fixed UUID: stable across runs).
CONTAINER_NAMESPACE = uuid.UUID("8d1f3c2a-5b6e-4f70-9a8b-7c6d5e4f3a2b")
CONTAINER_DOMAINS = (
    "AppDomain",
    "AppDomainGroup",
    "AppDomainPlugin",
    "SysContainerDomain",
    "SysSharedContainerDomain",
)
METADATA_PLIST = ".com.apple.mobile_container_manager.metadata.plist"
SYSTEM_VERSION = "System/Library/CoreServices/SystemVersion.plist"


def container_uuid(domain: str) -> str:
    """The stable fake UUID folder of a container domain (``AppDomain-com.example``)."""
    return str(uuid.uuid5(CONTAINER_NAMESPACE, domain)).upper()


class FilesystemWriter(BuildsInScratch):
    """Writes files at their device paths under ``root``; ``finish`` adds the system files."""

    def __init__(self, root: Path, when: datetime) -> None:
        self.root = root
        self.when = when
        self.containers: dict[Path, str] = {}  # container folder -> bundle/group id
        self._births: dict[Path, float] = {}
        root.mkdir(parents=True, exist_ok=True)

    def device_path(self, domain: str, rel: str) -> str:
        """The device path ``domain``/``rel`` is written to (containers get their UUID)."""
        root = domain_root(domain)
        prefix, sep, ident = domain.partition("-")
        if sep and ident and prefix in CONTAINER_DOMAINS:
            folder = root.rpartition("/")[0] + "/" + container_uuid(domain)
            self.containers.setdefault(self.root / folder.lstrip("/"), ident)
            root = folder
        rel = rel.strip("/")
        return f"{root}/{rel}" if rel else root

    def add(
        self,
        domain: str,
        rel: str,
        data: bytes,
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        """Write ``data`` at the device path of ``domain``/``rel``; return the file's path."""
        birth = birth or self.when
        modified = modified or birth
        target = self.root / self.device_path(domain, rel).lstrip("/")
        self._write(target, data, birth.timestamp(), modified.timestamp())
        return target

    def add_path(
        self,
        device_path: str,
        data: bytes,
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        """Write ``data`` at an absolute device path (files outside every backup domain)."""
        if not device_path.startswith("/") or ".." in device_path.split("/"):
            raise ValueError(f"not an absolute device path: {device_path!r}")
        birth = birth or self.when
        modified = modified or birth
        target = self.root / device_path.lstrip("/")
        self._write(target, data, birth.timestamp(), modified.timestamp())
        return target

    def _write(self, target: Path, data: bytes, birth: float, modified: float) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (modified, modified))
        self._births[target] = birth

    def _folder_times(self) -> dict[Path, float]:
        """Each folder's mtime: when its newest entry was created (a folder is created with
        its first file)."""
        created: dict[Path, float] = {}
        for path, birth in self._births.items():
            for folder in path.parents:
                if folder == self.root or self.root not in folder.parents:
                    break
                created[folder] = min(created.get(folder, birth), birth)
        newest: dict[Path, float] = {}
        for path, birth in [*self._births.items(), *created.items()]:
            if path.parent in created:
                newest[path.parent] = max(newest.get(path.parent, birth), birth)
        return newest

    def finish(
        self, lockdown: dict[str, Any], info_plist: bytes | None = None, encrypted: bool = False
    ) -> None:
        """Write SystemVersion.plist and container metadata, then set folder times.

        ``info_plist`` (a backup's Info.plist) has no place in a dump and is ignored; a dump is
        never encrypted, so ``encrypted=True`` is an error.
        """
        if encrypted:
            raise ValueError("a filesystem dump is not encrypted; use BackupWriter")
        when = self.when.timestamp()
        version = {
            "ProductBuildVersion": str(lockdown.get("BuildVersion", "")),
            "ProductCopyright": f"1983-{self.when.year} Apple Inc.",
            "ProductName": "iPhone OS",
            "ProductVersion": str(lockdown.get("ProductVersion", "")),
        }
        self._write(self.root / SYSTEM_VERSION, plistlib.dumps(version), when, when)
        for folder, ident in sorted(self.containers.items()):
            births = [b for p, b in self._births.items() if folder in p.parents]
            birth = min(births, default=when)
            meta = plistlib.dumps({"MCMMetadataIdentifier": ident}, fmt=plistlib.FMT_BINARY)
            self._write(folder / METADATA_PLIST, meta, birth, birth)
        for folder, stamp in self._folder_times().items():
            os.utime(folder, (stamp, stamp))


def _tree(folder: Path) -> Iterator[Path]:
    """Every path below ``folder``, parents first, sorted, without following links."""
    for path in sorted(folder.iterdir()):
        yield path
        if path.is_dir() and not path.is_symlink():
            yield from _tree(path)


def _arcname(prefix: str, rel: str) -> str:
    return f"{prefix.strip('/')}/{rel}" if prefix.strip("/") else rel


def _top(folder: Path, top: str) -> Path:
    if top not in ("/", "/private"):
        raise ValueError(f"top must be '/' or '/private', not {top!r}")
    return folder / "private" if top == "/private" else folder


def pack_tar(
    folder: Path, archive: Path, gz: bool = False, prefix: str = "", top: str = "/"
) -> Path:
    """Pack the dump ``folder`` as a (gzipped) PAX tar, members under ``prefix`` if given."""
    base = _top(folder, top)

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(archive, "w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as tf:
        if prefix.strip("/"):
            info = tarfile.TarInfo(prefix.strip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
            tf.addfile(owner(info))
        for path in _tree(base):
            rel = path.relative_to(base).as_posix()
            tf.add(path, _arcname(prefix, rel), recursive=False, filter=owner)
    return archive


def _zip_info(name: str, mode: int, mtime: float) -> zipfile.ZipInfo:
    stamp = time.gmtime(max(mtime, 315532800))  # DOS times start in 1980
    info = zipfile.ZipInfo(name, date_time=stamp[:6])
    info.create_system = 3  # Unix: external_attr holds st_mode
    info.external_attr = (mode & 0xFFFF) << 16
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(mtime))  # Info-ZIP "UT": mtime
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def pack_zip(folder: Path, archive: Path, prefix: str = "", top: str = "/") -> Path:
    """Pack the dump ``folder`` as a zip, members under ``prefix`` if given."""
    base = _top(folder, top)
    with zipfile.ZipFile(archive, "w") as zf:
        if prefix.strip("/"):
            now = datetime.now(UTC).timestamp()
            zf.writestr(_zip_info(prefix.strip("/") + "/", stat.S_IFDIR | 0o755, now), b"")
        for path in _tree(base):
            info = path.lstat()
            name = _arcname(prefix, path.relative_to(base).as_posix())
            if stat.S_ISLNK(info.st_mode):
                data = os.readlink(path).encode()
            elif stat.S_ISDIR(info.st_mode):
                name, data = name + "/", b""
            else:
                data = path.read_bytes()
            zf.writestr(_zip_info(name, info.st_mode, info.st_mtime), data)
    return archive
