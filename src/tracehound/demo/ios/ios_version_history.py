"""Analytics journals of analyticsd: ``/private/var/db/analyticsd/Analytics-Journal-*.ips``.

Facts: MVT's ``IOSVersionHistory`` module (first line: JSON header with ``timestamp`` in
``%Y-%m-%d %H:%M:%S.%f %z`` and ``os_version``) and public descriptions of the format (one JSON
object per line: the header with ``bug_type`` "211", a ``{"_marker": "<metadata>", ...}`` line,
then one line per event with ``name`` and ``message``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any


def header_time(when: datetime, utc_offset_minutes: int = 0) -> str:
    """``when`` as the header writes it: local time with two fraction digits and the offset."""
    local = when.astimezone(timezone(timedelta(minutes=utc_offset_minutes)))
    return (
        local.strftime("%Y-%m-%d %H:%M:%S.")
        + f"{local.microsecond // 10000:02d}"
        + (local.strftime(" %z"))
    )


def write(
    path: Path,
    when: datetime,
    os_version: str,
    utc_offset_minutes: int = 0,
    events: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write one journal; ``os_version`` as Apple writes it, e.g. ``iPhone OS 14.6 (18F72)``."""
    header = {
        "bug_type": "211",
        "timestamp": header_time(when, utc_offset_minutes),
        "os_version": os_version,
        "incident_id": "00000000-0000-4000-8000-000000000211",
    }
    lines = [header, {"_marker": "<metadata>", "startTimestamp": header["timestamp"]}]
    lines += [dict(e) for e in events]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
