"""The demo phone's exported Android 16 intrusion log (newline-delimited JSON).

Fields as ``parsers/android/intrusion_logs.py`` reads them (AOSP ``IntrusionDetectionEvent``:
type 0 security, 1 DNS, 2 connect). The infected phone looks up the campaign domain of the SMS
link, shows three failed unlock attempts and an ``adb shell`` command; the clean one only
ordinary lookups and a successful unlock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

BENIGN_DOMAINS = ("www.google.com", "connectivitycheck.gstatic.com", "time.android.com")
START = datetime(2024, 4, 29, 14, 0, tzinfo=UTC)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _security(tag: int, at: datetime, data: list[Any]) -> dict[str, Any]:
    return {"type": 0, "tag": tag, "timeNanos": _ms(at) * 1_000_000, "data": data, "logLevel": 1}


def events(infected: bool, campaign_domain: str, sms_at: datetime) -> list[dict[str, Any]]:
    """The log's events, oldest first."""
    out: list[dict[str, Any]] = [
        {"type": 1, "hostname": name, "inetAddresses": [f"192.0.2.{i + 10}"],
         "totalResolvedAddressCount": 1, "packageName": "com.android.chrome",
         "timestamp": _ms(START + timedelta(minutes=i))}
        for i, name in enumerate(BENIGN_DOMAINS)
    ]  # fmt: skip
    out.append(_security(210007, START + timedelta(minutes=10), [1, 1]))
    if infected:
        clicked = sms_at + timedelta(seconds=20)
        out.append({"type": 1, "hostname": campaign_domain, "inetAddresses": ["198.51.100.80"],
                    "totalResolvedAddressCount": 1, "packageName": "com.android.chrome",
                    "timestamp": _ms(clicked)})  # fmt: skip
        out += [_security(210007, START + timedelta(minutes=30 + i), [0, 1]) for i in range(3)]
        out.append(_security(210002, START + timedelta(minutes=40), ["pm list packages -3"]))
    return sorted(out, key=lambda e: e.get("timestamp") or e["timeNanos"] // 1_000_000)


def render(infected: bool, campaign_domain: str, sms_at: datetime) -> bytes:
    """The log as newline-delimited JSON."""
    return b"".join(
        json.dumps(e).encode() + b"\n" for e in events(infected, campaign_domain, sms_at)
    )
