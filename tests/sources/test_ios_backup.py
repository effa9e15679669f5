from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import EncryptedBackup, InputError, MissingInput, NotAnAcquisition
from tracehound.demo.backup import BackupWriter
from tracehound.sources.detect import open_source
from tracehound.sources.ios_backup import IOSBackup

CHROME = (
    "/private/var/mobile/Containers/Data/Application/*/Library/"
    "Application Support/Google/Chrome/Default/History"
)
WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
LOCKDOWN = {
    "ProductType": "iPhone12,1",
    "ProductVersion": "14.6",
    "BuildVersion": "18F72",
    "DeviceName": "Demo iPhone",
    "UniqueDeviceID": "0" * 40,
}


def make_backup(root: Path, encrypted: bool = False) -> Path:
    writer = BackupWriter(root, WHEN)
    writer.add("HomeDomain", "Library/SMS/sms.db", b"sms")
    writer.add("WirelessDomain", "Library/Databases/DataUsage.sqlite", b"usage")
    writer.add(
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
        b"chrome",
    )
    info = plistlib.dumps(
        {
            "Product Type": "iPhone12,1",
            "Product Version": "14.6",
            "Build Version": "18F72",
            "Device Name": "Demo iPhone",
            "Last Backup Date": WHEN.replace(tzinfo=None),
        }
    )
    writer.finish(LOCKDOWN, info, encrypted=encrypted)
    return root


def test_maps_manifest_to_device_paths(tmp_path: Path) -> None:
    src = open_source(make_backup(tmp_path / "b"))
    assert isinstance(src, IOSBackup)
    found = src.find(
        [
            "/private/var/mobile/Library/SMS/sms.db",
            CHROME,
            "/private/var/mobile/Library/Nope.db",
            "backup:Info.plist",
            "backup:Missing.plist",
        ]
    )
    assert found["/private/var/mobile/Library/SMS/sms.db"] == [
        "/private/var/mobile/Library/SMS/sms.db"
    ]
    assert src.local("/private/var/mobile/Library/SMS/sms.db").read_bytes() == b"sms"
    chrome = found[CHROME]
    assert len(chrome) == 1 and src.local(chrome[0]).read_bytes() == b"chrome"
    assert found["/private/var/mobile/Library/Nope.db"] == []
    assert found["backup:Info.plist"] == ["backup:Info.plist"]
    assert found["backup:Missing.plist"] == []
    assert src.manifest_rows > 3  # files plus their parent directories
    with pytest.raises(InputError):
        src.local("/private/var/mobile/Library/Nope.db")


def test_facts(tmp_path: Path) -> None:
    facts = open_source(make_backup(tmp_path / "b")).facts()
    assert facts["product_type"] == "iPhone12,1"
    assert facts["os_version"] == "14.6" and facts["os_build"] == "18F72"
    assert facts["backup_date"] == "2021-07-20T08:00:00+00:00"
    assert facts["encrypted"] is False


def test_folder_holding_one_backup(tmp_path: Path) -> None:
    make_backup(tmp_path / "outer" / "00008030-001")
    src = open_source(tmp_path / "outer")
    assert src.root == tmp_path / "outer" / "00008030-001"


def test_folder_holding_two_backups_asks_to_choose(tmp_path: Path) -> None:
    make_backup(tmp_path / "outer" / "a")
    make_backup(tmp_path / "outer" / "b")
    with pytest.raises(NotAnAcquisition, match="holds 2 backups"):
        open_source(tmp_path / "outer")


def test_encrypted_backup_without_password_asks_for_one(tmp_path: Path) -> None:
    with pytest.raises(
        EncryptedBackup, match="encrypted and tracehound needs its password"
    ) as info:
        open_source(make_backup(tmp_path / "b", encrypted=True))
    assert info.value.exit_code == 4
    assert "--password-file" in str(info.value) and "--key-file" in str(info.value)


def test_not_a_backup_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotAnAcquisition, match="not an acquisition tracehound knows"):
        open_source(tmp_path / "empty")
    with pytest.raises(NotAnAcquisition, match="no such file"):
        open_source(tmp_path / "nothing")
    (tmp_path / "f.bin").write_bytes(b"\x00garbage")
    with pytest.raises(NotAnAcquisition, match="iOS backup folder"):
        open_source(tmp_path / "f.bin")


def test_missing_manifest_db(tmp_path: Path) -> None:
    """With Manifest.plist it is a damaged backup (its index is gone); without, a folder that
    merely holds an Info.plist (every macOS app bundle does) is not taken for a backup."""
    root = make_backup(tmp_path / "b")
    (root / "Manifest.db").unlink()
    src = open_source(root)
    assert src.index_damage == "Manifest.db is missing from the backup"
    assert src.find(["/private/var/mobile/Library/SMS/sms.db", "backup:Info.plist"]) == {
        "/private/var/mobile/Library/SMS/sms.db": [],
        "backup:Info.plist": ["backup:Info.plist"],
    }
    assert src.errors == ["Manifest.db is missing from the backup"]
    (root / "Manifest.plist").unlink()
    with pytest.raises(NotAnAcquisition, match=r"Manifest\.db is missing"):
        open_source(root)


def test_damaged_plist_named(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    (root / "Manifest.plist").write_bytes(b"bplist00garbage")
    with pytest.raises(NotAnAcquisition, match=r"Manifest\.plist: damaged"):
        open_source(root)


def test_corrupt_manifest_db(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    (root / "Manifest.db").write_bytes(b"SQLite format 3\x00" + b"\x01" * 4000)
    src = open_source(root)
    found = src.find(["/private/var/mobile/Library/SMS/sms.db", "backup:Info.plist"])
    assert found == {
        "/private/var/mobile/Library/SMS/sms.db": [],
        "backup:Info.plist": ["backup:Info.plist"],
    }
    assert len(src.errors) == 1 and "Manifest.db: cannot list" in src.errors[0]
    assert src.index_damage == src.errors[0]


def test_crafted_file_id_cannot_escape(tmp_path: Path) -> None:
    root = tmp_path / "b"
    writer = BackupWriter(root, WHEN)
    writer.raw_rows.append(
        {
            "fileID": "../../etc/passwd",
            "domain": "HomeDomain",
            "relativePath": "Library/SMS/sms.db",
            "flags": 1,
            "file": b"",
        }
    )
    writer.finish(LOCKDOWN, plistlib.dumps({}))
    src = open_source(root)
    assert src.find(["/private/var/mobile/Library/SMS/sms.db"])
    with pytest.raises(InputError, match="invalid fileID"):
        src.local("/private/var/mobile/Library/SMS/sms.db")


def test_missing_listed_file_is_named(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    src = open_source(root)
    src.find(["/private/var/mobile/Library/SMS/sms.db"])
    src.local("/private/var/mobile/Library/SMS/sms.db").unlink()
    with pytest.raises(InputError, match=r"listed in Manifest\.db but its file .* is missing"):
        src.local("/private/var/mobile/Library/SMS/sms.db")


def test_link_out_of_the_backup_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("analyst's own file")
    root = make_backup(tmp_path / "b")
    src = open_source(root)
    src.find(["/private/var/mobile/Library/SMS/sms.db"])
    stored = src.local("/private/var/mobile/Library/SMS/sms.db")
    stored.unlink()
    stored.symlink_to(secret)
    with pytest.raises(InputError, match="points outside the backup"):
        src.local("/private/var/mobile/Library/SMS/sms.db")


def test_manifest_db_that_is_not_sqlite(tmp_path: Path) -> None:
    """A damaged backup is still a backup: opened, with the damage as its index_damage."""
    root = make_backup(tmp_path / "b")
    (root / "Manifest.db").write_bytes(b"\x8f\x12encrypted-looking bytes" * 10)
    src = open_source(root)
    assert isinstance(src, IOSBackup)
    assert src.index_damage is not None
    assert "Manifest.db: not a SQLite database; the backup is damaged" in src.index_damage
    assert src.find(["/private/var/mobile/Library/SMS/sms.db"]) == {
        "/private/var/mobile/Library/SMS/sms.db": []
    }
    assert src.errors == [src.index_damage]  # reported once, not again by find()


def test_wal_listed_in_manifest_is_staged_beside_the_database(tmp_path: Path) -> None:
    """Plain backup files are linked (never copied or moved) into a private folder next to
    their -wal/-shm; a -wal listed but absent is a problem of the run, the database still read."""
    root = tmp_path / "b"
    writer = BackupWriter(root, WHEN)
    stored = {
        suffix: writer.add("HomeDomain", "Library/SMS/sms.db" + suffix, data)
        for suffix, data in (("", b"db"), ("-wal", b"wal"), ("-shm", b"shm"))
    }
    writer.finish(LOCKDOWN, plistlib.dumps({}))
    sms = "/private/var/mobile/Library/SMS/sms.db"
    src = open_source(root)
    assert isinstance(src, IOSBackup)
    assert src.find([sms]) == {sms: [sms]}
    local = src.local(sms)
    assert not local.is_relative_to(root) and local.resolve() == stored[""].resolve()
    assert local.with_name(local.name + "-wal").resolve() == stored["-wal"].resolve()
    assert local.with_name(local.name + "-shm").read_bytes() == b"shm"
    assert src.origin(sms) == stored[""] and src.origin(sms + "-wal") == stored["-wal"]
    assert src.errors == []
    src.close()
    assert not local.exists() and stored[""].read_bytes() == b"db"
    stored["-wal"].unlink()
    src = open_source(root)
    src.find([sms])
    local = src.local(sms)
    assert not local.with_name(local.name + "-wal").exists()
    assert len(src.errors) == 1 and src.errors[0].startswith(f"{sms}-wal: listed in Manifest.db")
    assert src.errors[0].endswith(f"; {sms} was read without it")
    src.close()


def test_listed_but_absent_file_is_missing_input(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    src = open_source(root)
    src.find(["/private/var/mobile/Library/SMS/sms.db"])
    src.local("/private/var/mobile/Library/SMS/sms.db").unlink()
    with pytest.raises(MissingInput):
        src.local("/private/var/mobile/Library/SMS/sms.db")


def test_lockdown_that_is_not_a_dictionary_is_named(tmp_path: Path) -> None:
    """Found by tests/fuzz: Manifest.plist whose Lockdown is a list raised AttributeError out
    of facts(); the facts come from Info.plist and the problem is in the source's errors."""
    root = make_backup(tmp_path / "b")
    manifest = plistlib.loads((root / "Manifest.plist").read_bytes())
    manifest["Lockdown"] = [manifest.get("Lockdown")]
    (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    source = open_source(root)
    facts = source.facts()
    assert facts["kind"] == "ios_backup"
    assert source.errors == ["Manifest.plist: Lockdown is list, not a dictionary"]
    source.facts()
    assert len(source.errors) == 1
