"""Device and backup facts from the backup's Info.plist (model, iOS version, identifiers).

Facts: MVT ``BackupInfo`` (the keys it extracts) and iLEAPP ``iTunesBackupInfo``: Info.plist at the
backup root is an XML plist written by iTunes/Finder with "Device Name", "Display Name", "Product
Name", "Product Type" (e.g. iPhone13,2), "Product Version" (iOS version), "Build Version", "Serial
Number", "IMEI", "IMEI 2", "MEID", "ICCID", "Phone Number", "GUID", "Unique Identifier", "Target
Identifier", "Target Type", "iTunes Version", "Installed Applications" (bundle ids) and "Last
Backup Date" (a plist date, UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import Reader, artifact
from tracehound.core.timeutil import as_utc

#: A backup's Info.plist, decoded once for the device facts and the installed apps (it holds each
#: app's iTunesMetadata and icon, so it can be large).
INFO_PLIST = Reader(
    name="ios.backup_info_plist",
    input="plist",
    paths=("backup:Info.plist",),
    description="the backup's Info.plist, decoded once for device facts and installed apps",
)

#: Record field -> Info.plist key.
FIELDS = {
    "device_name": "Device Name",
    "display_name": "Display Name",
    "product_name": "Product Name",
    "product_type": "Product Type",
    "product_version": "Product Version",
    "build_version": "Build Version",
    "serial_number": "Serial Number",
    "imei": "IMEI",
    "imei2": "IMEI 2",
    "meid": "MEID",
    "iccid": "ICCID",
    "phone_number": "Phone Number",
    "guid": "GUID",
    "unique_identifier": "Unique Identifier",
    "target_identifier": "Target Identifier",
    "target_type": "Target Type",
    "itunes_version": "iTunes Version",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupInfo(Record):
    """The backed-up device and the backup itself; ``ts`` is the last backup date."""

    TYPE = "ios.backup_info"
    MEANING = "Facts about the backed-up device (model, iOS version, backup date)."
    TS_DESC = "Last backup"

    device_name: str | None
    display_name: str | None
    product_name: str | None
    product_type: str | None
    product_version: str | None
    build_version: str | None
    serial_number: str | None
    imei: str | None
    imei2: str | None
    meid: str | None
    iccid: str | None
    phone_number: str | None
    guid: str | None
    unique_identifier: str | None
    target_identifier: str | None
    target_type: str | None
    itunes_version: str | None
    installed_applications: tuple[str, ...]  # bundle ids; ios.applications has one record each


def _text(info: dict[str, Any], key: str, ctx: ParseContext) -> str | None:
    value = info.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    ctx.warn(f"{key!r} is not text: {type(value).__name__}")
    return None


def _apps(info: dict[str, Any], ctx: ParseContext) -> tuple[str, ...]:
    value = info.get("Installed Applications")
    if value is None:
        return ()
    if not isinstance(value, list):
        ctx.warn("'Installed Applications' is not a list")
        return ()
    bad = sum(1 for v in value if not isinstance(v, str))
    if bad:
        ctx.warn(f"{bad} entries of 'Installed Applications' are not text")
    return tuple(v for v in value if isinstance(v, str))


@artifact(record=BackupInfo, reader=INFO_PLIST)
def parse(info: Any, ctx: ParseContext) -> Iterator[BackupInfo]:
    """Backed-up device: name, model, iOS version and build, serial, IMEI, last backup date."""
    if not isinstance(info, dict):
        raise SchemaMismatch(f"top level is {type(info).__name__}, not a dictionary")
    if not any(key in info for key in FIELDS.values()):
        raise SchemaMismatch("no device keys (Product Version, Device Name...)")
    last = info.get("Last Backup Date")
    if last is not None and not isinstance(last, datetime):
        ctx.warn(f"'Last Backup Date' is not a date: {str(last)[:80]!r}")
        last = None
    texts: dict[str, Any] = {name: _text(info, key, ctx) for name, key in FIELDS.items()}
    yield BackupInfo(ts=as_utc(last), installed_applications=_apps(info, ctx), **texts)
