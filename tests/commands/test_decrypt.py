"""``tracehound decrypt`` and ``tracehound extract-key``."""

from __future__ import annotations

import json
import plistlib
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracehound import pipeline
from tracehound.cli import main
from tracehound.cli_options import make_source_options
from tracehound.demo import generate
from tracehound.demo.ios.manifest import file_id
from tracehound.sources.ios_crypto import Keybag

PASSWORD = "open sesame"
SMS_ID = file_id("HomeDomain", "Library/SMS/sms.db")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(autouse=True)
def no_derived_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML/STIX outputs read only the results folder; they are not what is tested here."""
    monkeypatch.setattr(pipeline, "write_derived", lambda output: [])


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("enc") / "backup", password=PASSWORD)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_demo_backup(tmp_path_factory.mktemp("plain") / "backup")


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "pw"
    path.write_text(PASSWORD + "\n")
    return path


def detections(backup: Path, out: Path, *extra: str) -> tuple[int, set[str]]:
    result = run("check", str(backup), "-o", str(out), "-q", *extra)
    lines = (out / "detections.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 10
    return result.exit_code, {json.dumps(json.loads(line), sort_keys=True) for line in lines}


def test_decrypted_copy_checks_identically(
    encrypted: Path, plain: Path, password_file: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "decrypted"
    result = run("decrypt", str(encrypted), str(dest), "--password-file", str(password_file))
    assert result.exit_code == 0, result.output
    assert "Decrypted" in result.output
    assert dest.stat().st_mode & 0o777 == 0o700
    modes = {p.stat().st_mode & 0o777 for p in dest.rglob("*")}
    assert modes == {0o700, 0o600}  # subfolders and files: the phone's content in clear
    manifest = plistlib.loads((dest / "Manifest.plist").read_bytes())
    assert manifest["IsEncrypted"] is False
    assert "BackupKeyBag" not in manifest and "ManifestKey" not in manifest
    assert manifest["Lockdown"]["ProductType"] == "iPhone12,1"
    assert (dest / "Manifest.db").read_bytes().startswith(b"SQLite format 3\x00")
    assert (dest / "Info.plist").read_bytes() == (encrypted / "Info.plist").read_bytes()
    assert (dest / "Status.plist").read_bytes() == (encrypted / "Status.plist").read_bytes()
    # The plaintext files equal the unencrypted demo's, at the same <xx>/<fileID> places.
    sms = dest / SMS_ID[:2] / SMS_ID
    assert sms.read_bytes() == (plain / SMS_ID[:2] / SMS_ID).read_bytes()
    stored = {p.relative_to(dest) for p in dest.glob("??/*")}
    assert stored == {p.relative_to(plain) for p in plain.glob("??/*")}
    # Same results as checking the encrypted original with its password.
    direct = detections(encrypted, tmp_path / "out1", "--password-file", str(password_file))
    assert detections(dest, tmp_path / "out2") == direct


def test_extract_key_prints_the_derived_key(
    encrypted: Path, password_file: Path, tmp_path: Path
) -> None:
    result = run("extract-key", str(encrypted), "--password-file", str(password_file))
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert len(key) == 64 and int(key, 16) >= 0
    bag = Keybag.parse(plistlib.loads((encrypted / "Manifest.plist").read_bytes())["BackupKeyBag"])
    assert bytes.fromhex(key) == bag.derive(PASSWORD)
    assert "keep it as safe" in result.stderr
    key_file = tmp_path / "key"
    key_file.write_text(key + "\n")
    again = run("extract-key", str(encrypted), "--key-file", str(key_file))
    assert again.stdout.strip() == key
    dest = tmp_path / "decrypted"
    assert run("decrypt", str(encrypted), str(dest), "--key-file", str(key_file)).exit_code == 0
    assert (dest / SMS_ID[:2] / SMS_ID).is_file()


def test_wrong_password_and_damaged_keybag(encrypted: Path, tmp_path: Path) -> None:
    for args in (
        ("extract-key", str(encrypted), "--password", "wrong"),
        ("decrypt", str(encrypted), str(tmp_path / "d"), "--password", "wrong"),
    ):
        result = run(*args)
        assert result.exit_code == 4
        assert "wrong password or key" in result.stderr
        assert isinstance(result.exception, SystemExit)
    assert not (tmp_path / "d").exists()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    manifest = plistlib.loads((encrypted / "Manifest.plist").read_bytes())
    manifest["BackupKeyBag"] = manifest["BackupKeyBag"][:100]
    (damaged / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    (damaged / "Manifest.db").write_bytes((encrypted / "Manifest.db").read_bytes())
    result = run("extract-key", str(damaged), "--password", PASSWORD)
    assert result.exit_code == 4 and "Manifest.plist: keybag ends inside" in result.stderr


def test_refuses_dest_inside_backup_or_not_empty(
    encrypted: Path, password_file: Path, tmp_path: Path
) -> None:
    inside = run(
        "decrypt", str(encrypted), str(encrypted / "out"), "--password-file", str(password_file)
    )
    assert inside.exit_code == 4 and "inside the backup" in inside.stderr
    assert not (encrypted / "out").exists()
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    result = run("decrypt", str(encrypted), str(full), "--password-file", str(password_file))
    assert result.exit_code == 4 and "not an empty folder" in result.stderr


def test_unencrypted_backup_and_not_a_backup(plain: Path, tmp_path: Path) -> None:
    result = run("decrypt", str(plain), str(tmp_path / "d"), "--password", "x")
    assert result.exit_code == 4 and "not encrypted" in result.stderr
    assert run("extract-key", str(plain), "--password", "x").exit_code == 4
    result = run("extract-key", str(tmp_path / "nothing"), "--password", "x")
    assert result.exit_code == 4 and "no such file" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run("decrypt", str(tmp_path / "empty"), str(tmp_path / "d2"), "--password", "x")
    assert result.exit_code == 4 and "not an iOS backup" in result.stderr


def test_damaged_file_is_named_and_the_rest_written(
    password_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    backup = generate.write_demo_backup(tmp_path / "backup", password=PASSWORD)
    stored = backup / SMS_ID[:2] / SMS_ID
    stored.write_bytes(stored.read_bytes()[:-16])
    dest = tmp_path / "dest"
    result = run("decrypt", str(backup), str(dest), "--password-file", str(password_file))
    assert result.exit_code == 2
    assert f"not decrypted: {SMS_ID[:2]}/{SMS_ID}" in result.stderr
    assert not (dest / SMS_ID[:2] / SMS_ID).exists()
    assert len(list(dest.glob("??/*"))) > 100
    assert list(scratch.iterdir()) == []  # the private Manifest.db copy is gone


@pytest.mark.parametrize("command", ["decrypt", "extract-key"])
def test_ios_only_commands_offer_no_android_options(command: str, tmp_path: Path) -> None:
    """decrypt and extract-key read iOS backups only: no --age-identity, no --timezone."""
    shown = run(command, "--help").output
    assert "--password-file" in shown and "--key-file" in shown
    assert "--age-identity" not in shown and "--timezone" not in shown
    result = run(
        command, str(tmp_path), *(["d"] if command == "decrypt" else []), "--timezone", "UTC"
    )
    assert result.exit_code == 2 and "No such option '--timezone'" in result.output


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("ab", "an Android backup (.ab)"),
        ("androidqf", "an androidqf acquisition"),
    ],
)
def test_android_input_is_one_clear_line(kind: str, what: str, tmp_path: Path) -> None:
    acquisition = generate.write_demo(tmp_path / "phone", kind)
    for args in (
        ("extract-key", str(acquisition), "--password", "x"),
        ("decrypt", str(acquisition), str(tmp_path / "d"), "--password", "x"),
    ):
        result = run(*args)
        assert result.exit_code == 4
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: {acquisition}: {what}; '{args[0]}' reads only iOS")
        assert "'tracehound check' reads it directly" in lines[0]
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("content", "password"),
    [
        (b"\xef\xbb\xbf" + PASSWORD.encode() + b"\r\n", PASSWORD),  # Windows Notepad
        (PASSWORD.encode() + b"\nsecond line\n", PASSWORD),
        (PASSWORD.encode(), PASSWORD),
        (b"  spaced pw \t\n", "  spaced pw \t"),  # spaces are part of a password
        (b"form\x0cfeed\n", "form\x0cfeed"),  # str.splitlines() would cut here
    ],
)
def test_password_file_drops_bom_and_line_ending_only(
    content: bytes, password: str, tmp_path: Path
) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    assert make_source_options(password_file=path).password == password


def test_password_file_with_bom_unlocks(encrypted: Path, tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_bytes(b"\xef\xbb\xbf" + PASSWORD.encode() + b"\r\n")
    result = run("extract-key", str(encrypted), "--password-file", str(path))
    assert result.exit_code == 0, result.output
    bag = Keybag.parse(plistlib.loads((encrypted / "Manifest.plist").read_bytes())["BackupKeyBag"])
    assert bytes.fromhex(result.stdout.strip()) == bag.derive(PASSWORD)
