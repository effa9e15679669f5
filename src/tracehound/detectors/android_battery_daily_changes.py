"""Package downgrades and uninstalls in the daily stats of ``dumpsys batterystats``.

Facts: MVT ``dumpsys_battery_daily.py`` flags an uninstall (``vers=0`` or an ``Uninstall`` line)
and a downgrade (a lower versionCode than seen before) among the daily package changes; the
parser (``parsers/android/dumpsys_battery_daily.py``) already classifies them. Why they matter
(ours): installing an older, vulnerable version of an app is a way to exploit it again, so a
downgrade is MEDIUM; an uninstall may be spyware removing itself, or ordinary use, so it is LOW.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_battery_daily import BatteryDailyChange


@detector
class BatteryDailyChanges(Detector):
    NAME = "android_battery_daily_changes"
    TYPES = (BatteryDailyChange.TYPE,)
    DESCRIPTION = "Battery daily stats: an app downgraded (MEDIUM) or uninstalled (LOW)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, BatteryDailyChange):
            return
        if record.action == "downgrade":
            severity = Severity.MEDIUM
            message = (
                f"{record.package} was downgraded from version {record.previous_version} to "
                f"{record.version_code}: an older version may be installed to exploit it"
            )
        elif record.action == "uninstall":
            severity = Severity.LOW
            message = f"{record.package} was uninstalled (spyware may remove itself)"
        else:
            return
        yield Finding(
            detector=self.NAME, severity=severity, message=message, ts=record.ts,
            record=record, prov=prov, value=record.package,
        )  # fmt: skip
