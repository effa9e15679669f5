"""Android backups (.ab): plain, compressed or not, encrypted, the unpacked folder, and guards."""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.demo.android import containers as c
from tracehound.sources import android_container
from tracehound.sources.android_backup import (
    AndroidBackup,
    AndroidBackupFolder,
    java_chars_utf8,
    open_android_backup,
    password_8bit,
)
from tracehound.sources.android_container import DecryptionError
from tracehound.sources.base import Source, SourceOptions
from tracehound.sources.detect import open_source

PKG = "apps/com.android.providers.telephony"
SMS = f"{PKG}/d_f/000000_sms_backup"
MMS = f"{PKG}/d_f/000000_mms_backup"
MEMBERS = {f"{PKG}/_manifest": b"1\ncom.android.providers.telephony\n", SMS: b"sms-json",
           MMS: b"mms-json"}  # fmt: skip


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "_tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def check_members(src: Source) -> None:
    found = src.find([f"ab:{PKG}/d_f/*_sms_backup", "ab:apps/*/_manifest", "bugreport:x"])
    assert found == {
        f"ab:{PKG}/d_f/*_sms_backup": [f"ab:{SMS}"],
        "ab:apps/*/_manifest": [f"ab:{PKG}/_manifest"],
        "bugreport:x": [],
    }
    assert src.local(f"ab:{SMS}").read_bytes() == b"sms-json"
    assert src.errors == []


@pytest.mark.parametrize("compress", [True, False])
def test_plain_backup(tmp_path: Path, compress: bool, private_tmp: Path) -> None:
    path = c.write_ab(tmp_path / "backup.ab", MEMBERS, compress=compress)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    src = open_source(path)
    assert isinstance(src, AndroidBackup)
    facts = src.facts()
    assert facts["kind"] == "android_backup" and facts["platform"] == "android"
    assert (facts["backup_version"], facts["compressed"], facts["encrypted"]) == (
        5,
        compress,
        False,
    )
    assert facts["timezone"] is None
    check_members(src)
    local = src.local(f"ab:{SMS}")
    assert local.is_relative_to(private_tmp) and src.origin(f"ab:{SMS}") == path
    assert src.describe(f"ab:{SMS}") == f"backup.ab:{SMS}"
    listing = {e.path: e for e in src.entries()}
    assert set(listing) == {f"ab:{n}" for n in MEMBERS}
    assert listing[f"ab:{SMS}"].modified == c.DEMO_STARTED and listing[f"ab:{SMS}"].size == 8
    src.close()
    assert not local.exists() and list(private_tmp.iterdir()) == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_member_not_unpacked_by_find_is_read_on_demand(tmp_path: Path) -> None:
    src = open_source(c.write_ab(tmp_path / "b.ab", MEMBERS))
    src.find([f"ab:{SMS}"])
    assert src.local(f"ab:{MMS}").read_bytes() == b"mms-json"  # a second pass
    with pytest.raises(InputError, match=r"not in b\.ab"):
        src.local("ab:apps/nope")
    src.close()


@pytest.mark.parametrize("compress", [True, False])
def test_encrypted_backup_right_password(tmp_path: Path, compress: bool) -> None:
    path = c.write_ab(tmp_path / "e.ab", MEMBERS, password="pässwörd 1", compress=compress)
    src = open_source(path, SourceOptions(password="pässwörd 1"))
    assert src.facts()["encrypted"] is True
    check_members(src)
    src.close()


def test_encrypted_backup_wrong_or_missing_password(tmp_path: Path) -> None:
    path = c.write_ab(tmp_path / "e.ab", MEMBERS, password="right")
    with pytest.raises(DecryptionError, match="wrong password") as wrong:
        open_source(path, SourceOptions(password="wrong"))
    assert wrong.value.exit_code == 4
    with pytest.raises(DecryptionError, match="encrypted; give its password"):
        open_source(path)
    asked: list[int] = []

    def prompt() -> str:
        asked.append(1)
        return "right"

    src = open_source(path, SourceOptions(password_prompt=prompt))
    assert asked == [1]
    check_members(src)
    src.close()


def test_version_1_uses_the_8bit_key_derivation(tmp_path: Path) -> None:
    path = c.write_ab(tmp_path / "v1.ab", MEMBERS, password="abcd", version=1)
    src = open_source(path, SourceOptions(password="abcd"))
    assert src.facts()["backup_version"] == 1
    check_members(src)
    src.close()


def test_java_char_quirks() -> None:
    assert java_chars_utf8(bytes([0x41, 0x7F, 0x80, 0xFF])) == b"A\x7f\xef\xbe\x80\xef\xbf\xbf"
    assert password_8bit("aé€") == b"a\xe9\xac"


def test_header_checks(tmp_path: Path) -> None:
    (tmp_path / "v9.ab").write_bytes(b"ANDROID BACKUP\n9\n1\nnone\n")
    with pytest.raises(NotAnAcquisition, match="version 9 is not supported"):
        open_source(tmp_path / "v9.ab")
    (tmp_path / "enc.ab").write_bytes(b"ANDROID BACKUP\n5\n1\nDES\n")
    with pytest.raises(NotAnAcquisition, match="unknown Android backup encryption"):
        open_source(tmp_path / "enc.ab")
    (tmp_path / "cut.ab").write_bytes(b"ANDROID BACKUP\n5\n1\nAES-256\nZZ")
    with pytest.raises(NotAnAcquisition, match="damaged"):
        open_source(tmp_path / "cut.ab")
    (tmp_path / "other.bin").write_bytes(b"ANDROID BACKUX\n")
    assert open_android_backup(tmp_path / "other.bin", SourceOptions()) is None


def test_truncated_backup_keeps_what_was_read(tmp_path: Path) -> None:
    big = dict(MEMBERS, **{f"{PKG}/f/blob": bytes(range(256)) * 400})
    path = c.write_ab(tmp_path / "t.ab", big, compress=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 60_000])
    src = open_source(path)
    found = src.find(["ab:apps/**"])
    assert f"ab:{SMS}" in found["ab:apps/**"]
    assert src.errors and "damaged or cut" in src.errors[0]
    assert src.index_damage == src.errors[0]  # what is absent may just be lost
    src.close()


@pytest.mark.parametrize("compress", [True, False])
def test_bytes_after_the_end_are_reported(tmp_path: Path, compress: bool) -> None:
    path = c.write_ab(tmp_path / "g.ab", MEMBERS, compress=compress)
    clean = open_source(path)
    assert clean.find(["ab:**"]) and clean.errors == []
    clean.close()
    path.write_bytes(path.read_bytes() + b"appended after the end" * 3)
    src = open_source(path)
    found = src.find(["ab:apps/**"])["ab:apps/**"]
    assert f"ab:{SMS}" in found  # the backup itself is read whole
    where = "compressed stream" if compress else "tar archive"
    assert len(src.errors) == 1 and where in src.errors[0]
    if compress:
        assert src.errors[0] == "g.ab: 66 bytes after the end of the compressed stream; not read"
    else:  # the tar's zero blocks, then the appended bytes
        assert "66 non-zero bytes" in src.errors[0]
    assert src.index_damage is None  # nothing of the backup is missing
    src.close()


def test_corrupt_compressed_stream(tmp_path: Path) -> None:
    path = tmp_path / "z.ab"
    path.write_bytes(b"ANDROID BACKUP\n5\n1\nnone\n" + b"\x78\x9cgarbage" * 10)
    src = open_source(path)
    assert src.find(["ab:**"]) == {"ab:**": []}
    assert "damaged" in src.errors[0]
    src.close()


def test_unsafe_and_special_members(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in ((SMS, b"ok"), ("../../evil", b"x"), ("/etc/abs", b"y")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo(f"{PKG}/f/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    src = open_source(c.write_ab(tmp_path / "u.ab", {}, payload=out.getvalue()))
    assert src.find(["ab:**"]) == {"ab:**": [f"ab:{SMS}"]}
    assert {e.path for e in src.entries()} == {f"ab:{SMS}"}
    # every member not exposed is named with the reason (the link too, since the one guard)
    assert len(src.errors) == 3 and all("unsafe path" in e for e in src.errors[:2])
    assert src.errors[2] == f"u.ab: member '{PKG}/f/link' is a link; not followed, ignored"
    src.close()
    assert not (tmp_path.parent / "evil").exists()


def test_bomb_guards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_tmp: Path) -> None:
    zeros = {f"{PKG}/f/zeros": b"\0" * (3 * 1024 * 1024)}
    path = c.write_ab(tmp_path / "bomb.ab", zeros)
    monkeypatch.setattr(android_container.LIMITS, "ratio_floor", 1024 * 1024)
    src = open_source(path)
    assert src.find(["ab:**"]) == {"ab:**": [f"ab:{PKG}/f/zeros"]}  # its header was read
    assert "decompression bomb" in src.errors[0]
    with pytest.raises(InputError):
        src.local(f"ab:{PKG}/f/zeros")
    assert list(private_tmp.rglob("zeros")) == []  # the partial copy was removed
    src.close()
    monkeypatch.setattr(android_container.LIMITS, "ratio", 10**9)
    monkeypatch.setattr(android_container.LIMITS, "member_bytes", 1000)
    src = open_source(path)
    assert src.find(["ab:**"]) == {"ab:**": [f"ab:{PKG}/f/zeros"]}
    with pytest.raises(InputError):
        src.local(f"ab:{PKG}/f/zeros")
    assert "over the 1000 byte limit" in src.errors[0]
    src.close()


def test_unpacked_folder(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    for name, data in MEMBERS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    src = open_source(folder)
    assert isinstance(src, AndroidBackupFolder)
    assert src.facts()["packages"] == ["com.android.providers.telephony"]
    assert src.find([f"ab:{PKG}/d_f/*"]) == {f"ab:{PKG}/d_f/*": [f"ab:{MMS}", f"ab:{SMS}"]}
    assert src.local(f"ab:{SMS}") == folder / SMS and src.origin(f"ab:{SMS}") is None
    times = {e.path: e.modified for e in src.entries()}
    modified = times[f"ab:{SMS}"]
    assert isinstance(modified, datetime) and modified.tzinfo == UTC
    src.close()
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "apps").mkdir()
    assert open_android_backup(tmp_path / "plain", SourceOptions()) is None


def test_demo_header_is_aosp_shaped(tmp_path: Path) -> None:
    lines = c.write_ab(tmp_path / "e.ab", MEMBERS, password="x").read_bytes().split(b"\n")[:9]
    assert lines[:4] == [b"ANDROID BACKUP", b"5", b"1", b"AES-256"]
    assert len(lines[4]) == len(lines[5]) == 128 and lines[4] == lines[4].upper()
    assert lines[6] == b"1000" and len(lines[7]) == 32
    assert len(lines[8]) == 2 * 96  # 1+16+1+32+1+32 = 83 bytes, padded to 96
    plain = c.write_ab(tmp_path / "p.ab", MEMBERS).read_bytes()
    assert zlib.decompress(plain[len(b"ANDROID BACKUP\n5\n1\nnone\n") :]) == c.ab_tar(MEMBERS)
