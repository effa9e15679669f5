"""demo/ffs.py: the dump writer (same interface as BackupWriter) and the archive packers."""

from __future__ import annotations

import plistlib
import stat
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.demo.ffs import (
    METADATA_PLIST,
    FilesystemWriter,
    container_uuid,
    pack_tar,
    pack_zip,
)
from tracehound.demo.ios import datausage

WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
T1 = datetime(2021, 7, 1, 12, 0, tzinfo=UTC)
T2 = datetime(2021, 7, 11, 18, 2, 11, tzinfo=UTC)
LOCKDOWN = {"ProductVersion": "14.6", "BuildVersion": "18F72", "ProductType": "iPhone12,1"}


def _written(root: Path) -> FilesystemWriter:
    writer = FilesystemWriter(root, WHEN)
    writer.add("HomeDomain", "Library/SMS/sms.db", b"sms", birth=T1)
    writer.add("HomeDomain", "Library/SMS/Attachments/x.jpg", b"jpg", birth=T2, modified=WHEN)
    writer.add("AppDomain-com.google.chrome.ios", "Library/History", b"chrome", birth=T1)
    writer.add_built(
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        lambda p: datausage.write(p, [], []),
        birth=T2,
    )
    writer.finish(LOCKDOWN)
    return writer


def test_files_land_at_their_device_paths(tmp_path: Path) -> None:
    _written(tmp_path)
    sms = tmp_path / "private/var/mobile/Library/SMS/sms.db"
    assert sms.read_bytes() == b"sms"
    assert sms.stat().st_mtime == T1.timestamp()
    attachment = tmp_path / "private/var/mobile/Library/SMS/Attachments/x.jpg"
    assert attachment.stat().st_mtime == WHEN.timestamp()  # modified, not birth
    usage = tmp_path / "private/var/wireless/Library/Databases/DataUsage.sqlite"
    assert usage.read_bytes().startswith(b"SQLite format 3\x00")


def test_containers_get_a_stable_uuid_and_metadata(tmp_path: Path) -> None:
    writer = _written(tmp_path)
    uuid = container_uuid("AppDomain-com.google.chrome.ios")
    assert uuid == container_uuid("AppDomain-com.google.chrome.ios") and uuid == uuid.upper()
    assert len(uuid) == 36 and uuid.count("-") == 4
    folder = tmp_path / "private/var/mobile/Containers/Data/Application" / uuid
    assert (folder / "Library/History").read_bytes() == b"chrome"
    meta = plistlib.loads((folder / METADATA_PLIST).read_bytes())
    assert meta == {"MCMMetadataIdentifier": "com.google.chrome.ios"}
    assert writer.device_path("AppDomainGroup-group.x", "a") == (
        f"/private/var/mobile/Containers/Shared/AppGroup/{container_uuid('AppDomainGroup-group.x')}/a"
    )


def test_system_version_and_folder_times(tmp_path: Path) -> None:
    _written(tmp_path)
    version = plistlib.loads(
        (tmp_path / "System/Library/CoreServices/SystemVersion.plist").read_bytes()
    )
    assert version == {
        "ProductBuildVersion": "18F72",
        "ProductCopyright": "1983-2021 Apple Inc.",
        "ProductName": "iPhone OS",
        "ProductVersion": "14.6",
    }
    # a folder's mtime is when its newest entry was created
    sms_folder = tmp_path / "private/var/mobile/Library/SMS"
    assert sms_folder.stat().st_mtime == T2.timestamp()  # Attachments/ was created at T2
    assert (sms_folder / "Attachments").stat().st_mtime == T2.timestamp()
    assert (tmp_path / "private/var/mobile/Library").stat().st_mtime == T1.timestamp()


def test_finish_refuses_encryption(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not encrypted"):
        FilesystemWriter(tmp_path, WHEN).finish(LOCKDOWN, encrypted=True)


@pytest.mark.parametrize(
    ("prefix", "top", "first"),
    [
        ("", "/", "System/Library/CoreServices/SystemVersion.plist"),
        ("filesystem", "/", "filesystem/private/var/mobile/Library/SMS/sms.db"),
        ("filesystem1/", "/private", "filesystem1/var/mobile/Library/SMS/sms.db"),
    ],
)
def test_pack_tar_and_zip(tmp_path: Path, prefix: str, top: str, first: str) -> None:
    _written(tmp_path / "dump")
    tar = pack_tar(tmp_path / "dump", tmp_path / "d.tar.gz", gz=True, prefix=prefix, top=top)
    with tarfile.open(tar) as tf:
        names = tf.getnames()
        member = tf.getmember(first)
        assert member.isreg() and member.uid == 0
        if first.endswith("sms.db"):
            assert member.mtime == T1.timestamp()
    assert first in names
    if prefix:
        assert all(n == prefix.strip("/") or n.startswith(prefix.strip("/") + "/") for n in names)
    zipped = pack_zip(tmp_path / "dump", tmp_path / "d.zip", prefix=prefix, top=top)
    with zipfile.ZipFile(zipped) as zf:
        info = zf.getinfo(first)
        assert info.create_system == 3 and stat.S_ISREG(info.external_attr >> 16)
        rel = first.split("/", 1)[1] if prefix else first  # below the dump's top
        base = tmp_path / "dump" / ("private" if top == "/private" else "")
        assert zf.read(first) == (base / rel).read_bytes()
        assert any(n.endswith("/") for n in zf.namelist())  # folders are members too


def test_pack_rejects_an_unknown_top(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="top must be"):
        pack_tar(tmp_path, tmp_path / "x.tar", top="/var")


def test_add_path_writes_outside_backup_domains(tmp_path: Path) -> None:
    writer = FilesystemWriter(tmp_path, WHEN)
    path = "/private/var/containers/Bundle/Application/X/iTunesMetadata.plist"
    target = writer.add_path(path, b"meta", T1)
    assert target == tmp_path / path[1:] and target.read_bytes() == b"meta"
    assert target.stat().st_mtime == T1.timestamp()
    with pytest.raises(ValueError, match="not an absolute device path"):
        writer.add_path("private/x", b"")
    with pytest.raises(ValueError, match="not an absolute device path"):
        writer.add_path("/private/../x", b"")
