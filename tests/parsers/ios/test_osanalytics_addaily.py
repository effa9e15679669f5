from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import osanalytics_addaily

T0 = datetime(2021, 6, 30, 23, 59, 12, tzinfo=UTC)
T1 = datetime(2021, 7, 1, 4, 0, 0, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "com.apple.osanalytics.addaily.plist"
    osanalytics_addaily.write(
        path,
        {
            "com.apple.WebKit.Networking": (T0, 10_000, 2_000, 300, 40),
            "bh": (T1, 1.5, 2.5, 0, 0),
        },
        extra={"lastDailyRun": T1.replace(tzinfo=None)},
    )
    records, ctx = parse("ios.osanalytics_addaily", path)
    assert ctx.warnings == 0
    assert len(records) == 2
    web, bh = records
    assert web.process == "com.apple.WebKit.Networking" and web.ts == T0
    assert (web.wifi_in, web.wifi_out, web.wwan_in, web.wwan_out) == (10000.0, 2000.0, 300.0, 40.0)
    assert bh.process == "bh" and bh.ts == T1 and bh.wifi_in == 1.5 and bh.wwan_out == 0.0


def test_absent_baseline_is_valid_and_empty(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "com.apple.osanalytics.addaily.plist"
    osanalytics_addaily.write(path, None, extra={"someOtherKey": 1})
    records, ctx = parse("ios.osanalytics_addaily", path)
    assert records == [] and ctx.warnings == 0 and ctx.messages == []


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.plist"
    naive = T0.replace(tzinfo=None)
    baseline = {
        "ok": [naive, 1, 2, 3, 4],
        "nodate": ["2021-07-01", 1, "many", 3, 4],  # 2 warnings
        "short": [naive, 1, 2],  # 1 warning, missing numbers are None
        "notalist": {"a": 1},  # 1 warning, skipped
    }
    path.write_bytes(
        plistlib.dumps({"netUsageBaseline": baseline}, fmt=plistlib.FMT_BINARY, sort_keys=False)
    )
    records, ctx = parse("ios.osanalytics_addaily", path)
    assert [r.process for r in records] == ["ok", "nodate", "short"]
    assert records[1].ts is None and records[1].wifi_out is None and records[1].wwan_in == 3.0
    assert records[2].wifi_out == 2.0 and records[2].wwan_in is None
    assert ctx.warnings == 4


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.plist"
    path.write_bytes(plistlib.dumps({"netUsageBaseline": [1, 2]}, fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch, match="netUsageBaseline"):
        parse("ios.osanalytics_addaily", path)
    path.write_bytes(plistlib.dumps([1, 2], fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        parse("ios.osanalytics_addaily", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.plist"
    path.write_bytes(b"<?xml version='1.0'?><plist><dict><key>x</key>")
    with pytest.raises(InputError):
        parse("ios.osanalytics_addaily", path)
