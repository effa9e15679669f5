from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import locationd_clients

T0 = datetime(2021, 7, 1, 10, 0, 0, tzinfo=UTC)
T1 = datetime(2021, 7, 1, 10, 5, 30, 500000, tzinfo=UTC)
T2 = datetime(2021, 7, 2, 0, 0, 0, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clients.plist"
    locationd_clients.write(
        path,
        {
            "com.apple.Maps:": {
                "BundleId": "com.apple.Maps",
                "BundlePath": "/Applications/Maps.app",
                "Executable": "/Applications/Maps.app/Maps",
                "Registered": "/Applications/Maps.app/Maps",
                "Authorization": 2,
                "ConsumptionPeriodBegin": T0,
                "LocationTimeStopped": T1,
                "ClientStorageToken": b"\x01\x02",
            },
            "com.apple.locationd.bundle-/System/Library/LocationBundles/Routine.bundle": {
                "BundlePath": "/System/Library/LocationBundles/Routine.bundle",
                "Registered": True,
                "Authorization": 4,
                "VisitTimeStopped": to_cocoa(T2),
                "BeaconRegionTimeStopped": T0,
            },
        },
        extra={"kMigrationVersion": 3},
    )
    records, ctx = parse("ios.locationd_clients", path)
    assert ctx.warnings == 0
    assert len(records) == 2
    maps, routine = records
    assert maps.key == "com.apple.Maps:" and maps.bundle_id == "com.apple.Maps"
    assert maps.process == "com.apple.Maps"
    assert maps.bundle_path == "/Applications/Maps.app"
    assert maps.executable == "/Applications/Maps.app/Maps" == maps.registered
    assert maps.authorization == 2
    assert maps.consumption_period_begin == T0 and maps.location_time_stopped == T1
    assert maps.ts == T1 and maps.visit_time_stopped is None
    assert routine.process == "Routine.bundle" and routine.bundle_id is None
    assert routine.registered is None and routine.executable is None
    assert routine.visit_time_stopped == T2 and routine.beacon_region_time_stopped == T0
    assert routine.ts == T2
    names = {name for name, _ in type(maps).EXTRA_TIMES}
    assert len(names) == 9 and "fence_time_stopped" in names


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clients.plist"
    root = {
        "com.example.app": {
            "BundleId": 42,
            "Authorization": "always",
            "LocationTimeStopped": "yesterday",
            "FenceTimeStopped": float("inf"),
            "SignificantTimeStopped": to_cocoa(T0),
        }
    }
    path.write_bytes(plistlib.dumps(root, fmt=plistlib.FMT_BINARY))
    records, ctx = parse("ios.locationd_clients", path)
    assert len(records) == 1
    rec = records[0]
    assert rec.bundle_id is None and rec.authorization is None and rec.process == "com.example.app"
    assert rec.location_time_stopped is None and rec.fence_time_stopped is None
    assert rec.ts == T0
    assert ctx.warnings == 4


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clients.plist"
    path.write_bytes(plistlib.dumps([{"BundleId": "x"}], fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        parse("ios.locationd_clients", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clients.plist"
    path.write_bytes(b"bplist00garbage-and-more-garbage")
    with pytest.raises(InputError):
        parse("ios.locationd_clients", path)
