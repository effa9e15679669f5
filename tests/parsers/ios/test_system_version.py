"""ios.system_version: SystemVersion.plist of a dump or a sysdiagnose."""

from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import SchemaMismatch

GOOD = {
    "ProductBuildVersion": "18F72",
    "ProductCopyright": "1983-2021 Apple Inc.",
    "ProductName": "iPhone OS",
    "ProductVersion": "14.6",
}


def write(path: Path, value: object) -> Path:
    path.write_bytes(plistlib.dumps(value))
    return path


def test_good_dump_copy(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.system_version", write(tmp_path / "SystemVersion.plist", GOOD))
    assert ctx.warnings == 0 and len(records) == 1
    rec = records[0]
    assert (rec.product_name, rec.product_version, rec.build_version) == (
        "iPhone OS",
        "14.6",
        "18F72",
    )
    assert rec.ts is None and rec.acquired is None


def test_sysdiagnose_copy_takes_the_sysdiagnose_time(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(
        "ios.system_version",
        write(tmp_path / "SystemVersion.plist", GOOD),
        "sysdiagnose:logs/SystemVersion/SystemVersion.plist",
        {"sysdiagnose_time": "2021-07-20T10:00:00+02:00"},
    )
    assert ctx.warnings == 0
    assert records[0].acquired == datetime(2021, 7, 20, 8, 0, tzinfo=UTC)


def test_broken_values_are_warnings(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    bad = {"ProductName": "iPhone OS", "ProductVersion": 14, "ProductBuildVersion": "18F72"}
    records, ctx = parse(
        "ios.system_version",
        write(tmp_path / "SystemVersion.plist", bad),
        None,
        {"acquired": "yesterday"},
    )
    assert ctx.warnings == 2  # ProductVersion is not text; the acquisition time is not ISO
    assert records[0].product_version is None and records[0].build_version == "18F72"
    assert records[0].acquired is None


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch):
        parse("ios.system_version", write(tmp_path / "a.plist", ["14.6"]))
    with pytest.raises(SchemaMismatch):
        parse("ios.system_version", write(tmp_path / "b.plist", {"Other": 1}))


def test_backup_info_plist_gives_the_version_and_the_backup_date(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    from tracehound.demo.ios import backup_info

    path = tmp_path / "Info.plist"
    backup_info.write(
        path, [], device_name="Alex's iPhone", product_type="iPhone14,5",
        product_version="17.1.2", build_version="21B101",
        last_backup=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )  # fmt: skip
    records, ctx = parse("ios.system_version", path, "backup:Info.plist")
    assert ctx.warnings == 0 and len(records) == 1
    rec = records[0]
    assert (rec.product_version, rec.build_version) == ("17.1.2", "21B101")
    assert rec.acquired == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert "Alex" not in repr(rec)  # identifiers stay in ios.backup_info
    assert rec.where("backup:Info.plist") == "the backup's Info.plist"
    assert rec.where("/System/Library/CoreServices/SystemVersion.plist") == "SystemVersion.plist"
    with pytest.raises(SchemaMismatch):
        parse("ios.system_version", write(tmp_path / "c.plist", GOOD), "backup:Info.plist")
