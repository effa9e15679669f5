"""Installed apps from the backup's Info.plist: store metadata, installer, purchase date, icon hash.

Facts: MVT ``Applications`` (backup branch) and iLEAPP ``iTunesBackupInfo``/``appItunesmeta``.
Info.plist has ``Applications``: bundle id -> {"iTunesMetadata": <iTunesMetadata.plist bytes>,
"PlaceholderIcon": <PNG bytes>, "ApplicationSINF": ...} and ``Installed Applications`` (bundle
ids; an app may be listed there only). iTunesMetadata keys: itemName, bundleDisplayName,
artistName, bundleShortVersionString, bundleVersion, softwareVersionBundleId, sourceApp (the
installer: App Store, MDM, or a third-party marketplace), genre, isFactoryInstall,
sideLoadedDeviceBasedVPP, and ``com.apple.iTunesStore.downloadInfo`` -> accountInfo (AppleID,
DSPersonID) and purchaseDate ("%Y-%m-%dT%H:%M:%SZ", UTC), which MVT uses as the install time.
MVT matches softwareVersionBundleId against both process and app-id indicators.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.records import AppId, Email, FileHash, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc
from tracehound.parsers.common.plist import load
from tracehound.parsers.ios.backup_info import INFO_PLIST


@dataclass(frozen=True, slots=True, kw_only=True)
class Application(Record):
    """One installed app; ``ts`` is its purchase (download) date from the store metadata."""

    TYPE = "ios.applications"
    MEANING = (
        "The backup's list of installed apps (Info.plist): the app was installed when the "
        "backup was made."
    )
    TS_DESC = "App purchased/installed"

    bundle_id: AppId
    process: ProcessName  # the bundle id again: MVT also matches it against process indicators
    store_bundle_id: str | None  # softwareVersionBundleId
    store_id_mismatch: AppId | None  # softwareVersionBundleId when it differs from bundle_id
    name: str | None
    display_name: str | None
    artist: str | None
    version: str | None
    bundle_version: str | None
    source_app: AppId | None
    apple_id: Email | None
    ds_person_id: str | None
    genre: str | None
    factory_install: bool | None
    sideloaded_vpp: bool | None
    release_date: datetime | None
    icon_sha256: FileHash | None
    has_metadata: bool
    installed: bool


def _date(value: Any, ctx: ParseContext, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    ctx.warn(f"{what} is not a date: {str(value)[:80]!r}")
    return None


def _str(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if isinstance(value, str):
        return value or None
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(meta: dict[str, Any], key: str) -> bool | None:
    value = meta.get(key)
    return bool(value) if isinstance(value, bool | int) else None


def _metadata(bundle_id: str, entry: Any, ctx: ParseContext) -> dict[str, Any] | None:
    raw = entry.get("iTunesMetadata") if isinstance(entry, dict) else None
    if raw is None:
        return None
    try:
        meta = load(raw) if isinstance(raw, bytes) else raw
    except InputError as exc:
        ctx.warn(f"iTunesMetadata of {bundle_id} is damaged: {exc}")
        return None
    if not isinstance(meta, dict):
        ctx.warn(f"iTunesMetadata of {bundle_id} is not a dictionary")
        return None
    return meta


def application_record(
    bundle_id: str, entry: Any, installed: bool, ctx: ParseContext
) -> Application:
    """An Application record from an iTunesMetadata entry (backups' Info.plist or a dump's
    iTunesMetadata.plist)."""
    meta = _metadata(bundle_id, entry, ctx)
    m = meta or {}
    download = m.get("com.apple.iTunesStore.downloadInfo")
    download = download if isinstance(download, dict) else {}
    account = download.get("accountInfo")
    account = account if isinstance(account, dict) else {}
    purchased = download.get("purchaseDate") or m.get("purchaseDate")
    icon = entry.get("PlaceholderIcon") if isinstance(entry, dict) else None
    store_id = _str(m, "softwareVersionBundleId")
    return Application(
        ts=_date(purchased, ctx, f"purchaseDate of {bundle_id}"),
        bundle_id=bundle_id,
        process=bundle_id,
        store_bundle_id=store_id,
        store_id_mismatch=store_id if store_id and store_id != bundle_id else None,
        name=_str(m, "itemName"),
        display_name=_str(m, "bundleDisplayName"),
        artist=_str(m, "artistName"),
        version=_str(m, "bundleShortVersionString"),
        bundle_version=_str(m, "bundleVersion"),
        source_app=_str(m, "sourceApp"),
        apple_id=_str(account, "AppleID") or _str(m, "appleId"),
        ds_person_id=_str(account, "DSPersonID"),
        genre=_str(m, "genre"),
        factory_install=_bool(m, "isFactoryInstall"),
        sideloaded_vpp=_bool(m, "sideLoadedDeviceBasedVPP"),
        release_date=_date(m.get("releaseDate"), ctx, f"releaseDate of {bundle_id}"),
        icon_sha256=hashlib.sha256(icon).hexdigest() if isinstance(icon, bytes) else None,
        has_metadata=meta is not None,
        installed=installed,
    )


@artifact(record=Application, reader=INFO_PLIST)
def parse(info: Any, ctx: ParseContext) -> Iterator[Application]:
    """Installed apps (backup Info.plist): store metadata, installer app, purchase date, icon."""
    if not isinstance(info, dict):
        raise SchemaMismatch(f"top level is {type(info).__name__}, not a dictionary")
    if "Applications" not in info and "Installed Applications" not in info:
        raise SchemaMismatch("missing key Applications, Installed Applications")
    apps = info.get("Applications") or {}
    if not isinstance(apps, dict):
        ctx.warn("'Applications' is not a dictionary")
        apps = {}
    listed = info.get("Installed Applications") or []
    if not isinstance(listed, list):
        ctx.warn("'Installed Applications' is not a list")
        listed = []
    installed = {app for app in listed if isinstance(app, str)}
    for bundle_id, entry in apps.items():
        if not isinstance(entry, dict):
            ctx.warn(f"Applications entry of {bundle_id} is not a dictionary")
        yield application_record(bundle_id, entry, bundle_id in installed, ctx)
    for bundle_id in sorted(installed - apps.keys()):
        yield application_record(bundle_id, None, True, ctx)
