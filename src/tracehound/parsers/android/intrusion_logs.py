"""Android 16 intrusion logs (Advanced Protection "Intrusion detection" logging): DNS lookups,
network connections and security events, one JSON object a line.

Facts: AOSP ``android.security.intrusiondetection.IntrusionDetectionEvent`` (system API, flag
``android.security.afl_api``) wraps one of three events, with the type constants
``SECURITY_EVENT = 0``, ``NETWORK_EVENT_DNS = 1``, ``NETWORK_EVENT_CONNECT = 2``; the framework's
``NetworkLogSource`` and ``SecurityLogSource`` (frameworks/base services/core
``security/intrusiondetection``) feed it ``android.app.admin.DnsEvent`` (``getHostname``,
``getInetAddresses``, ``getTotalResolvedAddressCount``), ``ConnectEvent`` (``getInetAddress``,
``getPort``), both ``NetworkEvent`` (``getPackageName``, ``getTimestamp`` in ms since 1970), and
``SecurityLog.SecurityEvent`` (``getTag``, ``getTimeNanos`` in ns since 1970, ``getData``,
``getLogLevel``). The tag numbers are AOSP ``SecurityLogTags.logtags`` (210001 adb shell ...).

Not established from public sources: the exact JSON shape of an exported log (the export is
written by Google Play services, whose format is not published) and androidqf's collector for it.
So this parser accepts the documented fields above under their AOSP getter names (``hostname``,
``inetAddresses``, ``inetAddress``, ``port``, ``packageName``, ``timestamp``, ``tag``,
``timeNanos``, ``data``, ``logLevel``), flat or nested under ``dnsEvent``/``connectEvent``/
``securityEvent``, with ``type`` as the AOSP number or name; anything else is a counted warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError
from tracehound.core.records import AppId, Domain, IPAddr, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix_ms, from_unix_ns
from tracehound.parsers.android._aqf import text_or_none

PATHS = ("androidqf:intrusion_logs/**", "intrusionlog:**")
_TYPES = {
    0: "security", 1: "dns", 2: "connect",
    "security_event": "security", "network_event_dns": "dns", "network_event_connect": "connect",
    "security": "security", "dns": "dns", "connect": "connect",
}  # fmt: skip
_NESTED = {"securityEvent": "security", "dnsEvent": "dns", "connectEvent": "connect"}
#: AOSP frameworks/base core/java/android/app/admin/SecurityLogTags.logtags (tag -> name).
TAGS = {
    210001: "adb_shell_interactive", 210002: "adb_shell_cmd", 210003: "sync_recv_file",
    210004: "sync_send_file", 210005: "app_process_start", 210006: "keyguard_dismissed",
    210007: "keyguard_dismiss_auth_attempt", 210008: "keyguard_secured", 210009: "os_startup",
    210010: "os_shutdown", 210011: "logging_started", 210012: "logging_stopped",
    210013: "media_mount", 210014: "media_unmount",
}  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class IntrusionEvent(Record):
    """One event of the intrusion log: a DNS lookup, a connection or a security event."""

    TYPE = "android.intrusion_logs"
    TS_DESC = "Intrusion log event"

    event: str  # "dns", "connect" or "security"
    domain: Domain | None  # DNS: the name looked up
    addresses: tuple[IPAddr, ...]  # DNS: resolved addresses; connect: the peer
    port: int | None
    app_id: AppId | None  # the app that made the lookup or connection
    tag: int | None  # security event tag (SecurityLogTags)
    tag_name: str | None
    data: tuple[str, ...]  # security event payload, as text
    log_level: int | None


def _kind(obj: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    for key, nested in _NESTED.items():
        inner = obj.get(key)
        if isinstance(inner, dict):
            return nested, {**obj, **inner}
    raw = obj.get("type")
    kind: str | None = (
        _TYPES.get(raw.lower() if isinstance(raw, str) else raw) if raw is not None else None
    )
    if kind is None and "hostname" in obj:
        kind = "dns"
    elif kind is None and "inetAddress" in obj:
        kind = "connect"
    elif kind is None and "tag" in obj:
        kind = "security"
    return kind, obj


def int_or_none(value: Any) -> int | None:
    """A JSON integer or a string of digits (Java longs are often written as text), else None."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(item) for item in items if item is not None and not isinstance(item, dict))


def _event(obj: dict[str, Any], row: int, ctx: ParseContext) -> IntrusionEvent | None:
    kind, obj = _kind(obj)
    if kind is None:
        ctx.warn(f"event type not understood: {str(obj.get('type'))[:40]!r}", row)
        return None
    ts: datetime | None
    if kind == "security":
        ts = ctx.time(from_unix_ns, int_or_none(obj.get("timeNanos")), row, "timeNanos")
        tag = int_or_none(obj.get("tag"))
        addresses: tuple[str, ...] = ()
    else:
        ts = ctx.time(from_unix_ms, int_or_none(obj.get("timestamp")), row, "timestamp")
        tag = None
        key = "inetAddresses" if kind == "dns" else "inetAddress"
        addresses = _texts(obj.get(key))
    if ts is None:
        ctx.warn(f"{kind} event without a time", row)
    return IntrusionEvent(
        ts=ts, row=row, event=kind,
        domain=text_or_none(obj.get("hostname")) if kind == "dns" else None,
        addresses=addresses,
        port=int_or_none(obj.get("port")) if kind == "connect" else None,
        app_id=text_or_none(obj.get("packageName")),
        tag=tag, tag_name=TAGS.get(tag) if tag is not None else None,
        data=_texts(obj.get("data")) if kind == "security" else (),
        log_level=int_or_none(obj.get("logLevel")) if kind == "security" else None,
    )  # fmt: skip


def looks_like_intrusion_log(head: bytes) -> bool:
    """True if the first line of ``head`` is a JSON object with intrusion-event fields."""
    line = head.lstrip().split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(obj, dict) and _kind(obj)[0] is not None


@artifact(record=IntrusionEvent, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[IntrusionEvent]:
    """DNS lookups, connections and security events of an Android 16 intrusion log."""
    lines = [(n, line) for n, line in enumerate(text.splitlines()) if line.strip()]
    if "\x00" in text[:4096] or (lines and not lines[0][1].lstrip().startswith("{")):
        raise InputError("not an intrusion log: not newline-delimited JSON objects")
    for row, line in lines:
        try:
            obj = json.loads(line)
        except ValueError as exc:
            ctx.warn(f"line is not JSON: {exc}", row)
            continue
        if not isinstance(obj, dict):
            ctx.warn("line is not a JSON object", row)
            continue
        event = _event(obj, row, ctx)
        if event is not None:
            yield event
