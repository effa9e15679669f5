"""Valid seed inputs, in their real format, for the Android 16 intrusion log.

Each function writes one file under ``folder`` and returns its path. The fuzz harness seeds
``android.intrusion_logs`` from the androidqf demo phone; the parser and source tests use these.
"""

from __future__ import annotations

import json
from pathlib import Path

#: 2026-03-01 10:00:00 UTC in ms and ns since 1970.
T_MS = 1_772_359_200_000
T_NS = T_MS * 1_000_000

INTRUSION_EVENTS: list[dict[str, object]] = [
    {"type": 1, "hostname": "updates.example-cdn.net", "inetAddresses": ["203.0.113.7"],
     "totalResolvedAddressCount": 1, "packageName": "com.example.reader", "timestamp": T_MS},
    {"type": 2, "inetAddress": "198.51.100.23", "port": 443,
     "packageName": "com.example.reader", "timestamp": T_MS + 1_000},
    {"type": 0, "tag": 210007, "timeNanos": T_NS + 60_000_000_000, "data": [0, 1],
     "logLevel": 1},
    {"type": 0, "tag": 210002, "timeNanos": T_NS + 120_000_000_000, "data": "pm list packages",
     "logLevel": 1},
]  # fmt: skip


def render_intrusion_log(events: list[dict[str, object]]) -> bytes:
    """Newline-delimited JSON, one event an object."""
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


def intrusion_log(folder: Path) -> Path:
    """An exported Android 16 intrusion log (DNS, connect and security events)."""
    path = folder / "intrusion_log.jsonl"
    path.write_bytes(render_intrusion_log(INTRUSION_EVENTS))
    return path
