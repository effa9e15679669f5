from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.records import Provenance
from tracehound.core.registry import artifacts
from tracehound.demo.ios import applications_fs
from tracehound.demo.ios.applications_fs import App
from tracehound.detectors.app_source import AppSource
from tracehound.parsers.ios.applications import Application

T0 = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)
UUID = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"
DEVICE = f"/private/var/containers/Bundle/Application/{UUID}/iTunesMetadata.plist"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "iTunesMetadata.plist"
    applications_fs.write(
        path, App("com.example.notes", name="Notes+", version="2.3.1", purchase_date=T0)
    )
    records, ctx = parse("ios.applications_fs", path, DEVICE)
    assert ctx.warnings == 0
    (app,) = records
    assert isinstance(app, Application)  # the app_source detector reads it as an Application
    assert app.ts == T0 and app.bundle_id == "com.example.notes" and app.container == UUID
    assert app.process == "com.example.notes" and app.store_bundle_id == "com.example.notes"
    assert (app.name, app.version, app.bundle_version) == ("Notes+", "2.3.1", "2.3.1.0")
    assert app.source_app == "com.apple.AppStore" and app.apple_id == "user@example.com"
    assert app.release_date == datetime(2020, 1, 1, 8, 0, tzinfo=UTC)
    assert app.icon_sha256 is None and app.has_metadata and app.installed


def test_sideloaded_app_without_bundle_id_feeds_app_source(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "iTunesMetadata.plist"
    applications_fs.write(
        path, App("x", name="Free VPN", source_app="com.evil.store", store_bundle_id=None)
    )
    (app,), ctx = parse("ios.applications_fs", path, DEVICE)
    assert ctx.warnings == 0
    assert app.bundle_id == UUID and app.store_bundle_id is None and app.ts is None
    prov = Provenance(
        source="ios_fs", path=DEVICE, sha256=None, parser=app.TYPE, parser_version="1"
    )
    messages = [f.message for f in AppSource().feed(app, prov)]
    assert len(messages) == 2
    assert "com.evil.store" in messages[0] and "softwareVersionBundleId" in messages[1]


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "iTunesMetadata.plist"
    meta = {
        "softwareVersionBundleId": "com.example.odd",
        "itemName": "Odd",
        "releaseDate": "not a date",
        "com.apple.iTunesStore.downloadInfo": {"purchaseDate": 12},
    }
    path.write_bytes(plistlib.dumps(meta, fmt=plistlib.FMT_XML))
    (app,), ctx = parse("ios.applications_fs", path, DEVICE)
    assert app.bundle_id == "com.example.odd" and app.ts is None and app.release_date is None
    assert ctx.warnings == 2


def test_not_metadata_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "iTunesMetadata.plist"
    path.write_bytes(plistlib.dumps({"CFBundleIdentifier": "com.example"}))
    with pytest.raises(SchemaMismatch, match="missing key"):
        parse("ios.applications_fs", path, DEVICE)
    path.write_bytes(plistlib.dumps(["a", "b"]))
    with pytest.raises(SchemaMismatch, match="not a dictionary"):
        parse("ios.applications_fs", path, DEVICE)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "iTunesMetadata.plist"
    path.write_bytes(b"bplist00\xd1\x01\x02garbage")
    with pytest.raises(InputError):
        parse("ios.applications_fs", path, DEVICE)


def test_paths_cover_filesystem_dumps() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.applications_fs"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(DEVICE)
    assert not globs.matches(f"/private/var/containers/Bundle/Application/{UUID}/X.app/Info.plist")


def test_older_metadata_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Older metadata: purchaseDate and appleId at the top level, XML, no downloadInfo."""
    path = tmp_path / "iTunesMetadata.plist"
    meta = {
        "softwareVersionBundleId": "com.example.old",
        "itemName": "Old",
        "purchaseDate": T0.replace(tzinfo=None),
        "appleId": "old@example.com",
    }
    path.write_bytes(plistlib.dumps(meta, fmt=plistlib.FMT_XML))
    (app,), ctx = parse("ios.applications_fs", path, DEVICE)
    assert ctx.warnings == 0
    assert app.ts == T0 and app.apple_id == "old@example.com" and app.source_app is None
