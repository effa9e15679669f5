"""The iOS version and build the phone ran, from SystemVersion.plist or a backup's Info.plist.

Facts: iOS keeps ``/System/Library/CoreServices/SystemVersion.plist`` on the system volume, a
plist with ``ProductName`` ("iPhone OS"), ``ProductVersion`` ("14.6") and
``ProductBuildVersion`` ("18F72") (iLEAPP ``deviceInfo``/``lastBuild`` reads these keys; plaso
and MVT's ``check-fs`` take the version from the same file). A sysdiagnose copies it to
``logs/SystemVersion/SystemVersion.plist`` (EC-DIGIT-CSIRC sysdiagnose ``sys.py``). A backup's
``Info.plist`` has the same facts as "Product Name", "Product Version", "Build Version" and its
"Last Backup Date" (MVT ``BackupInfo``; iLEAPP ``iTunesBackupInfo``). One record per file, with
only these fields: ``ios.backup_info`` keeps the identifiers (IMEI, phone number...), which a
detection about the version must not pull into a redacted report. ``acquired`` is the last
backup date, or the sysdiagnose's time from the device facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc

PATHS = (
    "/System/Library/CoreServices/SystemVersion.plist",
    "sysdiagnose:logs/SystemVersion/SystemVersion.plist",
    "backup:Info.plist",
)
KEYS = ("ProductName", "ProductVersion", "ProductBuildVersion")
INFO_KEYS = ("Product Name", "Product Version", "Build Version")


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemVersion(Record):
    """The OS name, version and build written on the phone's system volume."""

    TYPE = "ios.system_version"
    TS_DESC = "No time (version at acquisition)"

    def where(self, path: str) -> str:
        """The file the version was read from, in words."""
        return "the backup's Info.plist" if path == "backup:Info.plist" else "SystemVersion.plist"

    product_name: str | None  # "iPhone OS"
    product_version: str | None  # "14.6"
    build_version: str | None  # "18F72"
    acquired: datetime | None  # when the acquisition was made, if the device facts say


def _acquired(plist: dict[str, Any], ctx: ParseContext) -> datetime | None:
    last = plist.get("Last Backup Date")
    if isinstance(last, datetime):
        return as_utc(last)
    value = ctx.device.get("sysdiagnose_time") or ctx.device.get("acquired")
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        ctx.warn(f"acquisition time in the device facts is not ISO 8601: {value[:80]!r}")
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


@artifact(record=SystemVersion, input="plist", paths=PATHS)
def parse(plist: Any, ctx: ParseContext) -> Iterator[SystemVersion]:
    """iOS version and build from SystemVersion.plist (system volume or sysdiagnose copy) or
    from a backup's Info.plist."""
    if not isinstance(plist, dict):
        raise SchemaMismatch(f"top level is {type(plist).__name__}, not a dictionary")
    keys = INFO_KEYS if ctx.path == "backup:Info.plist" else KEYS
    if not any(key in plist for key in keys):
        raise SchemaMismatch(f"none of {', '.join(keys)}")
    name, version, build = (ctx.text(plist.get(key), None, key) for key in keys)
    yield SystemVersion(
        ts=None,
        product_name=name,
        product_version=version,
        build_version=build,
        acquired=_acquired(plist, ctx),
    )
