"""androidqf acquisitions: folder, zip, zip.age, nested backup and bugreport, hashes.csv."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.errors import (
    EncryptedBackup,
    InputError,
    MissingInput,
    NotAnAcquisition,
    TracehoundError,
)
from tracehound.core.registry import Finding, Severity
from tracehound.demo.android import containers as c
from tracehound.detectors.acquisition_integrity import AcquisitionIntegrity
from tracehound.parsers.android.aqf_integrity import AqfIntegrity
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources import android_container
from tracehound.sources.android_container import DecryptionError
from tracehound.sources.androidqf import VERIFIED, AndroidQF
from tracehound.sources.base import Source, SourceOptions
from tracehound.sources.detect import open_source

UUID = c.DEMO_UUID
FILES: dict[str, bytes] = {
    "getprop.txt": c.getprop_text().encode(),
    "packages.json": b"[]",
    "command.log": b"INFO Started new acquisition\n",
    "logs/kmsg": b"<6>[0.0] Booting Linux\n",
}
GETPROP = "androidqf:getprop.txt"


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders of this test go to a folder of its own (checked empty after close)."""
    folder = tmp_path / "_tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def make(tmp: Path, files: dict[str, bytes] | None = None, **kwargs: Any) -> Path:
    return c.write_androidqf(tmp / "acq" / UUID, files or FILES, **kwargs)


def snapshot(root: Path) -> dict[str, tuple[str, float]]:
    """Every file below ``root`` with its SHA-256 and mtime (proves nothing was written)."""
    found: dict[str, tuple[str, float]] = {}
    for current, _dirs, names in os.walk(root):
        for name in names:
            path = Path(current) / name
            found[str(path.relative_to(root))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime,
            )
    return found


def integrity(source: Source, parse: Any) -> tuple[list[AqfIntegrity], list[Finding]]:
    """Run the integrity parser and detector on the source's derived document."""
    records, ctx = parse("android.aqf_integrity", source.local(VERIFIED), VERIFIED)
    assert ctx.warnings == 0
    from tracehound.core.records import Provenance

    prov = Provenance(
        source="androidqf", path=VERIFIED, sha256=None, parser="android.aqf_integrity",
        parser_version="1",
    )  # fmt: skip
    det = AcquisitionIntegrity()
    findings = [f for r in records for f in det.feed(r, prov)]
    return records, findings


# --- forms -----------------------------------------------------------------------------------


def test_folder_exposes_files_and_facts(tmp_path: Path) -> None:
    root = make(tmp_path)
    before = snapshot(tmp_path / "acq")
    src = open_source(root)
    assert isinstance(src, AndroidQF) and src.root == root
    facts = src.facts()
    assert facts["kind"] == "androidqf" and facts["platform"] == "android"
    assert facts["container"] == "folder" and facts["encrypted"] is False
    assert facts["device_model"] == "Pixel 7" and facts["android_version"] == "14"
    assert facts["security_patch"] == "2024-04-05"
    assert facts["build_fingerprint"].startswith("google/panther/panther:14/")
    assert (facts["timezone"], facts["timezone_source"]) == ("Europe/Rome", "getprop")
    assert facts["acquisition_uuid"] == UUID and facts["androidqf_version"] == "v1.7.1"
    assert facts["acquisition_started"] == "2024-05-06T09:30:00+00:00"
    assert facts["acquisition_completed"] == "2024-05-06T09:41:12.123456+00:00"
    assert facts["hash_list"] is True and facts["nested"] == []
    found = src.find([GETPROP, "androidqf:logs/*", "androidqf:nope.txt", "/private/var/x"])
    assert found == {
        GETPROP: [GETPROP],
        "androidqf:logs/*": ["androidqf:logs/kmsg"],
        "androidqf:nope.txt": [],
        "/private/var/x": [],
    }
    assert src.local(GETPROP) == root / "getprop.txt"
    assert src.origin(GETPROP) is None and src.describe("androidqf:logs/kmsg") == "logs/kmsg"
    assert [n for n, _ in src.own_inputs()] == [
        "androidqf:acquisition.json", GETPROP, "androidqf:hashes.csv",
    ]  # fmt: skip
    listing = {e.path: e for e in src.entries()}
    assert listing["androidqf:logs"].is_dir and listing["androidqf:logs/kmsg"].size == 23
    with pytest.raises(InputError):
        src.local("androidqf:nope.txt")
    src.local(VERIFIED)
    src.close()
    assert snapshot(tmp_path / "acq") == before


def test_timezone_option_wins(tmp_path: Path) -> None:
    src = open_source(make(tmp_path), SourceOptions(timezone="Asia/Tokyo"))
    assert (src.facts()["timezone"], src.facts()["timezone_source"]) == ("Asia/Tokyo", "option")
    src.close()


def test_unknown_or_missing_zone_is_none(tmp_path: Path) -> None:
    props = dict(c.DEMO_PROPS, **{"persist.sys.timezone": "Mars/Olympus"})
    files = dict(FILES, **{"getprop.txt": c.getprop_text(props).encode()})
    src = open_source(make(tmp_path, files))
    facts = src.facts()
    assert facts["timezone"] is None and facts["timezone_source"] is None
    assert facts["timezone_property"] == "Mars/Olympus"
    src.close()


def test_parent_folder_with_one_acquisition(tmp_path: Path) -> None:
    root = make(tmp_path)
    src = open_source(root.parent)
    assert src.root == root
    src.close()
    make(tmp_path / "other")
    (tmp_path / "acq" / "second").mkdir()
    for name in ("getprop.txt", "packages.json"):
        (tmp_path / "acq" / "second" / name).write_bytes(b"[]")
    with pytest.raises(NotAnAcquisition, match="holds 2 androidqf acquisitions"):
        open_source(tmp_path / "acq")


def test_an_ios_backup_folder_is_not_searched_for_androidqf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An iOS backup's sub-folders hold its hashed files: the androidqf opener does not probe
    them (an iPhone backup has 256), and the backup opens as the backup it is."""
    from tracehound.demo import generate
    from tracehound.sources import androidqf

    backup = tmp_path / "backup"
    generate.write_demo_backup(backup)
    probed: list[Path] = []
    monkeypatch.setattr(androidqf, "_may_hold_androidqf", lambda p: probed.append(p) or False)
    src = open_source(backup)
    assert src.kind == "ios_backup" and probed == []
    src.close()
    # A folder holding an androidqf acquisition and no backup is still probed and found.
    root = make(tmp_path / "plain")
    monkeypatch.undo()
    src = open_source(root.parent)
    assert src.root == root
    src.close()


@pytest.mark.parametrize("top", [True, False])
def test_zip_strips_top_folder(tmp_path: Path, top: bool, private_tmp: Path) -> None:
    archive = c.zip_folder(make(tmp_path), tmp_path / f"{UUID}.zip", top_folder=top)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    src = open_source(archive)
    assert isinstance(src, AndroidQF) and src.facts()["container"] == "zip"
    assert src.find([GETPROP])[GETPROP] == [GETPROP]
    local = src.local(GETPROP)
    assert local.read_bytes() == FILES["getprop.txt"]
    assert local.is_relative_to(private_tmp) and src.origin(GETPROP) == archive
    assert src.describe(GETPROP) == f"{UUID}.zip:" + (f"{UUID}/" if top else "") + "getprop.txt"
    kmsg = {e.path: e for e in src.entries()}["androidqf:logs/kmsg"]
    assert kmsg.modified == c.DEMO_COMPLETED.replace(microsecond=0)  # the UTC extra field
    assert src.own_inputs() == []
    temp = local.parent.parent
    assert oct(temp.stat().st_mode & 0o777) == "0o700"
    src.close()
    assert not temp.exists()
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == digest


def test_age_right_identity(tmp_path: Path) -> None:
    archive = c.zip_folder(make(tmp_path), tmp_path / f"{UUID}.zip", top_folder=False)
    recipient = c.make_identity(tmp_path / "key.txt")
    sealed = c.age_encrypt(archive, tmp_path / f"{UUID}.zip.age", recipient)
    src = open_source(sealed, SourceOptions(age_identity=tmp_path / "key.txt"))
    assert src.facts()["container"] == "zip.age" and src.facts()["encrypted"] is True
    local = src.local(GETPROP)
    assert local.read_bytes() == FILES["getprop.txt"] and src.origin(GETPROP) == sealed
    plain = list(local.parent.parent.rglob("*.zip"))
    assert len(plain) == 1  # the decrypted zip sits in the private folder only
    src.close()
    assert not plain[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["_tmp", "acq", f"{UUID}.zip", f"{UUID}.zip.age", "key.txt"]
    )
    assert list((tmp_path / "_tmp").iterdir()) == []


def test_age_missing_or_wrong_identity(tmp_path: Path) -> None:
    archive = c.zip_folder(make(tmp_path), tmp_path / "a.zip")
    sealed = c.age_encrypt(archive, tmp_path / "a.zip.age", c.make_identity(tmp_path / "k1"))
    c.make_identity(tmp_path / "k2")
    with pytest.raises(DecryptionError, match="--age-identity") as missing:
        open_source(sealed)
    assert missing.value.exit_code == 4 and isinstance(missing.value, EncryptedBackup)
    with pytest.raises(DecryptionError, match="does not open this acquisition"):
        open_source(sealed, SourceOptions(age_identity=tmp_path / "k2"))
    (tmp_path / "junk").write_text("hello\n")
    with pytest.raises(DecryptionError, match="no age identity"):
        open_source(sealed, SourceOptions(age_identity=tmp_path / "junk"))
    (tmp_path / "bad").write_text("AGE-SECRET-KEY-1QQQQ\n")
    with pytest.raises(DecryptionError, match="not a valid age identity"):
        open_source(sealed, SourceOptions(age_identity=tmp_path / "bad"))
    assert not list((tmp_path / "_tmp").glob("tracehound-android-*"))


def test_age_file_with_another_content(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    sealed = c.age_encrypt(
        tmp_path / "x.zip", tmp_path / "x.zip.age", c.make_identity(tmp_path / "k")
    )
    with pytest.raises(NotAnAcquisition, match="not a readable zip"):
        open_source(sealed, SourceOptions(age_identity=tmp_path / "k"))


def test_other_zips_and_folders_are_not_androidqf(tmp_path: Path) -> None:
    from tracehound.sources.androidqf import open_androidqf

    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "getprop.txt").write_text("[a]: [b]\n")
    assert open_androidqf(tmp_path / "f", SourceOptions()) is None
    with zipfile.ZipFile(tmp_path / "o.zip", "w") as archive:
        archive.writestr("Info.plist", b"x")
    assert open_androidqf(tmp_path / "o.zip", SourceOptions()) is None
    (tmp_path / "t.txt").write_text("text")
    assert open_androidqf(tmp_path / "t.txt", SourceOptions()) is None


# --- hashes.csv --------------------------------------------------------------------------------


def test_hashes_good(tmp_path: Path, parse: Any) -> None:
    src = open_source(make(tmp_path))
    records, findings = integrity(src, parse)
    assert {(r.path, r.status) for r in records} == {
        ("getprop.txt", "ok"), ("packages.json", "ok"), ("command.log", "ok"),
        ("logs/kmsg", "ok"), ("acquisition.json", "ok"), ("hashes.csv", "unlisted"),
    }  # fmt: skip
    assert all(r.layout == "entry_names" for r in records)
    ok = next(r for r in records if r.path == "getprop.txt")
    assert (
        ok.row == 1
        and ok.expected_sha256
        == ok.actual_sha256
        == hashlib.sha256(FILES["getprop.txt"]).hexdigest()
    )
    assert findings == []
    src.close()


def test_hashes_mismatch_missing_unlisted(tmp_path: Path, parse: Any) -> None:
    root = make(tmp_path)
    (root / "packages.json").write_bytes(b'[{"name": "com.example.planted"}]')
    (root / "logs" / "kmsg").unlink()
    (root / "notes.txt").write_text("added later")
    src = open_source(root)
    records, findings = integrity(src, parse)
    status = {r.path: r.status for r in records}
    assert status["packages.json"] == "mismatch" and status["logs/kmsg"] == "missing"
    assert status["notes.txt"] == "unlisted"
    got = sorted((f.severity, f.value) for f in findings)
    assert got == [
        (Severity.HIGH, "logs/kmsg"), (Severity.HIGH, "packages.json"),
        (Severity.LOW, "notes.txt"),
    ]  # fmt: skip
    src.close()


def test_hashes_legacy_folder_layout(tmp_path: Path, parse: Any) -> None:
    root = make(tmp_path, layout="folder")
    text = (root / "hashes.csv").read_text()
    assert text.startswith(f"{c.DEMO_STORAGE}/command.log,")
    src = open_source(root)
    records, findings = integrity(src, parse)
    by_path = {r.path: r for r in records}
    assert by_path["hashes.csv"].status == "not_verifiable" and by_path["hashes.csv"].by_design
    assert by_path["command.log"].status == "mismatch" and by_path["command.log"].by_design
    assert by_path["acquisition.json"].status == "unlisted"
    assert by_path["acquisition.json"].by_design
    assert by_path["logs/kmsg"].listed_path == f"{c.DEMO_STORAGE}/logs/kmsg"
    assert by_path["logs/kmsg"].status == "ok" and {r.layout for r in records} == {"host_paths"}
    assert findings == []
    src.close()
    (root / "getprop.txt").write_text("[ro.product.model]: [Other]\n")
    src = open_source(root)
    _records, findings = integrity(src, parse)
    assert [(f.severity, f.value) for f in findings] == [(Severity.HIGH, "getprop.txt")]
    src.close()


def test_hashes_legacy_windows_paths_without_storage_path(tmp_path: Path, parse: Any) -> None:
    root = make(tmp_path)
    (root / "acquisition.json").write_text("{}")
    rows = [
        (f"C:\\Users\\a\\androidqf\\{UUID}\\getprop.txt", hashlib.sha256(FILES["getprop.txt"])),
        (f"C:\\Users\\a\\androidqf\\{UUID}\\gone.txt", hashlib.sha256(b"x")),
    ]
    (root / "hashes.csv").write_text("".join(f"{p},{h.hexdigest()}\n" for p, h in rows))
    src = open_source(root)
    records, _findings = integrity(src, parse)
    by_listed = {r.listed_path: r for r in records if r.listed_path}
    assert by_listed[rows[0][0]].path == "getprop.txt"
    assert by_listed[rows[0][0]].status == "ok"
    assert by_listed[rows[1][0]].status == "missing"
    src.close()


def test_no_hash_list_is_info(tmp_path: Path, parse: Any) -> None:
    root = make(tmp_path)
    (root / "hashes.csv").unlink()
    src = open_source(root)
    assert src.facts()["hash_list"] is False
    records, findings = integrity(src, parse)
    assert [r.status for r in records] == ["no_hash_list"]
    assert [f.severity for f in findings] == [Severity.INFO]
    assert src.origin(VERIFIED) is None
    src.close()


def test_hashes_in_a_zip_and_bad_lines(tmp_path: Path, parse: Any) -> None:
    root = make(tmp_path)
    with (root / "hashes.csv").open("a") as handle:
        handle.write("just-one-field\n")
    archive = c.zip_folder(root, tmp_path / "a.zip")
    src = open_source(archive)
    records, ctx = parse("android.aqf_integrity", src.local(VERIFIED), VERIFIED)
    assert ctx.warnings == 1 and "line is not 'path,sha256'" in ctx.messages[0]
    assert {r.status for r in records} == {"ok", "unlisted"}
    assert src.origin(VERIFIED) == archive
    doc = json.loads(src.local(VERIFIED).read_text())
    assert doc["container"] == "zip" and doc["bad_lines"][0]["line"] == 6
    src.close()


# --- nested backup and bugreport -------------------------------------------------------------

SMS = "apps/com.android.providers.telephony/d_f/000000_sms_backup"
TOMBSTONE = "FS/data/tombstones/tombstone_00"


def nested(tmp: Path, password: str | None = None, props: dict[str, str] | None = None) -> Path:
    c.write_bugreport_zip(tmp / "bugreport.zip", c.render_dumpstate(), {TOMBSTONE: b"tomb"})
    c.write_ab(tmp / "backup.ab", {SMS: b"sms"}, password=password)
    files = {
        "getprop.txt": c.getprop_text(props).encode(),
        "packages.json": b"[]",
        "bugreport.zip": (tmp / "bugreport.zip").read_bytes(),
        "backup.ab": (tmp / "backup.ab").read_bytes(),
    }
    return c.write_androidqf(tmp / "acq" / UUID, files)


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_nested_namespaces(tmp_path: Path, form: str) -> None:
    root = nested(tmp_path)
    target = root if form == "folder" else c.zip_folder(root, tmp_path / "acq.zip")
    src = open_source(target)
    assert src.facts()["nested"] == ["bugreport.zip", "backup.ab"]
    patterns = [GETPROP, "bugreport:dumpstate.txt", f"bugreport:{TOMBSTONE}", f"ab:{SMS}",
                "androidqf:*"]  # fmt: skip
    found = src.find(patterns)
    assert found["bugreport:dumpstate.txt"] == ["bugreport:dumpstate.txt"]
    assert found[f"ab:{SMS}"] == [f"ab:{SMS}"]
    assert "androidqf:bugreport.zip" in found["androidqf:*"]
    assert src.local(f"bugreport:{TOMBSTONE}").read_bytes() == b"tomb"
    assert src.local(f"ab:{SMS}").read_bytes() == b"sms"
    assert src.local("bugreport:dumpstate.txt").read_text().startswith("=" * 56)
    origin = tmp_path / "acq.zip" if form == "zip" else root / "bugreport.zip"
    assert src.origin(f"bugreport:{TOMBSTONE}") == origin
    assert src.origin(f"ab:{SMS}") == (origin if form == "zip" else root / "backup.ab")
    assert src.describe(f"ab:{SMS}").endswith(f"backup.ab:{SMS}")
    paths = [e.path for e in src.entries()]
    assert len(paths) == len(set(paths))  # no collisions between namespaces
    assert {p.split(":", 1)[0] for p in paths} == {"androidqf", "bugreport", "ab"}
    assert src.errors == []
    src.close()


def test_nested_timezone_from_bugreport(tmp_path: Path) -> None:
    props = {k: v for k, v in c.DEMO_PROPS.items() if k != "persist.sys.timezone"}
    src = open_source(nested(tmp_path, props=props))
    assert (src.facts()["timezone"], src.facts()["timezone_source"]) == ("Europe/Rome", "getprop")
    src.close()


def test_nested_encrypted_backup_needs_password(tmp_path: Path) -> None:
    root = nested(tmp_path, password="1234")
    src = open_source(root)
    found = src.find([f"ab:{SMS}", GETPROP])
    assert found == {f"ab:{SMS}": [], GETPROP: [GETPROP]}
    assert len(src.errors) == 1 and "backup.ab: not checked" in src.errors[0]
    assert "encrypted" in src.errors[0]
    src.close()
    src = open_source(root, SourceOptions(password="1234"))
    assert src.local(f"ab:{SMS}").read_bytes() == b"sms" and src.errors == []
    src.close()


def test_nested_damaged_backup_makes_the_run_incomplete(tmp_path: Path) -> None:
    root = nested(tmp_path)
    data = (root / "backup.ab").read_bytes()
    (root / "backup.ab").write_bytes(data[: len(data) // 2])
    src = open_source(root)
    assert src.find([f"ab:{SMS}"]) == {f"ab:{SMS}": []}
    assert len(src.errors) == 1 and "backup.ab: backup damaged or cut" in src.errors[0]
    src.close()


# --- guards ------------------------------------------------------------------------------------


def hostile_zip(path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("getprop.txt", c.getprop_text())
        archive.writestr("packages.json", "[]")
        for info, data in extra:
            archive.writestr(info, data)
    return path


def test_traversal_and_links_are_not_exposed(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("logs/link")
    link.external_attr = 0o120777 << 16
    archive = hostile_zip(
        tmp_path / "h.zip",
        [("../evil.txt", b"x"), ("/abs.txt", b"x"), ("C:/win.txt", b"x"), (link, b"/etc/passwd")],
    )
    src = open_source(archive)
    names = {e.path for e in src.entries()}
    assert names == {GETPROP, "androidqf:packages.json"}
    assert len(src.errors) == 4 and all("ignored" in e for e in src.errors)
    src.close()
    assert not (tmp_path.parent / "evil.txt").exists()


def test_folder_links_are_not_followed(tmp_path: Path) -> None:
    root = make(tmp_path)
    (tmp_path / "secret.txt").write_text("host file")
    (root / "logs" / "leak").symlink_to(tmp_path / "secret.txt")
    src = open_source(root)
    assert "androidqf:logs/leak" not in {e.path for e in src.entries()}
    assert any("logs/leak" in e for e in src.errors)
    with pytest.raises(InputError):
        src.local("androidqf:logs/leak")
    src.close()


def test_bomb_guards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = hostile_zip(tmp_path / "b.zip", [("logs/zeros", b"\0" * (4 * 1024 * 1024))])
    monkeypatch.setattr(android_container.LIMITS, "ratio_floor", 1024 * 1024)
    src = open_source(archive)
    with pytest.raises(InputError, match="decompression bomb"):
        src.local("androidqf:logs/zeros")
    monkeypatch.setattr(android_container.LIMITS, "ratio", 10**9)
    monkeypatch.setattr(android_container.LIMITS, "member_bytes", 1024)
    with pytest.raises(InputError, match="over the 1024 byte limit"):
        src.local("androidqf:logs/zeros")
    monkeypatch.setattr(android_container.LIMITS, "member_bytes", 10**12)
    monkeypatch.setattr(android_container.LIMITS, "total_bytes", 1024)
    with pytest.raises(InputError, match="would exceed 1024 bytes in all for one acquisition"):
        src.local("androidqf:logs/zeros")
    src.close()


# --- end to end --------------------------------------------------------------------------------


def test_run_check_on_androidqf_folder(tmp_path: Path) -> None:
    root = make(tmp_path)
    before = snapshot(tmp_path / "acq")
    result = run_check(CheckOptions(target=root, output=tmp_path / "out", bundled_iocs=False))
    saved = json.loads((tmp_path / "out" / "run.json").read_text())
    assert saved["acquisition"]["kind"] == "androidqf"
    assert saved["acquisition"]["platform"] == "android"
    arts = saved["artifacts"]
    assert arts["android.aqf_integrity"]["status"] == "ran"
    assert arts["android.aqf_integrity"]["records"] == 6
    assert arts["android.aqf_acquisition"]["status"] == "ran"
    assert not any(name.startswith("ios.") for name in arts)
    assert not [d for d in result.detections if d.get("detector") == "acquisition_integrity"]
    assert saved["evidence_check"]["unchanged"] is True
    assert snapshot(tmp_path / "acq") == before
    inputs = {i["device_path"]: i for i in saved["inputs"]}
    assert inputs[VERIFIED]["origin"] == str(root / "hashes.csv")


def test_run_check_flags_a_changed_file(tmp_path: Path) -> None:
    root = make(tmp_path)
    (root / "packages.json").write_text('[{"name": "com.example.added"}]')
    archive = c.zip_folder(root, tmp_path / "a.zip")
    result = run_check(CheckOptions(target=archive, output=tmp_path / "out", bundled_iocs=False))
    mine = [d for d in result.detections if d.get("detector") == "acquisition_integrity"]
    assert [(d["severity"], d["value"]) for d in mine] == [("high", "packages.json")]
    assert result.exit_code in (1, 2)  # 2 if another Android parser rejects the planted file
    assert result.run["acquisition"]["container"] == "zip"
    assert not list((tmp_path / "_tmp").glob("tracehound-android-*"))


def test_errors_are_tracehound_errors() -> None:
    assert issubclass(DecryptionError, TracehoundError)


def test_file_listed_in_hashes_csv_but_absent_is_missing(tmp_path: Path) -> None:
    """hashes.csv is androidqf's own list of its files: a listed file that is gone makes its
    artifact ``missing`` (counted, listed, run incomplete), not "not present"."""
    root = make(tmp_path)
    (root / "packages.json").unlink()
    src = open_source(root)
    assert src.find(["androidqf:packages.json"]) == {
        "androidqf:packages.json": ["androidqf:packages.json"]
    }
    with pytest.raises(MissingInput, match=r"packages\.json: listed in hashes\.csv but not in"):
        src.local("androidqf:packages.json")
    src.close()
    result = run_check(CheckOptions(target=root, output=tmp_path / "out", bundled_iocs=False))
    art = result.run["artifacts"]["android.packages"]
    assert art["status"] == "missing" and art["missing"] == 1
    assert result.run["coverage"]["missing"] == [
        {
            "artifact": "android.packages",
            "path": "androidqf:packages.json",
            "error": "missing: packages.json: listed in hashes.csv but not in the acquisition",
        }
    ]
    assert result.exit_code & 2
