"""iOS versions the phone ran, from the header of each analytics journal (Analytics-Journal-*.ips).

Facts: MVT's ``IOSVersionHistory`` module reads ``private/var/db/analyticsd/Analytics-Journal-
*.ips``: the first line is a JSON header with ``timestamp`` (``%Y-%m-%d %H:%M:%S.%f %z``, local
time with its UTC offset) and ``os_version`` (``iPhone OS 14.6 (18F72)``); analytics ``.ips``
files also carry ``bug_type`` 211 there. One record per file. The builds seen in the keychain
analytics databases are marked in ``ios.keychain_analytics`` (``first_of_build``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class IosVersionSeen(Record):
    """The OS version written in one analytics journal's header, at the journal's time."""

    TYPE = "ios.ios_version_history"
    TS_DESC = "Analytics journal started (OS version in use)"

    os_version: str | None  # as written, e.g. "iPhone OS 14.6 (18F72)"
    product: str | None
    version: str | None
    build: str | None
    bug_type: str | None


PATHS = ("/private/var/db/analyticsd/Analytics-Journal-*.ips",)
_VERSION = re.compile(r"(?P<product>.*?)\s*(?P<version>\d+(?:\.\d+)+)\s*\((?P<build>[^()\s]+)\)")
_FORMATS = ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z")


def from_ips_timestamp(value: Any) -> datetime | None:
    """An ``.ips`` header time (``2021-07-19 10:11:12.00 +0200``) as aware UTC."""
    if not isinstance(value, str):
        return None
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).astimezone(UTC)
        except ValueError:
            continue
    return None


def split_version(os_version: str) -> tuple[str | None, str | None, str | None]:
    """``iPhone OS 14.6 (18F72)`` -> (``iPhone OS``, ``14.6``, ``18F72``); Nones if no match."""
    match = _VERSION.fullmatch(os_version.strip())
    if match is None:
        return None, None, None
    return match["product"] or None, match["version"], match["build"]


def _header(text: str) -> dict[str, Any]:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first:
        raise InputError("empty file: no JSON header line")
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise InputError(f"first line is not JSON: {exc.msg}") from None
    if not isinstance(header, dict):
        raise SchemaMismatch(f"header is a JSON {type(header).__name__}, not an object")
    if "os_version" not in header and "timestamp" not in header:
        raise SchemaMismatch("header has neither os_version nor timestamp")
    return header


@artifact(record=IosVersionSeen, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[IosVersionSeen]:
    """The iOS version and build written in the header of each analytics journal."""
    header = _header(text)
    raw = ctx.text(header.get("os_version"), None, "os_version")
    product, version, build = split_version(raw) if raw else (None, None, None)
    if raw and build is None:
        ctx.warn(f"os_version has no version and build: {raw[:80]!r}")
    bug_type = header.get("bug_type")
    yield IosVersionSeen(
        ts=ctx.time(from_ips_timestamp, header.get("timestamp"), None, "timestamp"),
        os_version=raw,
        product=product,
        version=version,
        build=build,
        bug_type=str(bug_type) if isinstance(bug_type, str | int) else None,
    )
