from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    DailySpec,
    batterystats_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_battery_daily"
ROME = {"timezone": "Europe/Rome"}


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout_downgrade_and_uninstall(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = batterystats_section(
        [
            DailySpec(datetime(2024, 3, 2, 3), datetime(2024, 3, 3, 3),
                      updates=[("com.spy.monitor", 12), ("com.spy.monitor", 12)]),
            DailySpec(datetime(2024, 3, 3, 3), datetime(2024, 3, 4, 3),
                      updates=[("com.spy.monitor", 10), ("org.example.chat", 7)]),
            DailySpec(datetime(2024, 3, 4, 3), None, uninstalls=["com.spy.monitor"]),
        ]
    )  # fmt: skip
    # Past days are printed newest first, as Android does.
    assert section.index("Daily from 2024-03-03") < section.index("Daily from 2024-03-02")
    records, ctx = parse(
        NAME, write(tmp_path, render_dumpsys({"batterystats": section})), device=ROME
    )
    assert ctx.warnings == 0
    got = [(r.ts, r.period_end, r.action, r.package, r.version_code, r.previous_version,
            r.occurrences) for r in records]  # fmt: skip
    assert got == [
        (datetime(2024, 3, 2, 2, tzinfo=UTC), datetime(2024, 3, 3, 2, tzinfo=UTC), "update",
         "com.spy.monitor", 12, None, 2),
        (datetime(2024, 3, 3, 2, tzinfo=UTC), datetime(2024, 3, 4, 2, tzinfo=UTC), "downgrade",
         "com.spy.monitor", 10, 12, 1),
        (datetime(2024, 3, 3, 2, tzinfo=UTC), datetime(2024, 3, 4, 2, tzinfo=UTC), "update",
         "org.example.chat", 7, None, 1),
        (datetime(2024, 3, 4, 2, tzinfo=UTC), None, "uninstall", "com.spy.monitor", None, None,
         1),
    ]  # fmt: skip


DUMPSTATE_BODY = """Daily stats:
  Current start time: 2022-01-05-03-00-00
  Next min deadline: 2022-01-06-01-00-00
  Daily from 2022-01-04-03-00-00 to 2022-01-05-03-00-00:
    Discharge total time: 1d 2h 3m 0s 0ms  (from 42 steps)
    Package changes:
      Update com.example.app vers=0
      Update com.example.app vers=x
      Daily garbage
  Daily from 2022-01-0X-03-00-00 to 2022-01-04-03-00-00:
    Package changes:
      Update com.example.other vers=3
Update com.not.in.a.day vers=1
"""


def test_dumpstate_layout_and_broken_values(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"batterystats": DUMPSTATE_BODY}, {})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt", ROME)
    # version 0 is an uninstall (MVT); a day whose start is invalid keeps its changes, no time
    assert [(r.action, r.package, r.version_code, r.ts) for r in records] == [
        ("uninstall", "com.example.app", 0, datetime(2022, 1, 4, 2, tzinfo=UTC)),
        ("update", "com.example.other", 3, None),
    ]
    assert ctx.warnings == 3  # "vers=x", "Daily garbage", invalid day start


def test_section_without_daily_stats(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpsys({"batterystats": "Battery History (0% used):\n"})
    records, ctx = parse(NAME, write(tmp_path, data), device=ROME)
    assert records == [] and ctx.warnings == 1
