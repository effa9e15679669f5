"""com.apple.osanalytics.addaily.plist: daily per-process network usage baseline.

Facts: MVT's ``OSAnalyticsADDaily`` module and Kaspersky's triangle_check (issue #11: the key is
absent when analytics sharing is off). A binary preferences plist whose ``netUsageBaseline`` maps
a process name to ``[date (NSDate), wifi_in, wifi_out, wwan_in, wwan_out]``.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write(
    path: Path,
    baseline: Mapping[str, Sequence[Any]] | None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write the plist; ``baseline`` maps process -> (aware datetime, wifi_in, wifi_out, wwan_in,
    wwan_out). ``None`` omits ``netUsageBaseline`` (analytics sharing off)."""
    root: dict[str, Any] = dict(extra or {})
    if baseline is not None:
        root["netUsageBaseline"] = {
            name: [_naive(v) if isinstance(v, datetime) else v for v in values]
            for name, values in baseline.items()
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(root, fmt=plistlib.FMT_BINARY, sort_keys=False))


def _naive(value: datetime) -> datetime:
    """plistlib writes naive datetimes as UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
