"""Daily per-process network usage baseline from com.apple.osanalytics.addaily.plist.

Facts: MVT's ``OSAnalyticsADDaily`` module (added in Sep 2021). ``netUsageBaseline`` maps a
process name to ``[date, wifi_in, wifi_out, wwan_in, wwan_out]``; the date is an NSDate. When the
user does not share analytics the key is absent (Kaspersky triangle_check issue #11): the file is
then valid and holds no usage, so nothing is yielded and nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc


@dataclass(frozen=True, slots=True, kw_only=True)
class OsAnalyticsNetUsage(Record):
    """One process of the daily network usage baseline."""

    TYPE = "ios.osanalytics_addaily"
    MEANING = (
        "The daily network-usage baseline of iOS analytics: a process name here means a program"
        " of that name ran and used the network."
    )
    TS_DESC = "Network usage baseline"

    process: ProcessName
    wifi_in: float | None
    wifi_out: float | None
    wwan_in: float | None
    wwan_out: float | None


PATHS = ("/private/var/mobile/Library/Preferences/com.apple.osanalytics.addaily.plist",)


def _record(name: str, values: Any, ctx: ParseContext) -> OsAnalyticsNetUsage | None:
    if not isinstance(values, list) or not values:
        ctx.warn(f"usage of {name!r:.60} is not a list: {values!r:.60}")
        return None
    when = values[0]
    if not isinstance(when, datetime):
        ctx.warn(f"date of {name!r:.60} is not a date: {when!r:.60}")
    if len(values) < 5:
        ctx.warn(f"usage of {name!r:.60} has {len(values)} values, not 5")
    nums = [*values[1:5], None, None, None, None][:4]
    fields = ("wifi_in", "wifi_out", "wwan_in", "wwan_out")
    wi, wo, mi, mo = (
        ctx.number(v, None, f"{f} of {name!r:.60}") for v, f in zip(nums, fields, strict=True)
    )
    return OsAnalyticsNetUsage(
        ts=as_utc(when) if isinstance(when, datetime) else None,
        process=name,
        wifi_in=wi,
        wifi_out=wo,
        wwan_in=mi,
        wwan_out=mo,
    )


@artifact(record=OsAnalyticsNetUsage, input="plist", paths=PATHS)
def parse(root: Any, ctx: ParseContext) -> Iterator[OsAnalyticsNetUsage]:
    """Per-process Wi-Fi and cellular traffic of the OS analytics daily baseline."""
    if not isinstance(root, dict):
        raise SchemaMismatch(f"top level is {type(root).__name__}, not a dictionary")
    baseline = root.get("netUsageBaseline")
    if baseline is None:
        return  # analytics sharing is off: a valid file without usage
    if not isinstance(baseline, dict):
        raise SchemaMismatch(f"netUsageBaseline is {type(baseline).__name__}, not a dictionary")
    for name, values in baseline.items():
        if not isinstance(name, str) or not name:
            ctx.warn(f"process name is not text: {name!r:.60}")
            continue
        record = _record(name, values, ctx)
        if record is not None:
            yield record
