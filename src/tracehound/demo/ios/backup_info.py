"""Info.plist at the root of an iTunes/Finder backup, with ``Applications`` and their metadata.

Facts (MVT ``BackupInfo`` and ``Applications``; iLEAPP ``iTunesBackupInfo``, ``appItunesmeta``):
an XML plist with device keys ("Device Name", "Product Type", "Product Version", "Last Backup
Date" as a date...), ``Installed Applications`` (bundle ids) and ``Applications``: bundle id ->
{"ApplicationSINF", "iTunesMetadata", "PlaceholderIcon"} as data. ``iTunesMetadata`` is the app's
iTunesMetadata.plist (itemName, artistName, bundleShortVersionString, softwareVersionBundleId,
sourceApp, ``com.apple.iTunesStore.downloadInfo`` -> accountInfo / purchaseDate "Y-m-dTH:M:SZ").
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: A tiny, valid PNG (1x1), the shape of a PlaceholderIcon.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass(frozen=True)
class App:
    """One installed app. ``metadata=False`` leaves it only in ``Installed Applications``."""

    bundle_id: str
    name: str = "App"
    artist: str = "Example Developer"
    version: str = "1.0"
    source_app: str | None = "com.apple.AppStore"
    purchase_date: datetime | None = None
    apple_id: str | None = "user@example.com"
    store_bundle_id: str | None = "same"  # "same" = bundle_id; None = key absent
    icon: bytes | None = PNG_1X1
    metadata: bool = True
    installed: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)  # more iTunesMetadata keys
    raw_metadata: bytes | None = None  # written verbatim instead of the built metadata


def itunes_metadata(app: App) -> bytes:
    """The app's iTunesMetadata.plist (binary) as stored in Info.plist."""
    meta: dict[str, Any] = {
        "artistId": 1000,
        "artistName": app.artist,
        "bundleDisplayName": app.name,
        "bundleShortVersionString": app.version,
        "bundleVersion": app.version + ".0",
        "copyright": f"© {app.artist}",
        "fileExtension": ".app",
        "genre": "Utilities",
        "genreId": 6002,
        "itemId": 100000 + len(app.bundle_id),
        "itemName": app.name,
        "kind": "software",
        "playlistName": app.artist,
        "releaseDate": "2020-01-01T08:00:00Z",
        "s": 143441,
        "softwareVersionExternalIdentifier": 800000,
    }
    if app.store_bundle_id is not None:
        sid = app.bundle_id if app.store_bundle_id == "same" else app.store_bundle_id
        meta["softwareVersionBundleId"] = sid
    if app.source_app is not None:
        meta["sourceApp"] = app.source_app
    info: dict[str, Any] = {}
    if app.apple_id is not None:
        info["accountInfo"] = {"AppleID": app.apple_id, "DSPersonID": 12345678901}
    if app.purchase_date is not None:
        info["purchaseDate"] = app.purchase_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if info:
        meta["com.apple.iTunesStore.downloadInfo"] = info
    meta.update(app.extra)
    return plistlib.dumps(meta, fmt=plistlib.FMT_BINARY)


def write(
    path: Path,
    apps: Sequence[App] = (),
    *,
    device_name: str = "Demo iPhone",
    product_type: str = "iPhone13,2",
    product_version: str = "16.5",
    build_version: str = "20F66",
    serial_number: str = "F2LDEMO0001",
    imei: str = "350000000000001",
    phone_number: str = "+1 555 0100",
    udid: str = "00008101-000A1B2C3D4E001E",
    last_backup: datetime | None = datetime(2023, 6, 1, 9, 30, tzinfo=UTC),
    itunes_version: str = "12.12.9.4",
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write a backup's Info.plist (XML, as iTunes/Finder do).

    ``extra`` adds or replaces top-level keys; a None value removes the key.
    """
    info: dict[str, Any] = {
        "Build Version": build_version,
        "Device Name": device_name,
        "Display Name": device_name,
        "GUID": "6C4C2F0D8E8B4E0A9B1C2D3E4F506172",
        "ICCID": "89010000000000000001",
        "IMEI": imei,
        "MEID": imei[:14],
        "Phone Number": phone_number,
        "Product Name": "iPhone 12",
        "Product Type": product_type,
        "Product Version": product_version,
        "Serial Number": serial_number,
        "Target Identifier": udid,
        "Target Type": "Device",
        "Unique Identifier": udid,
        "iTunes Version": itunes_version,
        "iTunes Settings": {"LibraryApplications": [a.bundle_id for a in apps]},
        "iBooks Data 2": b"bplist00",
    }
    if last_backup is not None:
        info["Last Backup Date"] = last_backup.astimezone(UTC).replace(tzinfo=None)
    info["Installed Applications"] = [a.bundle_id for a in apps if a.installed]
    applications: dict[str, Any] = {}
    for app in apps:
        if not app.metadata:
            continue
        entry: dict[str, Any] = {"ApplicationSINF": b"\x00\x00\x04\x00sinf"}
        entry["iTunesMetadata"] = app.raw_metadata or itunes_metadata(app)
        if app.icon is not None:
            entry["PlaceholderIcon"] = app.icon
        applications[app.bundle_id] = entry
    info["Applications"] = applications
    for key, value in (extra or {}).items():
        if value is None:
            info.pop(key, None)
        else:
            info[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_XML, sort_keys=True))
