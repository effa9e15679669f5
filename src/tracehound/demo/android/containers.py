"""Writers of Android acquisition containers in their real formats (demo and test fixtures).

- androidqf: an acquisition folder with ``acquisition.json`` and ``hashes.csv`` as androidqf
  writes them (mvt-project/androidqf ``acquisition/acquisition.go``, ``streaming_zip.go``): the
  archive layout (entry names, no row for hashes.csv) or the legacy folder layout (host paths
  from a ``filepath.Walk``, a row for hashes.csv itself, acquisition.json written afterwards and
  command.log still growing); ``zip_folder`` packs it like Go's archive/zip (with the UTC
  "extended timestamp" field), ``age_encrypt`` encrypts like androidqf's ``key.txt`` mode.
- bugreport: the zip of ``adb bugreport`` (``main_entry.txt``, ``version.txt``, the
  ``bugreport-*.txt`` dumpstate, ``dumpstate_log.txt``, ``FS/...``; AOSP dumpstate).
- Android backup: ``ANDROID BACKUP`` header, optional AES-256 (PBKDF2-HMAC-SHA1 user key, master
  key blob and checksum as AOSP ``PerformAdbBackupTask`` writes them), zlib, tar.

Everything here is synthetic. The demo uses few PBKDF2 rounds so that tests stay fast.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyrage
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tracehound.sources.android_backup import MAGIC, java_chars_utf8, password_8bit

DEMO_UUID = "0b8d2c5e-6f1a-4b7e-9c3d-2a5f7e1d4c60"
DEMO_STARTED = datetime(2024, 5, 6, 9, 30, 0, tzinfo=UTC)
DEMO_COMPLETED = datetime(2024, 5, 6, 9, 41, 12, 123456, tzinfo=UTC)
#: Where a legacy androidqf folder lived on the analyst's computer (rows of hashes.csv).
DEMO_STORAGE = "/home/analyst/androidqf/" + DEMO_UUID


def go_time(value: datetime) -> str:
    """A time as Go's ``time.Time`` JSON (RFC 3339, nanoseconds, ``Z``)."""
    text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond * 1000:09d}".rstrip("0")
    return text + "Z"


def acquisition_json(
    uuid: str = DEMO_UUID,
    version: str = "v1.7.1",
    started: datetime = DEMO_STARTED,
    completed: datetime = DEMO_COMPLETED,
    storage_path: str = DEMO_STORAGE,
    streaming: bool = True,
    modules: tuple[str, ...] = ("getprop", "packages", "processes", "dumpsys"),
) -> dict[str, Any]:
    """acquisition.json's content, keys in the order of androidqf's ``Acquisition`` struct."""
    data: dict[str, Any] = {
        "uuid": uuid,
        "androidqf_version": version,
        "adb_host_public_key": "QAAAAD7demoPublicKeyOnly= analyst@forensics",
        "storage_path": storage_path,
        "started": go_time(started),
        "completed": go_time(completed),
        "collector": None,
        "tmp_dir": "/data/local/tmp/",
        "sdcard": "/sdcard/",
        "cpu": "arm64-v8a",
        "streaming_mode": streaming,
        "module_results": [
            {
                "name": name,
                "status": "completed",
                "started": go_time(started),
                "completed": go_time(started),
            }
            for name in modules
        ],
    }
    if not streaming:
        del data["adb_host_public_key"], data["module_results"]
    return data


def _csv_rows(rows: list[tuple[str, str]]) -> bytes:
    """Rows as Go's encoding/csv writes them (``\\n`` line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_androidqf(
    folder: Path,
    files: Mapping[str, bytes],
    acquisition: dict[str, Any] | None = None,
    layout: Literal["archive", "folder"] = "archive",
) -> Path:
    """Write an androidqf acquisition folder: ``files`` (relative path -> bytes),
    ``acquisition.json`` (``acquisition_json()`` when None) and ``hashes.csv``.

    ``layout="archive"``: hashes.csv as current androidqf writes it into its zip (entry names in
    write order, acquisition.json last, no row for itself). ``layout="folder"``: as older
    versions wrote folders: host paths under ``storage_path``, a walk in lexical order with a row
    for hashes.csv (empty when hashed), then acquisition.json, then one more command.log line.
    """
    folder.mkdir(parents=True, exist_ok=True)
    acq = (
        acquisition if acquisition is not None else acquisition_json(streaming=layout == "archive")
    )
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    acq_bytes = json.dumps(acq, indent=1).encode("utf-8")
    if layout == "archive":
        (folder / "acquisition.json").write_bytes(acq_bytes)
        names = [*files, "acquisition.json"]
        rows = [(n, hashlib.sha256((folder / n).read_bytes()).hexdigest()) for n in names]
        (folder / "hashes.csv").write_bytes(_csv_rows(rows))
        return folder
    storage = str(acq.get("storage_path") or DEMO_STORAGE)
    (folder / "hashes.csv").write_bytes(b"")
    rows = []
    for rel in _go_walk_order(folder):
        digest = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        rows.append((f"{storage}/{rel}", digest))
    (folder / "hashes.csv").write_bytes(_csv_rows(rows))
    (folder / "acquisition.json").write_bytes(acq_bytes)
    if "command.log" in files:
        with (folder / "command.log").open("ab") as log:
            log.write(b"INFO Saving details about acquisition and device...\n")
    return folder


def _go_walk_order(folder: Path, rel: str = "") -> list[str]:
    """Files in Go ``filepath.Walk`` order (lexical within a folder, depth first)."""
    out: list[str] = []
    for child in sorted((folder / rel).iterdir() if rel else folder.iterdir()):
        name = f"{rel}/{child.name}" if rel else child.name
        if child.is_dir():
            out.extend(_go_walk_order(folder, name))
        else:
            out.append(name)
    return out


def _ut_extra(when: datetime) -> bytes:
    """The Info-ZIP extended timestamp field (0x5455) with a UTC mtime, as Go writes it."""
    return struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))


def zip_folder(
    folder: Path,
    zip_path: Path,
    top_folder: bool = True,
    when: datetime = DEMO_COMPLETED,
    utc_extra: bool = True,
) -> Path:
    """Zip ``folder`` (members under ``<folder name>/`` when ``top_folder``), deflated."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in _go_walk_order(folder):
            name = f"{folder.name}/{rel}" if top_folder else rel
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            if utc_extra:
                info.extra = _ut_extra(when)
            archive.writestr(info, (folder / rel).read_bytes())
    return zip_path


def make_identity(path: Path) -> str:
    """Write a new age identity file (``age-keygen`` format); return its public recipient."""
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    path.write_text(
        f"# created: {go_time(DEMO_STARTED)}\n# public key: {recipient}\n{identity}\n", "utf-8"
    )
    path.chmod(0o600)
    return recipient


def age_encrypt(src: Path, dst: Path, recipient: str) -> Path:
    """Encrypt ``src`` to the age ``recipient`` (``age1...``), as androidqf does with key.txt."""
    pyrage.encrypt_file(str(src), str(dst), [pyrage.x25519.Recipient.from_str(recipient)])
    return dst


# --- bugreport -----------------------------------------------------------------------------------


def render_dumpstate(
    date: str = "2024-05-06 11:38:02",
    props: Mapping[str, str] | None = None,
    sections: Mapping[str, str] | None = None,
) -> str:
    """A dumpstate text: PrintHeader's header, SYSTEM PROPERTIES, then ``DUMP OF SERVICE``
    sections (name -> body) as ``dumpsys`` prints them."""
    values = dict(props or DEMO_PROPS)
    fingerprint = values.get("ro.build.fingerprint", "(unknown)")
    lines = [
        "=" * 56,
        f"== dumpstate: {date}",
        "=" * 56,
        "",
        f"Build: {values.get('ro.build.display.id', '(unknown)')}",
        f"Build fingerprint: '{fingerprint}'",
        "Bootloader: demo-1.0",
        "Radio: g5300g-230919-231024-B-11040937",
        "Network: Demo Mobile",
        "Module Metadata version: 341001000",
        f"Android SDK version: {values.get('ro.build.version.sdk', '(unknown)')}",
        "Kernel: Linux version 5.10.177-android13-4-00003-demo (build@demo) #1 SMP PREEMPT",
        "Command line: androidboot.verifiedbootstate=green",
        "Uptime: up 2 days, 3 hours, 4 minutes",
        "Bugreport format version: 2.0",
        "Dumpstate info: id=1 pid=12345 dry_run=0 parallel_run=1 args=-S bugreport_mode=",
        "",
        "------ SYSTEM PROPERTIES (getprop) ------",
        *(f"[{k}]: [{v}]" for k, v in sorted(values.items())),
        "------ 0.041s was the duration of 'SYSTEM PROPERTIES' ------",
    ]
    if sections:
        lines.append("------ DUMPSYS (/system/bin/dumpsys) ------")
        for name, body in sections.items():
            lines += ["-" * 77, f"DUMP OF SERVICE {name}:", body.rstrip("\n")]
        lines.append("------ 3.2s was the duration of 'DUMPSYS' ------")
    return "\n".join(lines) + "\n"


DEMO_PROPS: dict[str, str] = {
    "ro.product.model": "Pixel 7",
    "ro.product.manufacturer": "Google",
    "ro.build.version.release": "14",
    "ro.build.version.sdk": "34",
    "ro.build.version.security_patch": "2024-04-05",
    "ro.build.id": "AP1A.240405.002",
    "ro.build.display.id": "AP1A.240405.002",
    "ro.build.fingerprint": "google/panther/panther:14/AP1A.240405.002/11480754:user/release-keys",
    "persist.sys.timezone": "Europe/Rome",
}


def getprop_text(props: Mapping[str, str] | None = None) -> str:
    """``getprop`` output: ``[name]: [value]`` per line, sorted by name."""
    return "".join(f"[{k}]: [{v}]\n" for k, v in sorted((props or DEMO_PROPS).items()))


def write_bugreport_zip(
    path: Path,
    dumpstate_text: str,
    fs_files: Mapping[str, bytes] | None = None,
    name: str = "bugreport-panther-AP1A.240405.002-2024-05-06-11-38-02",
    when: datetime = datetime(2024, 5, 6, 11, 38, 2),  # device local time
    main_entry: bool = True,
    extra: Mapping[str, bytes] | None = None,
) -> Path:
    """Write an ``adb bugreport`` zip: the dumpstate as ``<name>.txt`` (named by
    main_entry.txt unless ``main_entry`` is False), version.txt, dumpstate_log.txt and
    ``FS/<path>`` for each ``fs_files`` key (with or without the leading ``FS/``). ``when`` is the
    device-local DOS time of the members; ``extra`` adds members as they are."""
    members: list[tuple[str, bytes]] = [(f"{name}.txt", dumpstate_text.encode("utf-8"))]
    if main_entry:
        members.append(("main_entry.txt", f"{name}.txt".encode()))
    members.append(("version.txt", b"2.0"))
    members.append(("dumpstate_log.txt", b"dumpstate id 1 finished\n"))
    for rel, data in (fs_files or {}).items():
        members.append((rel if rel.startswith("FS/") else f"FS/{rel.lstrip('/')}", data))
    members.extend((extra or {}).items())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return path


# --- Android backup ------------------------------------------------------------------------------

TEST_ROUNDS = 1000  # AOSP uses 10000 (PBKDF2_HASH_ROUNDS); fewer keep the tests fast


def ab_tar(members: Mapping[str, bytes], mtime: datetime = DEMO_STARTED) -> bytes:
    """The tar stream of a backup: ``members`` (``apps/<package>/...`` -> bytes), ustar."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(mtime.timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _aes_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def write_ab(
    path: Path,
    members: Mapping[str, bytes],
    password: str | None = None,
    compress: bool = True,
    rounds: int = TEST_ROUNDS,
    version: int = 5,
    payload: bytes | None = None,
) -> Path:
    """Write an ``adb backup`` file holding ``members``; encrypted when ``password`` is given.

    ``payload`` replaces the tar stream (to build damaged or hostile backups in tests).
    """
    data = ab_tar(members) if payload is None else payload
    if compress:
        data = zlib.compress(data, 9)
    header = MAGIC + f"{version}\n{1 if compress else 0}\n".encode()
    if password is None:
        path.write_bytes(header + b"none\n" + data)
        return path
    user_salt, checksum_salt = secrets.token_bytes(64), secrets.token_bytes(64)
    user_iv, master_iv, master = (
        secrets.token_bytes(16),
        secrets.token_bytes(16),
        secrets.token_bytes(32),
    )
    secret = password_8bit(password) if version == 1 else password.encode("utf-8")
    user_key = hashlib.pbkdf2_hmac("sha1", secret, user_salt, rounds, 32)
    as_chars = master if version == 1 else java_chars_utf8(master)
    checksum = hashlib.pbkdf2_hmac("sha1", as_chars, checksum_salt, rounds, 32)
    blob = bytes([16]) + master_iv + bytes([32]) + master + bytes([32]) + checksum
    lines = [
        "AES-256",
        user_salt.hex().upper(),
        checksum_salt.hex().upper(),
        str(rounds),
        user_iv.hex().upper(),
        _aes_encrypt(user_key, user_iv, blob).hex().upper(),
    ]
    body = _aes_encrypt(master, master_iv, data)
    path.write_bytes(header + "\n".join(lines).encode() + b"\n" + body)
    return path
