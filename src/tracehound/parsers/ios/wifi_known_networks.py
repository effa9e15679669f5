"""Wi-Fi networks the phone knows: SSID, BSSIDs, security, when added and joined.

Facts: plaso's ``ios_wifi_known_networks`` plist plugin and the EC-DIGIT-CSIRC sysdiagnose
``wifi_known_networks`` parser (``WiFi/com.apple.wifi.known-networks.plist``): iOS 14 and
later keep one dictionary per network, keyed ``wifi.network.ssid.<SSID>``, with ``SSID``
(bytes), the dates ``AddedAt``, ``JoinedByUserAt``, ``JoinedBySystemAt``, ``UpdatedAt``, and
``BSSList`` (``BSSID``, ``Channel``, ``LastAssociatedAt``); ``SupportedSecurityTypes`` is kept
as written when present. Older iOS wrote ``com.apple.wifi.plist`` (EC-DIGIT-CSIRC
``wifinetworks`` reads ``WiFi/*.plist``; SpyPhone and iLEAPP read its ``List of known
networks``: ``SSID_STR``, ``BSSID``, ``lastJoined``, ``lastAutoJoined``, ``SecurityMode``).
A full file-system dump holds the same files under ``/private/var/preferences/``. Plist dates
are UTC. One record per network and time (added, joined...), so each lands on the timeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class WifiNetwork(Record):
    """One time of one known network (``event`` says which; ``ts`` None: no time known)."""

    TYPE = "ios.wifi_known_networks"
    TS_DESC = "Wi-Fi network added, joined, updated or last associated"

    event: str  # added, joined_by_user, joined_by_system, updated, associated, joined, ...
    ssid: str
    bssid: str | None
    channel: int | None
    security: str | None
    file_format: str  # known-networks (iOS 14+) or wifi.plist (older)


PATHS = (
    "sysdiagnose:WiFi/com.apple.wifi.known-networks.plist",
    "sysdiagnose:WiFi/com.apple.wifi.plist",
    "/private/var/preferences/com.apple.wifi.known-networks.plist",
    "/private/var/preferences/SystemConfiguration/com.apple.wifi.plist",
)
_TIMES = (
    ("AddedAt", "added"),
    ("JoinedByUserAt", "joined_by_user"),
    ("JoinedBySystemAt", "joined_by_system"),
    ("UpdatedAt", "updated"),
)
_OLD_TIMES = (("lastJoined", "joined"), ("lastAutoJoined", "auto_joined"))
OLD_LIST = "List of known networks"


def _no_time(value: Any) -> datetime | None:
    """Times in these plists are plist dates; anything else is not a time."""
    return None


def _ssid(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _security(value: Any) -> str | None:
    if value is None or isinstance(value, dict):
        return None
    return str(value)[:200]


def _times(
    net: dict[str, Any], pairs: tuple[tuple[str, str], ...], ctx: ParseContext, row: int
) -> Iterator[tuple[str, datetime | None]]:
    for key, event in pairs:
        if key in net:
            yield event, ctx.time(_no_time, net[key], row, key)


def _known(key: str, net: Any, row: int, ctx: ParseContext) -> Iterator[WifiNetwork]:
    if not isinstance(net, dict):
        ctx.warn(f"network {key[:80]!r} is not a dictionary", row)
        return
    ssid = _ssid(net.get("SSID")) or key.removeprefix("wifi.network.ssid.")
    base = WifiNetwork(
        ts=None,
        row=row,
        event="known",
        ssid=ssid,
        bssid=None,
        channel=None,
        security=_security(net.get("SupportedSecurityTypes")),
        file_format="known-networks",
    )
    times = list(_times(net, _TIMES, ctx, row))
    bss_list = net.get("BSSList", [])
    if not times and not bss_list:
        yield base  # a network without any time is still a known network
    for event, ts in times:
        yield replace(base, ts=ts, event=event)
    for bss in bss_list if isinstance(bss_list, list) else []:
        if not isinstance(bss, dict):
            ctx.warn(f"network {ssid[:80]!r}: a BSSList entry is not a dictionary", row)
            continue
        channel = bss.get("Channel")
        yield replace(
            base,
            ts=ctx.time(_no_time, bss.get("LastAssociatedAt"), row, "LastAssociatedAt"),
            event="associated",
            bssid=ctx.text(bss.get("BSSID"), row, "BSSID"),
            channel=channel if isinstance(channel, int) and not isinstance(channel, bool) else None,
        )


def _old(net: Any, row: int, ctx: ParseContext) -> Iterator[WifiNetwork]:
    ssid = _ssid(net.get("SSID_STR")) if isinstance(net, dict) else None
    if not isinstance(net, dict) or ssid is None:
        ctx.warn("known network without SSID_STR", row)
        return
    base = WifiNetwork(
        ts=None,
        row=row,
        event="known",
        ssid=ssid,
        bssid=ctx.text(net.get("BSSID"), row, "BSSID"),
        channel=None,
        security=_security(net.get("SecurityMode")),
        file_format="wifi.plist",
    )
    events = list(_times(net, _OLD_TIMES, ctx, row))
    if not events:
        yield base
    for event, ts in events:
        yield replace(base, ts=ts, event=event)


@artifact(record=WifiNetwork, input="plist", paths=PATHS)
def parse(data: Any, ctx: ParseContext) -> Iterator[WifiNetwork]:
    """Known Wi-Fi networks: SSID, BSSID, security; added, joined and associated times."""
    if not isinstance(data, dict):
        raise SchemaMismatch(f"top level is {type(data).__name__}, not a dictionary")
    if OLD_LIST in data:
        networks = data[OLD_LIST]
        if not isinstance(networks, list):
            raise SchemaMismatch(f"{OLD_LIST!r} is not a list")
        for row, net in enumerate(networks, 1):
            yield from _old(net, row, ctx)
        return
    known = [(k, v) for k, v in data.items() if str(k).startswith("wifi.network.")]
    if data and not known:
        raise SchemaMismatch(f"neither {OLD_LIST!r} nor wifi.network.* keys")
    for row, (key, net) in enumerate(known, 1):
        yield from _known(str(key), net, row, ctx)
