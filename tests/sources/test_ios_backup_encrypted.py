from __future__ import annotations

import gc
import hashlib
import plistlib
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import EncryptedBackup, InputError
from tracehound.demo.backup import BackupWriter
from tracehound.demo.ios.manifest import file_id
from tracehound.sources.base import SourceOptions
from tracehound.sources.detect import open_source
from tracehound.sources.ios_backup import IOSBackup
from tracehound.sources.ios_crypto import DamagedKeybag, WrongPassword

PASSWORD = "demo-passw0rd"
WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
LOCKDOWN = {"ProductType": "iPhone12,1", "ProductVersion": "14.6", "BuildVersion": "18F72"}
SMS = "/private/var/mobile/Library/SMS/sms.db"
USAGE = "/private/var/wireless/Library/Databases/DataUsage.sqlite"
EMPTY = "/private/var/mobile/Library/Empty.txt"
SMS_ID = file_id("HomeDomain", "Library/SMS/sms.db")


def make_backup(root: Path, password: str | None = PASSWORD) -> Path:
    writer = BackupWriter(root, WHEN, password=password)
    writer.add("HomeDomain", "Library/SMS/sms.db", b"sms" * 100)
    writer.add("WirelessDomain", "Library/Databases/DataUsage.sqlite", b"usage")
    writer.add("HomeDomain", "Library/Empty.txt", b"")
    writer.finish(LOCKDOWN, plistlib.dumps({"Product Type": "iPhone12,1"}))
    return root


def tree_state(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Send the source's temporary folders to a folder the test can watch."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def opened(root: Path, **options: object) -> IOSBackup:
    source = open_source(root, SourceOptions(**options))  # type: ignore[arg-type]
    assert isinstance(source, IOSBackup)
    return source


def test_real_format_on_disk(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    manifest = plistlib.loads((root / "Manifest.plist").read_bytes())
    assert manifest["IsEncrypted"] is True
    assert manifest["BackupKeyBag"][:4] == b"VERS" and len(manifest["ManifestKey"]) == 44
    assert int.from_bytes(manifest["ManifestKey"][:4], "little") == 4
    assert not (root / "Manifest.db").read_bytes().startswith(b"SQLite format 3")
    stored = (root / SMS_ID[:2] / SMS_ID).read_bytes()
    assert len(stored) == 304 and b"sms" not in stored  # 300 bytes + PKCS#7 padding
    # Info.plist and Status.plist stay plaintext, as in real encrypted backups.
    assert plistlib.loads((root / "Status.plist").read_bytes())["SnapshotState"] == "finished"


def test_reads_files_and_manifest_with_the_password(tmp_path: Path, private_tmp: Path) -> None:
    root = make_backup(tmp_path / "b")
    before = tree_state(root)
    source = opened(root, password=PASSWORD)
    found = source.find([SMS, USAGE, EMPTY, "backup:Manifest.db", "backup:Info.plist"])
    assert found[SMS] == [SMS] and found[EMPTY] == [EMPTY]
    assert source.local(SMS).read_bytes() == b"sms" * 100
    assert source.local(USAGE).read_bytes() == b"usage"
    assert source.local(EMPTY).read_bytes() == b""
    assert source.local(SMS) == source.local(SMS)  # decrypted once
    assert source.origin(SMS) == root / SMS_ID[:2] / SMS_ID
    assert source.describe(SMS) == f"{SMS_ID[:2]}/{SMS_ID}"
    manifest = source.local("backup:Manifest.db")
    assert manifest.read_bytes().startswith(b"SQLite format 3\x00")
    assert source.origin("backup:Manifest.db") == root / "Manifest.db"
    assert source.describe("backup:Manifest.db") == "Manifest.db"
    assert source.local("backup:Info.plist") == root / "Info.plist"
    assert source.origin("backup:Info.plist") is None
    # Plaintext lives only in the private folder, never next to the evidence.
    (folder,) = private_tmp.iterdir()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert source.local(SMS).is_relative_to(folder) and manifest.is_relative_to(folder)
    assert source.facts()["encrypted"] is True
    assert [name for name, _ in source.own_inputs()] == [
        "backup:Manifest.db",
        "backup:Info.plist",
        "backup:Manifest.plist",
        "backup:Status.plist",
    ]
    source.close()
    source.close()  # twice is harmless
    assert list(private_tmp.iterdir()) == []
    assert tree_state(root) == before


def test_key_and_prompt(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    first = opened(root, password=PASSWORD)
    key = first.keys.key if first.keys else b""
    first.close()
    by_key = opened(root, key=key, password="ignored when a key is given")
    by_key.find([SMS])
    assert by_key.local(SMS).read_bytes() == b"sms" * 100
    by_key.close()
    asked: list[int] = []

    def prompt() -> str:
        asked.append(1)
        return PASSWORD

    by_prompt = opened(root, password_prompt=prompt)
    by_prompt.find([SMS])
    assert by_prompt.local(SMS).read_bytes() == b"sms" * 100 and asked == [1]
    by_prompt.close()
    with pytest.raises(WrongPassword, match="32 bytes"):
        opened(root, key=b"short")


def test_no_password_wrong_password(tmp_path: Path, private_tmp: Path) -> None:
    root = make_backup(tmp_path / "b")
    with pytest.raises(EncryptedBackup, match="needs its password"):
        opened(root)
    with pytest.raises(WrongPassword, match="wrong password or key") as info:
        opened(root, password="nope")
    assert info.value.exit_code == 4 and str(root) in str(info.value)
    with pytest.raises(WrongPassword):
        opened(root, key=bytes(32))
    assert list(private_tmp.iterdir()) == []


def rewrite_manifest_plist(root: Path, **changes: object) -> None:
    manifest = plistlib.loads((root / "Manifest.plist").read_bytes())
    manifest.update(changes)
    (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))


def test_damaged_keybag(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    bag = plistlib.loads((root / "Manifest.plist").read_bytes())["BackupKeyBag"]
    rewrite_manifest_plist(root, BackupKeyBag=bag[:-7])
    with pytest.raises(DamagedKeybag, match=r"Manifest\.plist: keybag item .* runs past the end"):
        opened(root, password=PASSWORD)
    asked: list[int] = []
    with pytest.raises(DamagedKeybag):  # reported before asking for a password
        opened(root, password_prompt=lambda: str(asked.append(1)))
    assert asked == []


def test_damaged_manifest_key_or_manifest_db(tmp_path: Path, private_tmp: Path) -> None:
    root = make_backup(tmp_path / "b")
    good = plistlib.loads((root / "Manifest.plist").read_bytes())["ManifestKey"]
    rewrite_manifest_plist(root, ManifestKey=good[:-1] + bytes([good[-1] ^ 1]))
    with pytest.raises(DamagedKeybag, match="ManifestKey: its key does not unwrap"):
        opened(root, password=PASSWORD)
    rewrite_manifest_plist(root, ManifestKey=good)
    # A damaged Manifest.db (the password opened the keybag) is the backup's index damage:
    # the backup opens, finds nothing through it, and its Info.plist can still be read.
    data = bytearray((root / "Manifest.db").read_bytes())
    data[-1] ^= 0x5A
    (root / "Manifest.db").write_bytes(bytes(data))
    source = opened(root, password=PASSWORD)
    assert source.index_damage is not None
    assert source.index_damage.startswith("Manifest.db: cannot decrypt the file index")
    assert source.find([SMS]) == {SMS: []}
    source.close()
    data[-1] ^= 0x5A
    data[:16] = bytes(16)  # first block garbage: decrypts, but not to SQLite
    (root / "Manifest.db").write_bytes(bytes(data))
    source = opened(root, password=PASSWORD)
    assert source.index_damage is not None
    assert "does not decrypt to a SQLite database" in source.index_damage
    source.close()
    assert list(private_tmp.iterdir()) == []  # the private copies are removed


def test_one_damaged_file_does_not_stop_the_others(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    stored = root / SMS_ID[:2] / SMS_ID
    stored.write_bytes(stored.read_bytes()[:-16])  # truncated by one block
    source = opened(root, password=PASSWORD)
    source.find([SMS, USAGE])
    with pytest.raises(InputError, match=rf"{SMS_ID[:2]}/{SMS_ID}: cannot decrypt"):
        source.local(SMS)
    assert source.local(USAGE).read_bytes() == b"usage"
    with pytest.raises(InputError, match="cannot decrypt"):  # and again, still no stale copy
        source.local(SMS)
    source.close()


def test_content_without_encryption_key_is_refused(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    empty_id = file_id("HomeDomain", "Library/Empty.txt")
    (root / empty_id[:2] / empty_id).write_bytes(b"plaintext?")
    source = opened(root, password=PASSWORD)
    source.find([EMPTY])
    with pytest.raises(InputError, match="has content but no EncryptionKey"):
        source.local(EMPTY)
    source.close()


def test_manifest_rows_carry_the_encryption_key(tmp_path: Path) -> None:
    source = opened(make_backup(tmp_path / "b"), password=PASSWORD)
    with sqlite3.connect(source.local("backup:Manifest.db")) as conn:
        blob = conn.execute("SELECT file FROM Files WHERE fileID = ?", (SMS_ID,)).fetchone()[0]
    archive = plistlib.loads(blob)
    root = archive["$objects"][1]
    key = archive["$objects"][root["EncryptionKey"]]["NS.data"]
    assert len(key) == 44 and int.from_bytes(key[:4], "little") == root["ProtectionClass"] == 3
    assert root["Size"] == 300
    source.close()


def test_safety_net_when_close_is_never_called(tmp_path: Path, private_tmp: Path) -> None:
    source = opened(make_backup(tmp_path / "b"), password=PASSWORD)
    source.find([SMS])
    source.local(SMS)
    assert len(list(private_tmp.iterdir())) == 1
    del source
    gc.collect()
    assert list(private_tmp.iterdir()) == []


def test_safety_net_at_interpreter_exit(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tracehound.sources.base import SourceOptions\n"
        "from tracehound.sources.ios_backup import IOSBackup\n"
        "src = IOSBackup(Path(sys.argv[1]), SourceOptions(password=sys.argv[2]))\n"
        f"src.find([{SMS!r}])\n"
        f"print(src.local({SMS!r}))\n"
        "KEEP = src\n"
        "raise SystemExit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root), PASSWORD],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    plain = Path(done.stdout.strip())
    assert plain.name == SMS_ID and not plain.exists() and not plain.parent.parent.exists()


def test_unencrypted_backup_is_unchanged(tmp_path: Path, private_tmp: Path) -> None:
    root = make_backup(tmp_path / "b", password=None)
    source = opened(root, password="not needed")
    source.find([SMS, EMPTY])
    assert source.local(SMS) == root / SMS_ID[:2] / SMS_ID
    assert source.origin(SMS) is None and source.keys is None
    assert source.local("backup:Manifest.db") == root / "Manifest.db"
    assert source.facts()["encrypted"] is False
    source.close()
    assert list(private_tmp.iterdir()) == []


def test_encrypted_backup_from_before_ios_10_2_has_a_plain_manifest_db(tmp_path: Path) -> None:
    root = make_backup(tmp_path / "b")
    source = opened(root, password=PASSWORD)
    plain_db = source.local("backup:Manifest.db").read_bytes()
    source.close()
    (root / "Manifest.db").write_bytes(plain_db)
    manifest = plistlib.loads((root / "Manifest.plist").read_bytes())
    del manifest["ManifestKey"]
    (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    source = opened(root, password=PASSWORD)
    assert source.local("backup:Manifest.db") == root / "Manifest.db"
    assert source.origin("backup:Manifest.db") is None
    source.find([SMS])
    assert source.local(SMS).read_bytes() == b"sms" * 100
    source.close()


def test_wal_and_shm_are_decrypted_beside_their_database(tmp_path: Path, private_tmp: Path) -> None:
    """A backup stores sms.db-wal and sms.db-shm as files of their own; they are decrypted next
    to sms.db's private copy, named as SQLite expects, so that the -wal is applied."""
    root = tmp_path / "b"
    writer = BackupWriter(root, WHEN, password=PASSWORD)
    for suffix, data in (("", b"db" * 50), ("-wal", b"wal" * 50), ("-shm", b"shm" * 50)):
        writer.add("HomeDomain", "Library/SMS/sms.db" + suffix, data)
    writer.finish(LOCKDOWN, plistlib.dumps({}))
    before = tree_state(root)
    source = opened(root, password=PASSWORD)
    assert source.find([SMS]) == {SMS: [SMS]}  # the -wal/-shm are not inputs of their own
    local = source.local(SMS)
    assert local.read_bytes() == b"db" * 50
    assert local.with_name(local.name + "-wal").read_bytes() == b"wal" * 50
    assert local.with_name(local.name + "-shm").read_bytes() == b"shm" * 50
    wal_id = file_id("HomeDomain", "Library/SMS/sms.db-wal")
    assert source.origin(SMS + "-wal") == root / wal_id[:2] / wal_id
    assert source.describe(SMS + "-wal") == f"{wal_id[:2]}/{wal_id}"
    source.close()
    assert tree_state(root) == before and list(private_tmp.iterdir()) == []
