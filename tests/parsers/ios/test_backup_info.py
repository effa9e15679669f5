from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import backup_info
from tracehound.demo.ios.backup_info import App


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    backup_info.write(
        path,
        [App("com.example.notes"), App("net.whatsapp.WhatsApp", installed=False)],
        device_name="Alex's iPhone",
        product_type="iPhone14,5",
        product_version="17.1.2",
        build_version="21B101",
        last_backup=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert path.read_bytes().startswith(b"<?xml")
    records, ctx = parse("ios.backup_info", path)
    assert ctx.warnings == 0
    assert len(records) == 1
    info = records[0]
    assert info.ts == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert info.device_name == "Alex's iPhone" and info.display_name == "Alex's iPhone"
    assert (info.product_type, info.product_version, info.build_version) == (
        "iPhone14,5",
        "17.1.2",
        "21B101",
    )
    assert info.serial_number == "F2LDEMO0001" and info.imei == "350000000000001"
    assert info.phone_number == "+1 555 0100" and info.target_type == "Device"
    assert info.unique_identifier == "00008101-000A1B2C3D4E001E"
    assert info.itunes_version == "12.12.9.4" and info.imei2 is None
    assert info.installed_applications == ("com.example.notes",)


def test_older_backup_without_optional_keys(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """An old iTunes Info.plist: binary, no Applications, no Last Backup Date, no IMEI."""
    path = tmp_path / "Info.plist"
    info = {"Product Version": "9.3.5", "Product Type": "iPhone6,1", "Device Name": "Old"}
    path.write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
    records, ctx = parse("ios.backup_info", path)
    assert ctx.warnings == 0
    assert records[0].ts is None and records[0].product_version == "9.3.5"
    assert records[0].imei is None and records[0].installed_applications == ()


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    backup_info.write(
        path,
        extra={
            "Last Backup Date": "yesterday",
            "Device Name": {"nested": True},
            "Installed Applications": ["com.ok.app", 42],
            "IMEI": 350000000000002,
        },
    )
    records, ctx = parse("ios.backup_info", path)
    assert len(records) == 1
    assert records[0].ts is None and records[0].device_name is None
    assert records[0].installed_applications == ("com.ok.app",)
    assert records[0].imei == "350000000000002"
    assert ctx.warnings == 3


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    path.write_bytes(plistlib.dumps({"CFBundleIdentifier": "com.example"}))
    with pytest.raises(SchemaMismatch, match="no device keys"):
        parse("ios.backup_info", path)
    path.write_bytes(plistlib.dumps(["a"]))
    with pytest.raises(SchemaMismatch):
        parse("ios.backup_info", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Info.plist"
    path.write_bytes(b"<?xml version='1.0'?><plist><dict><key>a</key>")
    with pytest.raises(InputError):
        parse("ios.backup_info", path)
