from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.android_battery_daily_changes import BatteryDailyChanges
from tracehound.parsers.android.dumpsys_battery_daily import BatteryDailyChange

PROV = Provenance(source="bugreport", path="bugreport:dumpstate.txt", sha256=None,
                  parser="android.dumpsys_battery_daily", parser_version="1")  # fmt: skip
T = datetime(2026, 2, 1, tzinfo=UTC)


def change(action: str, version: int | None, previous: int | None = None) -> BatteryDailyChange:
    return BatteryDailyChange(
        ts=T, period_end=None, action=action, package="com.example.app",
        version_code=version, previous_version=previous, occurrences=1,
    )  # fmt: skip


def test_downgrade_medium_uninstall_low_update_quiet() -> None:
    det = BatteryDailyChanges()
    records = [change("update", 20), change("downgrade", 10, 20), change("uninstall", None)]
    findings = [f for r in records for f in det.feed(r, PROV)]
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.MEDIUM, "com.example.app"), (Severity.LOW, "com.example.app")]  # fmt: skip
    assert "from version 20 to 10" in findings[0].message and findings[0].ts == T
