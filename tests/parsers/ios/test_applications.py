from __future__ import annotations

import hashlib
import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import backup_info
from tracehound.demo.ios.backup_info import PNG_1X1, App

T0 = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    backup_info.write(
        path,
        [
            App(
                "com.example.notes",
                name="Notes+",
                artist="Example Ltd",
                version="2.3.1",
                purchase_date=T0,
            ),
            App(
                "com.evil.store.app",
                name="Free VPN",
                source_app="com.evil.altstore",
                apple_id=None,
                icon=None,
            ),
            App("com.example.legacy", metadata=False),  # only in Installed Applications
            App("com.example.removed", installed=False, purchase_date=T0),
        ],
    )
    records, ctx = parse("ios.applications", path)
    assert ctx.warnings == 0
    by_id = {r.bundle_id: r for r in records}
    assert len(records) == 4 and set(by_id) == {
        "com.example.notes",
        "com.evil.store.app",
        "com.example.legacy",
        "com.example.removed",
    }
    notes = by_id["com.example.notes"]
    assert notes.ts == T0 and notes.process == "com.example.notes"
    assert (notes.name, notes.artist, notes.version, notes.bundle_version) == (
        "Notes+",
        "Example Ltd",
        "2.3.1",
        "2.3.1.0",
    )
    assert notes.source_app == "com.apple.AppStore" and notes.apple_id == "user@example.com"
    assert notes.ds_person_id == "12345678901" and notes.genre == "Utilities"
    assert notes.store_bundle_id == "com.example.notes" and notes.store_id_mismatch is None
    assert notes.release_date == datetime(2020, 1, 1, 8, 0, tzinfo=UTC)
    assert notes.icon_sha256 == hashlib.sha256(PNG_1X1).hexdigest()
    assert notes.has_metadata and notes.installed
    evil = by_id["com.evil.store.app"]
    assert evil.source_app == "com.evil.altstore" and evil.ts is None
    assert evil.apple_id is None and evil.icon_sha256 is None
    legacy = by_id["com.example.legacy"]
    assert not legacy.has_metadata and legacy.installed and legacy.name is None
    removed = by_id["com.example.removed"]
    assert removed.has_metadata and not removed.installed and removed.ts == T0


def test_metadata_variants(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Older metadata: top-level purchaseDate as a plist date, appleId, no bundle id key."""
    old = plistlib.dumps(
        {
            "itemName": "Old",
            "purchaseDate": datetime(2015, 5, 6, 7, 8, 9),
            "appleId": "a@b.c",
            "softwareVersionBundleId": "com.other.id",
            "isFactoryInstall": 0,
        },
        fmt=plistlib.FMT_XML,
    )
    path = tmp_path / "Info.plist"
    backup_info.write(
        path,
        [
            App("com.example.old", raw_metadata=old),
            App("com.example.nostoreid", store_bundle_id=None),
        ],
    )
    records, ctx = parse("ios.applications", path)
    assert ctx.warnings == 0
    nostore, old_app = records  # Info.plist keys are sorted
    assert old_app.ts == datetime(2015, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert old_app.apple_id == "a@b.c" and old_app.factory_install is False
    assert old_app.store_bundle_id == "com.other.id"
    assert old_app.store_id_mismatch == "com.other.id"
    assert nostore.has_metadata and nostore.store_bundle_id is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    backup_info.write(
        path,
        [
            App("com.example.damaged", raw_metadata=b"bplist00\x00garbage"),
            App(
                "com.example.baddate",
                extra={"com.apple.iTunesStore.downloadInfo": {"purchaseDate": "last tuesday"}},
            ),
            App("com.example.fine"),
        ],
    )
    records, ctx = parse("ios.applications", path)
    baddate, damaged, fine = records  # Info.plist keys are sorted
    assert (baddate.bundle_id, damaged.bundle_id, fine.bundle_id) == (
        "com.example.baddate",
        "com.example.damaged",
        "com.example.fine",
    )
    assert not damaged.has_metadata and damaged.icon_sha256 is not None
    assert baddate.ts is None and baddate.has_metadata and fine.has_metadata
    assert ctx.warnings == 2


def test_no_app_keys_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    backup_info.write(path, extra={"Applications": None, "Installed Applications": None})
    with pytest.raises(SchemaMismatch, match="Applications"):
        parse("ios.applications", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    path.write_bytes(b"\x00\x01binary junk")
    with pytest.raises(InputError):
        parse("ios.applications", path)
