"""Files listed by androidqf (files.json): path, size, mode, owner, SELinux label, times, hashes.

Facts: androidqf ``modules/files.go`` lists /sdcard, /system, /system_ext, /vendor, /cust,
/product, /apex, /data/local/tmp, /data/media/0, /data/misc/radio, /data/vendor/secradio,
/data/log, /tmp, / and /data/data with its collector (``android-collector/cmd/find.go``) or
``find``; each entry (``adb/collector.go`` ``FileInfo``) has ``path``, ``size``, ``mode`` (Go
``FileMode.String()`` such as ``-rwxr-xr-x``, or octal from ``find -printf %m``), ``user_id``,
``user_name``, ``group_id``, ``group_name``, ``changed_time``, ``modified_time``, ``access_time``
(Unix seconds from Go ``Time.Unix()``, or ``find %T@``), ``error``, ``context``, ``md5``,
``sha1``, ``sha256``, ``sha512`` and ``mime_type``. ``find -printf`` (``adb/files.go``) gives an
octal mode and user/group names but no ids; the plain ``find`` fallback fills only ``path``
(other fields keep Go's zero values, which are not kept here). The file is one JSON array or
JSON lines (MVT ``AQFFiles`` reads both). Unix seconds are absolute: MVT shifts them to device
local time only for display. A time written as text without an offset is device-local and is
converted with the device time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import DevicePath, FileHash, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix, localize
from tracehound.parsers.android._aqf import int_or_none, json_items, text_or_none


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceFile(Record):
    """One file of androidqf's listing; ``ts`` is its modification time."""

    TYPE = "android.files"
    TS_DESC = "File modified"
    EXTRA_TIMES = (("accessed", "File accessed"), ("changed", "File status changed (ctime)"))

    path: DevicePath
    size: int | None
    mode: str | None
    uid: int | None
    gid: int | None
    user: str | None
    group: str | None
    context: str | None  # SELinux label
    accessed: datetime | None
    changed: datetime | None
    md5: FileHash | None
    sha1: FileHash | None
    sha256: FileHash | None
    sha512: FileHash | None
    mime_type: str | None
    error: str | None


class _Times:
    """Converts the time fields, warning once when local times must be taken as UTC."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.zone = ctx.device.get("timezone")
        self.warned = False

    def __call__(self, value: Any, row: int, name: str) -> datetime | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.ctx.time(from_unix, value, row, name, unset=(0,))
        if value is None or value == "":
            return None
        if isinstance(value, str):
            text = value.strip()
            if text.replace(".", "", 1).isdigit():
                return self.ctx.time(from_unix, float(text), row, name, unset=(0,))
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                if parsed.tzinfo is None and not self.zone and not self.warned:
                    self.warned = True
                    self.ctx.warn("device time zone unknown: local file times taken as UTC")
                result = localize(parsed, self.zone)
                if result is not None:
                    return result
        self.ctx.warn(f"{name} is not a time: {str(value)[:80]!r}", row)
        return None


@artifact(record=DeviceFile, input="json", paths=("androidqf:files.json",))
def parse(data: Any, ctx: ParseContext) -> Iterator[DeviceFile]:
    """Files on the device (androidqf listing): path, mode, owner, SELinux label, times, hashes."""
    times = _Times(ctx)
    items = json_items(data, "files.json")
    found = 0
    for row, item in enumerate(items):
        path = text_or_none(item.get("path")) if isinstance(item, dict) else None
        if path is None:
            ctx.warn(f"file entry without a path: {str(item)[:80]!r}", row)
            continue
        found += 1
        mode = text_or_none(item.get("mode"))
        full = mode is not None  # the plain find fallback lists paths only
        # find -printf gives an octal mode and names, no ids
        ids = mode is not None and not mode.isdigit()
        yield DeviceFile(
            ts=times(item.get("modified_time"), row, "modified_time"),
            row=row,
            path=path,
            size=int_or_none(item.get("size")) if full else None,
            mode=mode,
            uid=int_or_none(item.get("user_id")) if ids else None,
            gid=int_or_none(item.get("group_id")) if ids else None,
            user=text_or_none(item.get("user_name")),
            group=text_or_none(item.get("group_name")),
            context=text_or_none(item.get("context")),
            accessed=times(item.get("access_time"), row, "access_time"),
            changed=times(item.get("changed_time"), row, "changed_time"),
            md5=text_or_none(item.get("md5")),
            sha1=text_or_none(item.get("sha1")),
            sha256=text_or_none(item.get("sha256")),
            sha512=text_or_none(item.get("sha512")),
            mime_type=text_or_none(item.get("mime_type")),
            error=text_or_none(item.get("error")),
        )
    if items and not found:
        raise SchemaMismatch("no entry of files.json has a 'path'")
