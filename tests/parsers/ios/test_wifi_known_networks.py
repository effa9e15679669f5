from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_wifi_known_networks
from tracehound.core.errors import SchemaMismatch

ADDED = datetime(2021, 5, 30, 17, 4, 12, tzinfo=UTC)
JOINED = datetime(2021, 7, 19, 7, 58, 40, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_wifi_known_networks(tmp_path / "com.apple.wifi.known-networks.plist")
    records, ctx = parse("ios.wifi_known_networks", path)
    assert ctx.warnings == 0
    got = [(r.event, r.ssid, r.bssid, r.channel, r.security, r.ts, r.row) for r in records]
    assert got == [
        ("added", "Cafe Guest", None, None, None, datetime(2021, 6, 2, 17, 4, 12, tzinfo=UTC), 1),
        ("added", "DemoHome", None, None, "16", ADDED, 2),
        ("joined_by_user", "DemoHome", None, None, "16", JOINED, 2),
        ("associated", "DemoHome", "a4:2b:b0:11:22:33", 36, "16", JOINED, 2),
    ]
    assert {r.file_format for r in records} == {"known-networks"}


def test_old_wifi_plist_from_a_dump(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "com.apple.wifi.plist"
    when = datetime(2019, 3, 1, 12, 0, 0)
    networks = [
        {
            "SSID_STR": "Office",
            "BSSID": "0:11:22:33:44:55",
            "lastJoined": when,
            "SecurityMode": "WPA2 Personal",
        },
        {"SSID_STR": "Open"},
        {"BSSID": "no ssid"},
        "junk",
    ]
    path.write_bytes(plistlib.dumps({"List of known networks": networks}))
    device = "/private/var/preferences/SystemConfiguration/com.apple.wifi.plist"
    records, ctx = parse("ios.wifi_known_networks", path, device)
    assert [(r.event, r.ssid, r.bssid, r.security, r.ts) for r in records] == [
        ("joined", "Office", "0:11:22:33:44:55", "WPA2 Personal", when.replace(tzinfo=UTC)),
        ("known", "Open", None, None, None),
    ]
    assert ctx.warnings == 2 and records[0].file_format == "wifi.plist"


def test_damaged_entries_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "k.plist"
    data = {
        "wifi.network.ssid.A": {
            "SSID": b"A",
            "AddedAt": "yesterday",
            "BSSList": ["x", {"BSSID": 7}],
        },
        "wifi.network.ssid.B": "not a dict",
    }
    path.write_bytes(plistlib.dumps(data))
    records, ctx = parse("ios.wifi_known_networks", path)
    assert [(r.event, r.ssid, r.ts, r.bssid) for r in records] == [
        ("added", "A", None, None),
        ("associated", "A", None, None),
    ]
    assert ctx.warnings == 4  # bad time, bad BSS entry, BSSID not text, network not a dict


def test_not_a_known_networks_plist(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "k.plist"
    path.write_bytes(plistlib.dumps({"Other": 1}))
    with pytest.raises(SchemaMismatch, match=r"wifi\.network"):
        parse("ios.wifi_known_networks", path)
    path.write_bytes(plistlib.dumps([1, 2]))
    with pytest.raises(SchemaMismatch, match="not a dictionary"):
        parse("ios.wifi_known_networks", path)
