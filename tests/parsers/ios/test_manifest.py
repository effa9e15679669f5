from __future__ import annotations

import plistlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.ios_domains import device_path as source_device_path
from tracehound.demo.ios import manifest
from tracehound.demo.ios.manifest import FLAG_DIR, ManifestEntry, file_id, mbfile_blob
from tracehound.parsers.ios.manifest import (
    _fast_root,
    _slow_root,
    device_path,
    url_hosts,
)

T0 = 1625140800  # 2021-07-01 12:00:00 UTC
CHROME = "AppDomain-com.google.chrome.ios"
WEBKIT = "Library/WebKit/WebsiteData/LocalStorage/https_www.evil-news.com_0.localstorage"


def _entries() -> list[ManifestEntry]:
    return [
        ManifestEntry(
            domain="HomeDomain",
            relative_path="Library/SMS/sms.db",
            size=4096,
            birth=T0,
            modified=T0 + 60,
            status_changed=T0 + 120,
            inode=77,
        ),
        ManifestEntry(domain="HomeDomain", relative_path="Library/SMS", flags=FLAG_DIR, birth=T0),
        ManifestEntry(domain=CHROME, relative_path=WEBKIT, size=10, modified=T0 + 5),
        ManifestEntry(
            domain="SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
            relative_path="Library/ConfigurationProfiles/MCProfileEvents.plist",
            modified=T0,
        ),
    ]


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Manifest.db"
    manifest.write(path, _entries())
    records, ctx = parse("ios.manifest", path)
    assert ctx.warnings == 0
    assert len(records) == 4
    sms, folder, chrome, events = records
    assert sms.file_id == file_id("HomeDomain", "Library/SMS/sms.db")
    assert sms.path == "/private/var/mobile/Library/SMS/sms.db"
    assert sms.ts == datetime(2021, 7, 1, 12, 1, 0, tzinfo=UTC)
    assert sms.created == datetime(2021, 7, 1, 12, 0, 0, tzinfo=UTC)
    assert sms.status_changed == datetime(2021, 7, 1, 12, 2, 0, tzinfo=UTC)
    assert (sms.size, sms.mode, sms.uid, sms.gid, sms.inode) == (4096, 0o100644, 501, 501, 77)
    assert sms.protection_class == 3 and sms.flags == 1 and not sms.is_dir
    assert sms.has_metadata and sms.url_hosts == () and sms.row == 1
    assert folder.is_dir and folder.mode == 0o40755 and folder.flags == 2
    assert chrome.path == (
        "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/" + WEBKIT
    )
    assert chrome.url_hosts == ("www.evil-news.com",)
    assert chrome.ts == datetime(2021, 7, 1, 12, 0, 5, tzinfo=UTC)
    assert events.path == (
        "/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles"
        "/Library/ConfigurationProfiles/MCProfileEvents.plist"
    )


def test_paths_come_from_the_source_domain_table(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """The record path is what the backup source serves for the same domain and relativePath."""
    rows = [
        ("RootDomain", "Library/Caches/locationd/clients.plist"),
        ("WirelessDomain", "Library/Databases/DataUsage.sqlite"),
        ("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite"),
        ("AppDomainPlugin-com.x.share", "a"),
        ("SysContainerDomain-com.apple.x", ""),
        ("KeychainDomain", "keychain-backup.plist"),
        ("SomeFutureDomain", "/a/b"),
    ]
    path = tmp_path / "Manifest.db"
    manifest.write(path, [ManifestEntry(domain=d, relative_path=r) for d, r in rows])
    records, ctx = parse("ios.manifest", path)
    assert ctx.warnings == 0
    assert [r.path for r in records] == [source_device_path(d, r) for d, r in rows]
    assert records[0].path == "/private/var/root/Library/Caches/locationd/clients.plist"
    assert records[2].path == (
        "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared"
        "/ChatStorage.sqlite"
    )
    assert records[4].path == "/private/var/containers/Data/System/com.apple.x"
    assert device_path is source_device_path  # re-exported for callers of the parser module


def test_url_hosts() -> None:
    assert url_hosts("Library/WebKit/WebsiteData/IndexedDB/v1/https_A.Evil.com_0/x.sqlite3") == (
        "a.evil.com",
    )
    assert url_hosts("x/http_b.example.org_8080/http_b.example.org_0") == ("b.example.org",)
    # No scheme before it, a file name, an IP or a bare word: nothing.
    assert url_hosts("Library/photo_x.zip") == ()
    assert url_hosts("Library/https_localhost_0") == ()
    assert url_hosts("Library/https_10.0.0.1_0") == ()
    assert url_hosts("Library/https_") == ()


def test_fast_reader_matches_plistlib() -> None:
    entry = ManifestEntry(domain="HomeDomain", relative_path="a" * 300, size=2**40, birth=T0)
    blob = mbfile_blob(entry)
    assert _fast_root(blob) == _slow_root(blob)
    assert _fast_root(blob)["Size"] == 2**40
    with pytest.raises(ValueError):
        _fast_root(b"<?xml")


def _archive(root: dict[str, object], fmt: plistlib.PlistFormat) -> bytes:
    # XML archives spell UIDs as {"CF$UID": n} dictionaries.
    uid = plistlib.UID if fmt == plistlib.FMT_BINARY else (lambda n: {"CF$UID": n})
    objects = ["$null", {**root, "$class": uid(2)}, {"$classname": "MBFile"}]
    archive = {"$archiver": "NSKeyedArchiver", "$top": {"root": uid(1)}, "$objects": objects}
    return plistlib.dumps(archive, fmt=fmt)


def test_older_formats(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Times stored as plist dates (MVT: older iOS) and XML archives go through plistlib."""
    dated = _archive(
        {
            "Birth": datetime(2020, 1, 2, 3, 4, 5),
            "LastModified": datetime(2020, 1, 2, 3, 4, 6),
            "LastStatusChange": datetime(2020, 1, 2, 3, 4, 7),
            "Mode": 0o100600,
            "Size": 3,
        },
        plistlib.FMT_BINARY,
    )
    xml = _archive({"LastModified": T0, "Size": 9}, plistlib.FMT_XML)
    path = tmp_path / "Manifest.db"
    manifest.write(
        path,
        [],
        raw_rows=[
            {
                "fileID": "a" * 40,
                "domain": "HomeDomain",
                "relativePath": "x",
                "flags": 1,
                "file": dated,
            },
            {
                "fileID": "b" * 40,
                "domain": "RootDomain",
                "relativePath": "y",
                "flags": 1,
                "file": xml,
            },
        ],
    )
    records, ctx = parse("ios.manifest", path)
    assert ctx.warnings == 0
    assert records[0].created == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert records[0].ts == datetime(2020, 1, 2, 3, 4, 6, tzinfo=UTC)
    assert records[0].status_changed == datetime(2020, 1, 2, 3, 4, 7, tzinfo=UTC)
    assert records[0].mode == 0o100600 and records[0].size == 3
    assert records[1].ts == datetime(2021, 7, 1, 12, 0, tzinfo=UTC) and records[1].size == 9


def test_schema_without_file_column(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Manifest.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT)")
    conn.execute("INSERT INTO Files VALUES ('c', 'CameraRollDomain', 'Media/DCIM/100APPLE/a.jpg')")
    conn.commit()
    conn.close()
    records, ctx = parse("ios.manifest", path)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].path == "/private/var/mobile/Media/DCIM/100APPLE/a.jpg"
    assert records[0].ts is None and records[0].flags is None and not records[0].has_metadata


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    huge = _archive({"LastModified": 2**62, "Birth": "yesterday", "Size": 1}, plistlib.FMT_BINARY)
    path = tmp_path / "Manifest.db"
    manifest.write(
        path,
        [ManifestEntry(domain="HomeDomain", relative_path="ok", modified=T0)],
        raw_rows=[
            {
                "fileID": "d" * 40,
                "domain": "HomeDomain",
                "relativePath": "bad",
                "flags": 1,
                "file": b"junk",
            },
            {"fileID": "e" * 40, "domain": None, "relativePath": None, "flags": None, "file": huge},
            {
                "fileID": "f" * 40,
                "domain": "HomeDomain",
                "relativePath": "nometa",
                "flags": 1,
                "file": None,
            },
        ],
    )
    records, ctx = parse("ios.manifest", path)
    assert len(records) == 4
    ok, bad, odd, nometa = records
    assert ok.ts == datetime(2021, 7, 1, 12, 0, tzinfo=UTC)
    assert bad.ts is None and not bad.has_metadata and bad.path == "/private/var/mobile/bad"
    assert odd.path == source_device_path("", "")
    assert odd.ts is None and odd.created is None and odd.size == 1 and odd.domain == ""
    assert nometa.ts is None and not nometa.has_metadata
    assert ctx.warnings == 3  # undecodable blob, LastModified out of range, Birth not a time


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Manifest.db"
    sqlite3.connect(path).executescript("CREATE TABLE Properties (key TEXT, value BLOB);").close()
    with pytest.raises(SchemaMismatch, match="table Files"):
        parse("ios.manifest", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Manifest.db"
    path.write_bytes(b"\x8a\x13" * 400)  # what an encrypted Manifest.db looks like
    with pytest.raises(InputError, match="not a SQLite"):
        parse("ios.manifest", path)


def test_fast_reader_equals_plistlib_on_many_blobs() -> None:
    """Random MBFile archives (sizes, times, ids, path lengths) read the same both ways."""
    import random

    from tracehound.demo.ios.manifest import ManifestEntry, mbfile_blob

    rng = random.Random(7)
    for n in range(400):
        entry = ManifestEntry(
            domain="HomeDomain",
            relative_path="Library/" + "x" * rng.randint(0, 300) + f"/{n}",
            flags=rng.choice((1, 2)),
            size=rng.choice((0, 1, 255, 256, 65535, 65536, 2**31, 2**40, 2**62)),
            birth=rng.randint(0, 2**31),
            modified=rng.randint(-(2**31), 2**33),
            status_changed=rng.randint(0, 2**32),
            inode=rng.randint(0, 2**63 - 1),
            protection_class=rng.randint(0, 7),
        )
        blob = mbfile_blob(entry)
        assert _fast_root(blob) == _slow_root(blob), entry
