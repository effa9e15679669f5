"""Small valid acquisitions of every kind, the seeds of the source fuzzers, and the calls that
exercise a source the way a check does.

Each is written by the demo writers (``tracehound.demo``) with a handful of files, so a mutated
copy is cheap: an iOS backup (Info.plist, Manifest.plist, Status.plist, Manifest.db and file
blobs), a filesystem dump as folder, tar, tar.gz and zip, androidqf as folder and zip, a
bugreport zip and an unencrypted ``adb backup`` file.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import plistlib
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tracehound.core.errors import InputError, TracehoundError
from tracehound.core.registry import artifacts
from tracehound.demo.android import containers
from tracehound.demo.backup import BackupWriter
from tracehound.demo.ffs import FilesystemWriter, pack_tar, pack_zip
from tracehound.demo.generate import LOCKDOWN, write_demo
from tracehound.demo.ios import backup_info
from tracehound.sources.base import Source, SourceOptions
from tracehound.sources.detect import open_source

WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
SMS_BACKUP = "apps/com.android.providers.telephony/d_f/000000_sms_backup"
_SMS = [{"address": "+15555550100", "body": "see https://x.example/a", "date": "1625000000000"}]
LOCAL_CALLS = 6  # device paths opened with ``local`` per fuzzed source


def _phone(writer: BackupWriter | FilesystemWriter) -> None:
    """A few files in the domains the artifacts read: a database, plists, a text log."""
    prefs = plistlib.dumps(
        {"AppleLocale": "en_US", "AppleLanguages": ["en"]}, fmt=plistlib.FMT_BINARY
    )
    writer.add("HomeDomain", "Library/SMS/sms.db", b"SQLite format 3\x00" + bytes(84))
    writer.add("HomeDomain", "Library/Preferences/.GlobalPreferences.plist", prefs)
    writer.add("HomeDomain", "Library/Safari/History.db", b"SQLite format 3\x00" + bytes(84))
    writer.add("RootDomain", "Library/Caches/locationd/clients.plist", plistlib.dumps({}))


def write_backup(folder: Path) -> Path:
    writer = BackupWriter(folder, WHEN)
    _phone(writer)
    writer.finish(LOCKDOWN)
    backup_info.write(folder / "Info.plist", last_backup=WHEN)
    return folder


def write_ffs(folder: Path, packing: str) -> Path:
    """A dump as ``folder``, ``tar``, ``tar.gz`` or ``zip``; returns what to open."""
    root = folder / "fs" if packing != "folder" else folder
    writer = FilesystemWriter(root, WHEN)
    _phone(writer)
    writer.add_path("/private/var/db/diagnostics/shutdown.log", b"SIGTERM: [pid 1] (x)\n", WHEN)
    writer.finish(LOCKDOWN)
    if packing == "folder":
        return folder
    archive = folder / f"dump.{packing}"
    if packing == "zip":
        return pack_zip(root, archive)
    return pack_tar(root, archive, gz=packing == "tar.gz")


def write_ab(folder: Path) -> Path:
    data = zlib.compress(json.dumps(_SMS).encode())
    folder.mkdir(parents=True)
    return containers.write_ab(folder / "backup.ab", {SMS_BACKUP: data})


def write_android(folder: Path, kind: str) -> Path:
    """androidqf (folder or zip) or bugreport zip, as the demo phone writes them."""
    return write_demo(folder, kind)


#: Acquisition kind -> writer into an empty folder (returns the path to open).
WRITERS: dict[str, Callable[[Path], Path]] = {
    "backup": write_backup,
    "ffs": lambda f: write_ffs(f, "folder"),
    "ffs-tar": lambda f: write_ffs(f, "tar"),
    "ffs-tar.gz": lambda f: write_ffs(f, "tar.gz"),
    "ffs-zip": lambda f: write_ffs(f, "zip"),
    "androidqf": lambda f: write_android(f, "androidqf"),
    "androidqf-zip": lambda f: write_android(f, "androidqf-zip"),
    "bugreport": lambda f: write_android(f, "bugreport"),
    "ab": write_ab,
}
#: What a source's listing calls may raise: a named damaged input or an OS error on a file.
LISTING_ERRORS = (InputError, OSError)


def exercise(path: Path) -> None:
    """Open ``path`` and use the source as a check does; only the allowed errors may escape.

    ``open_source`` may raise TracehoundError subclasses (NotAnAcquisition, EncryptedBackup);
    ``facts``, ``find``, ``local``, ``describe``, ``origin``, ``own_inputs`` and ``entries``
    only InputError or OSError.
    """
    try:
        source = open_source(path, SourceOptions())
    except TracehoundError:
        return
    try:
        _calls(source)
    finally:
        source.close()


def _calls(source: Source) -> None:
    globs = sorted({g for a in artifacts() for g in a.paths})
    listing = (
        source.facts,
        source.own_inputs,
        lambda: list(itertools.islice(source.entries(), 9999)),
    )
    for call in listing:
        with contextlib.suppress(*LISTING_ERRORS):
            call()
    try:
        found = source.find(globs)
    except LISTING_ERRORS:
        return
    paths = sorted({p for hits in found.values() for p in hits})
    for device_path in paths[:LOCAL_CALLS]:
        try:
            source.local(device_path).stat()
            source.describe(device_path)
            source.origin(device_path)
        except LISTING_ERRORS:
            continue
