"""The Android container writers produce the real formats."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyrage  # type: ignore[import-untyped]

from tracehound.demo.android import containers as c

FILES = {
    "getprop.txt": b"[ro.product.model]: [Pixel 7]\n",
    "logs/a.txt": b"a",
    "command.log": b"l\n",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_go_time() -> None:
    assert c.go_time(datetime(2024, 5, 6, 9, 41, 12, 123456, tzinfo=UTC)) == (
        "2024-05-06T09:41:12.123456Z"
    )
    assert c.go_time(datetime(2024, 5, 6, 9, 30, tzinfo=UTC)) == "2024-05-06T09:30:00Z"


def test_androidqf_archive_layout(tmp_path: Path) -> None:
    root = c.write_androidqf(tmp_path / "a", FILES)
    acq = json.loads((root / "acquisition.json").read_text())
    assert list(acq)[:6] == [
        "uuid", "androidqf_version", "adb_host_public_key", "storage_path", "started", "completed",
    ]  # fmt: skip
    assert acq["started"] == "2024-05-06T09:30:00Z" and acq["streaming_mode"] is True
    assert (root / "acquisition.json").read_text().startswith('{\n "uuid": ')  # MarshalIndent " "
    expected = "".join(
        f"{n},{sha((root / n).read_bytes())}\n" for n in [*FILES, "acquisition.json"]
    )
    assert (root / "hashes.csv").read_text() == expected


def test_androidqf_legacy_folder_layout(tmp_path: Path) -> None:
    root = c.write_androidqf(tmp_path / "a", FILES, layout="folder")
    rows = (root / "hashes.csv").read_text().splitlines()
    storage = c.DEMO_STORAGE
    assert rows == [
        f"{storage}/command.log,{sha(FILES['command.log'])}",
        f"{storage}/getprop.txt,{sha(FILES['getprop.txt'])}",
        f"{storage}/hashes.csv,{sha(b'')}",
        f"{storage}/logs/a.txt,{sha(b'a')}",
    ]
    assert (root / "command.log").read_bytes() != FILES["command.log"]  # appended afterwards
    acq = json.loads((root / "acquisition.json").read_text())
    assert "module_results" not in acq and acq["streaming_mode"] is False


def test_zip_folder(tmp_path: Path) -> None:
    root = c.write_androidqf(tmp_path / "uuid", FILES)
    with zipfile.ZipFile(c.zip_folder(root, tmp_path / "t.zip")) as archive:
        names = archive.namelist()
        info = archive.getinfo("uuid/getprop.txt")
    assert "uuid/logs/a.txt" in names and all(n.startswith("uuid/") for n in names)
    header, size, flags, mtime = struct.unpack("<HHBi", info.extra)
    assert (header, size, flags, mtime) == (0x5455, 5, 1, int(c.DEMO_COMPLETED.timestamp()))
    with zipfile.ZipFile(c.zip_folder(root, tmp_path / "f.zip", top_folder=False)) as archive:
        assert "getprop.txt" in archive.namelist()


def test_age_round_trip(tmp_path: Path) -> None:
    recipient = c.make_identity(tmp_path / "key.txt")
    text = (tmp_path / "key.txt").read_text().splitlines()
    assert text[1] == f"# public key: {recipient}" and text[2].startswith("AGE-SECRET-KEY-1")
    (tmp_path / "p").write_bytes(b"plain")
    sealed = c.age_encrypt(tmp_path / "p", tmp_path / "p.age", recipient)
    assert sealed.read_bytes().startswith(b"age-encryption.org/v1\n-> X25519 ")
    identity = pyrage.x25519.Identity.from_str(text[2])
    assert pyrage.decrypt(sealed.read_bytes(), [identity]) == b"plain"


def test_bugreport_zip(tmp_path: Path) -> None:
    text = c.render_dumpstate(sections={"adb": "ADB MANAGER STATE"})
    path = c.write_bugreport_zip(tmp_path / "b.zip", text, {"data/tombstones/tombstone_01": b"t"})
    with zipfile.ZipFile(path) as archive:
        main = archive.read("main_entry.txt").decode()
        assert main == "bugreport-panther-AP1A.240405.002-2024-05-06-11-38-02.txt"
        assert archive.read(main).decode() == text
        assert archive.read("version.txt") == b"2.0"
        assert archive.getinfo("FS/data/tombstones/tombstone_01").date_time == (
            2024, 5, 6, 11, 38, 2,
        )  # fmt: skip
    assert "== dumpstate: 2024-05-06 11:38:02" in text
    assert "[persist.sys.timezone]: [Europe/Rome]" in text
    assert "DUMP OF SERVICE adb:\nADB MANAGER STATE" in text


def test_getprop_text() -> None:
    assert c.getprop_text({"b": "2", "a": "1"}) == "[a]: [1]\n[b]: [2]\n"


def test_write_ab_plain_uncompressed(tmp_path: Path) -> None:
    data = c.write_ab(tmp_path / "x.ab", {"apps/p/_manifest": b"m"}, compress=False).read_bytes()
    assert data.startswith(b"ANDROID BACKUP\n5\n0\nnone\n")
    assert data[len(b"ANDROID BACKUP\n5\n0\nnone\n") :] == c.ab_tar({"apps/p/_manifest": b"m"})
