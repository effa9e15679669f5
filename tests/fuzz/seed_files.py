"""Seed files for the artifacts the demo phones lack, built with the demo writers the parser
tests use (the same real formats: Apple's and Android's schemas and layouts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.fuzz import seeds_sysdiagnose
from tracehound.core.files import FileEntry
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.android import dumpsys as dd
from tracehound.demo.android import files as aqf_files
from tracehound.demo.android import mounts, root_binaries, tombstones
from tracehound.demo.ios import (
    cache_files,
    configuration_profiles,
    firefox_history,
    ios_version_history,
    keychain_analytics,
    netusage,
    profile_events,
)

T0 = datetime(2022, 9, 12, 17, 0, 0, tzinfo=UTC)


def _cache_db(path: Path) -> None:
    cache_files.write(
        path,
        [
            {"request_key": "https://carrier.example.net/c.plist", "time_stamp": T0},
            {"request_key": "https://x.example/a?b=c", "time_stamp": "2021-07-01 00:00:01"},
        ],
    )


def _profile(path: Path) -> None:
    profile = configuration_profiles.Profile(
        uuid="7A1C2E3F-1111-4B2C-9D8E-0123456789AB",
        identifier="com.example.mdm.profile",
        payloads=("com.apple.wifi.managed", {"PayloadType": "com.apple.notificationsettings"}),
        removal_disallowed=True,
        signer_certs=(b"\x30\x82cert-one",),
    )
    configuration_profiles.write(path, profile)


def _journal(path: Path) -> None:
    ios_version_history.write(path, T0, "iPhone OS 14.6 (18F72)", 120, [{"name": "x"}])


def _keychain(path: Path) -> None:
    ev = keychain_analytics.event
    keychain_analytics.write(
        path,
        [
            ev("soft_failures", T0, "CKKSEventProcessIncomingQueue", errorCode=3),
            ev("hard_failures", T0, "CKKSEventFetchChanges", attributes={"client": "bh"}),
            ev("notes", T0, "SOSCKKSStatus"),
        ],
    )


def _netusage(path: Path) -> None:
    when = to_cocoa(T0)
    netusage.write(
        path,
        processes=[
            {"Z_PK": 1, "ZPROCNAME": "nehelper", "ZFIRSTTIMESTAMP": when, "ZTIMESTAMP": when},
            {"Z_PK": 2, "ZPROCNAME": "BackupAgent/com.apple.backupd", "ZTIMESTAMP": when + 60},
        ],
        usage=[
            {"Z_PK": 5, "ZHASPROCESS": 1, "ZTIMESTAMP": when + 45, "ZWIFIIN": 2048.0},
            {"Z_PK": 6, "ZHASPROCESS": 4, "ZTIMESTAMP": when + 90, "ZWWANOUT": 4.0},
        ],
    )


def _profile_events(path: Path) -> None:
    event = profile_events.ProfileEvent
    profile_events.write(
        path,
        [event("com.example.wifi", T0, "install"), event("com.example.vpn", None, "remove", None)],
    )


def _firefox(path: Path) -> None:
    us0 = int(T0.timestamp() * 1_000_000)
    firefox_history.write(
        path,
        history=[
            {"id": 1, "url": "https://www.example.com/", "title": "Example"},
            {"id": 2, "url": "http://short.example/x", "title": ""},
        ],
        visits=[
            {"id": 1, "siteID": 1, "date": us0, "type": firefox_history.TYPED},
            {"id": 2, "siteID": 2, "date": us0 + 2_000_000, "type": firefox_history.LINK},
        ],
        favicons=[{"id": 1, "url": "https://www.example.com/favicon.ico", "date": T0.timestamp()}],
        favicon_sites=[{"siteID": 1, "faviconID": 1}, {"siteID": 2, "faviconID": 1}],
    )


_LOCAL = datetime(2024, 3, 5, 12, 0, 0)  # device-local times, as dumpsys prints them
_SPY = "com.spy.monitor"


def _sections() -> dict[str, str]:
    """One of every dumpsys section a parser reads, as the demo phone's builders print them."""
    sms = "android.provider.Telephony.SMS_RECEIVED"
    history = [dd.HistoryEvent(timedelta(seconds=47), "+job", "u0a94", f"{_SPY}/.Upload")]
    daily = [dd.DailySpec(_LOCAL - timedelta(days=1), _LOCAL, updates=[(_SPY, 12)])]
    return {
        "accessibility": dd.accessibility_section([f"{_SPY}/{_SPY}.AccService"]),
        "package": dd.packages_section(
            [dd.PackageSpec(_SPY, 10311, installer=None)],
            activities={sms: [f"{_SPY}/.Main"]},
            receivers={sms: [f"{_SPY}/{_SPY}.SmsRx"]},
        ),
        "appops": dd.appops_section(
            [dd.AppOpSpec(_SPY, "u0a234", "READ_SMS", accesses=[_LOCAL])], now=_LOCAL
        ),
        "batterystats": dd.batterystats_section(daily, history, reset_time=_LOCAL),
        "dbinfo": dd.dbinfo_section(
            [dd.DbOpSpec(5748, _SPY, f"/data/user/0/{_SPY}/databases/x.db", _LOCAL)]
        ),
        "platform_compat": dd.platform_compat_section([_SPY], ["org.example.chat"]),
        "adb": dd.adb_section([dd.AdbKeySpec(dd.adb_key(1), "alice@laptop", 1709649000123)]),
    }


def _dumpsys(path: Path) -> None:
    path.write_bytes(dd.render_dumpsys(_sections()))


def _dumpstate(path: Path) -> None:
    path.write_bytes(dd.render_dumpstate(_sections(), {"ro.build.version.sdk": "33"}))


def _bytes(data: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data)

    return write


_CRASH: dict[str, Any] = {
    "when": T0,
    "command_line": ["/system/bin/surfaceflinger", "--start"],
    "pid": 612,
    "tid": 640,
    "uid": 1000,
    "thread_name": "RenderEngine",
    "other_threads": [(613, "binder:612_1")],
}
_FILES = aqf_files.render(
    [
        aqf_files.file_entry("/system/bin/vold", modified=T0, mode="-rwxr-xr-x"),
        aqf_files.file_entry("/data/local/tmp/x", modified=T0, content=b"\x7fELF", uid=2000),
    ]
)
_APP = "/private/var/mobile/Containers/Data/Application/0A1B-2C3D"
_SVS = f"{_APP}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData"

_DUMPSYS = tuple(
    (f"android.dumpsys_{name}", path, build)
    for name in (
        "accessibility",
        "activities",
        "adb",
        "appops",
        "battery_daily",
        "battery_history",
        "dbinfo",
        "packages",
        "platform_compat",
        "receivers",
    )
    for path, build in (
        ("androidqf:dumpsys.txt", _dumpsys),
        ("bugreport:dumpstate.txt", _dumpstate),
    )
)
_FIREFOX = "/private/var/mobile/Containers/Shared/AppGroup/0A1B/profile.profile/browser.db"

#: (artifact, device path, builder) of file seeds the demo phones do not provide.
EXTRA: tuple[tuple[str, str, Callable[[Path], None]], ...] = (
    *_DUMPSYS,
    ("ios.sysdiagnose_ps", "sysdiagnose:ps.txt", seeds_sysdiagnose.seed_sysdiagnose_ps),
    (
        "ios.sysdiagnose_ps_thread",
        "sysdiagnose:ps_thread.txt",
        seeds_sysdiagnose.seed_sysdiagnose_ps_thread,
    ),
    (
        "ios.crash_reports",
        "sysdiagnose:crashes_and_spins/mptbd-2026-03-01-100000.ips",
        seeds_sysdiagnose.seed_crash_reports,
    ),
    (
        "ios.mobile_installation",
        "sysdiagnose:logs/MobileInstallation/mobile_installation.log.0",
        seeds_sysdiagnose.seed_mobile_installation,
    ),
    (
        "ios.wifi_known_networks",
        "sysdiagnose:WiFi/com.apple.wifi.known-networks.plist",
        seeds_sysdiagnose.seed_wifi_known_networks,
    ),
    (
        "ios.managed_settings",
        "sysdiagnose:logs/MCState/User/EffectiveUserSettings.plist",
        seeds_sysdiagnose.seed_managed_settings,
    ),
    (
        "ios.sysdiagnose_text",
        "sysdiagnose:logs/Networking/nsurlsessiond.log",
        seeds_sysdiagnose.seed_sysdiagnose_text,
    ),
    ("ios.firefox_history", _FIREFOX, _firefox),
    ("ios.firefox_favicon", _FIREFOX, _firefox),
    ("ios.cache_files", f"{_APP}/Library/Caches/com.example/Cache.db", _cache_db),
    (
        "ios.configuration_profiles",
        "/private/var/mobile/Library/ConfigurationProfiles/profile-0a1b.stub",
        _profile,
    ),
    ("ios.ios_version_history", "/private/var/db/analyticsd/Analytics-Journal-1.ips", _journal),
    ("ios.keychain_analytics", "/private/var/Keychains/Analytics/ckks_analytics.db", _keychain),
    ("ios.netusage", "/private/var/networkd/db/netusage.sqlite", _netusage),
    (
        "ios.profile_events",
        "/private/var/mobile/Library/ConfigurationProfiles/MCProfileEvents.plist",
        _profile_events,
    ),
    ("android.files", "androidqf:files.json", _bytes(_FILES)),
    ("android.mounts", "androidqf:mounts.json", _bytes(mounts.render([*mounts.STOCK]))),
    (
        "android.mounts",
        "bugreport:FS/proc/1/mountinfo",
        _bytes(mounts.render_mountinfo([*mounts.MOUNTINFO_STOCK, mounts.MOUNTINFO_SYSTEM_RW])),
    ),
    (
        "android.root_binaries",
        "androidqf:root_binaries.json",
        _bytes(root_binaries.render(["/system/bin/su\n/system/xbin/su", "/data/adb/magisk"])),
    ),
    (
        "android.tombstones",
        "bugreport:FS/data/tombstones/tombstone_03.pb",
        _bytes(tombstones.render_proto(**_CRASH)),
    ),
)

#: File listings for the listing artifacts the demo phones do not provide.
EXTRA_LISTINGS: dict[str, tuple[FileEntry, ...]] = {
    "android.aqf_log_files": (
        FileEntry("androidqf:logs", is_dir=True),
        FileEntry("androidqf:logs/data/anr/anr_2024-03-10-14-31-05-001", False, 5120, T0),
        FileEntry("androidqf:logs/proc/last_kmsg", False, 0, T0),
    ),
    "ios.webkit_localstorage": (
        FileEntry(f"{_APP}/Library/WebKit/WebsiteData/LocalStorage/StorageTracker.db", False, 1),
        FileEntry(
            f"{_APP}/Library/WebKit/WebsiteData/LocalStorage/https_www.example.com_0.localstorage",
            False,
            8192,
            T0,
        ),
    ),
    "ios.webkit_safariviewservice": (
        FileEntry(_SVS, True, None, T0),
        FileEntry(f"{_SVS}/https_urlpush.net_0", True, None, T0),
        FileEntry(f"{_SVS}/LocalStorage/https_news.example_0.localstorage", False, 8192, T0),
        FileEntry(f"{_SVS}/IndexedDB/v1/https_news.example_0/https_ads.example_0", True, None),
    ),
}
