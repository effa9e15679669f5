from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    PackageSpec,
    packages_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_packages"
ROME = {"timezone": "Europe/Rome"}
SPY = PackageSpec(
    "com.spy.monitor",
    10234,
    version_code=42,
    version_name="4.2-beta",
    installer=None,
    timestamp=datetime(2024, 2, 20, 23, 5, 10),
    first_install=datetime(2024, 2, 20, 23, 5, 11),
    last_update=datetime(2024, 2, 21, 8, 0, 0),
    target_sdk=28,
    install_granted=["android.permission.INTERNET", "android.permission.RECEIVE_BOOT_COMPLETED"],
    runtime_granted=["android.permission.READ_SMS", "android.permission.RECORD_AUDIO"],
    runtime_denied=["android.permission.CAMERA"],
)
SETTINGS = PackageSpec("com.android.settings", 1000, installer=None, system=True)
PLAY = PackageSpec("org.example.chat", 10150, version_code=7, installer="com.android.vending")


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpsys({"package": packages_section([SPY, SETTINGS, PLAY])})
    records, ctx = parse(NAME, write(tmp_path, data), device=ROME)
    assert ctx.warnings == 0
    assert [r.package for r in records] == ["com.spy.monitor", "com.android.settings",
                                            "org.example.chat"]  # fmt: skip
    spy, settings, play = records
    assert spy.uid == 10234 and spy.version_code == 42 and spy.version_name == "4.2-beta"
    assert spy.target_sdk == 28 and spy.installer is None and not spy.system
    assert spy.ts == datetime(2024, 2, 20, 22, 5, 10, tzinfo=UTC)  # CET = UTC+1
    assert spy.first_install == datetime(2024, 2, 20, 22, 5, 11, tzinfo=UTC)
    assert spy.last_update == datetime(2024, 2, 21, 7, 0, tzinfo=UTC)
    assert spy.code_path is not None and spy.code_path.startswith("/data/app/~~")
    assert spy.install_permissions == (
        "android.permission.INTERNET",
        "android.permission.RECEIVE_BOOT_COMPLETED",
    )
    assert spy.runtime_permissions == ("android.permission.READ_SMS",
                                       "android.permission.RECORD_AUDIO")  # fmt: skip
    assert spy.denied_permissions == ("android.permission.CAMERA",)
    assert len(spy.requested_permissions) == 5
    assert settings.system and settings.uid == 1000 and settings.installer is None
    assert play.installer == "com.android.vending" and play.requested_permissions == ()
    assert play.first_install == datetime(2023, 11, 2, 9, 15, tzinfo=UTC)


# Android 10 layout, as in MVT's bugreport fixture: package-level firstInstallTime, declared
# permissions, runtime permissions under "User 0:" with flags.
ANDROID10 = """Packages:
  Package [com.example.legacy] (c716d35):
    userId=10164
    pkg=Package{a61df24 com.example.legacy}
    codePath=/data/app/com.example.legacy-0mrt4tCf3oHIUTc_FFSStA==
    versionCode=364105349 minSdk=21 targetSdk=31
    versionName=241.1.0.18.114
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    timeStamp=2022-06-29 23:28:46
    firstInstallTime=2020-06-12 00:41:34
    lastUpdateTime=2022-06-29 23:28:51
    installerPackageName=com.android.vending
    signatures=PackageSignatures{7812a8d version:2, signatures:[43c4b509], past signatures:[]}
    declared permissions:
      com.example.legacy.permission.SYSTEM_ONLY: prot=signature|privileged, INSTALLED
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=-4294835341 installed=true hidden=false suspended=false stopped=false
      gids=[3002, 3003, 3001]
      runtime permissions:
        android.permission.ACCESS_FINE_LOCATION: granted=false, flags=[ USER_SET]
        android.permission.CAMERA: granted=true, flags=[ USER_SENSITIVE_WHEN_GRANTED]
      disabledComponents:
        com.example.legacy.direct.ShareActivity
  Package [android] (1b2c3d4):
    userId=1000
    versionCode=33 minSdk=33 targetSdk=33
    flags=[ SYSTEM HAS_CODE PERSISTENT ]
    timeStamp=2008-12-31 16:00:00
    firstInstallTime=2008-12-31 16:00:00
    lastUpdateTime=2008-12-31 16:00:00

Hidden system packages:
  Package [com.example.hidden] (abcdef0):
    userId=10001
"""


def test_dumpstate_android10_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"package": ANDROID10}, {"ro.build.version.sdk": "29"})
    device = {"timezone": "America/Los_Angeles"}
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt", device)
    assert ctx.warnings == 0
    assert [r.package for r in records] == ["com.example.legacy", "android"]
    legacy, framework = records
    assert legacy.first_install == datetime(2020, 6, 12, 7, 41, 34, tzinfo=UTC)  # PDT = UTC-7
    assert legacy.ts == datetime(2022, 6, 30, 6, 28, 46, tzinfo=UTC)
    assert legacy.install_permissions == ("android.permission.INTERNET",)
    assert legacy.runtime_permissions == ("android.permission.CAMERA",)
    assert legacy.denied_permissions == ("android.permission.ACCESS_FINE_LOCATION",)
    assert legacy.requested_permissions == ()
    assert legacy.version_code == 364105349 and legacy.target_sdk == 31
    assert framework.system and framework.ts == datetime(2009, 1, 1, tzinfo=UTC)


def test_legacy_builder_and_unknown_zone(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    spec = PackageSpec("org.example.old", 10100, legacy=True, timestamp=datetime(2021, 1, 2, 3, 4))
    records, ctx = parse(
        NAME, write(tmp_path, render_dumpsys({"package": packages_section([spec])}))
    )
    assert ctx.warnings == 1 and "time zone unknown" in ctx.messages[0]
    assert records[0].first_install == datetime(2021, 1, 2, 3, 4, tzinfo=UTC)


def test_broken_values_are_warned(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = (
        "Packages:\n  Package [org.example.bad] (1):\n    userId=ten\n"
        "    versionCode=x minSdk=1 targetSdk=2\n    timeStamp=2024-13-45 99:00:00\n"
        "  Package [broken header\n    userId=5\n"
        "  Package [org.example.ok] (2):\n    userId=10001\n"
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"package": body})), device=ROME)
    assert [r.package for r in records] == ["org.example.bad", "org.example.ok"]
    bad = records[0]
    assert bad.uid is None and bad.version_code is None and bad.ts is None
    assert bad.target_sdk == 2
    assert ctx.warnings == 4  # uid, versionCode, timeStamp, header


def test_garbled_section(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpsys({"package": "Permission Denial: can't dump ActivityManager\n"})
    records, ctx = parse(NAME, write(tmp_path, data), device=ROME)
    assert records == [] and ctx.warnings == 1
