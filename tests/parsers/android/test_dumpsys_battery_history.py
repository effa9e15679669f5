from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    HistoryEvent,
    batterystats_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_battery_history"
ROME = {"timezone": "Europe/Rome"}


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = batterystats_section(
        history=[
            HistoryEvent(timedelta(seconds=47, milliseconds=645), "+job", "u0a94",
                         "com.spy.monitor/.sync.UploadJob"),
            HistoryEvent(timedelta(hours=1, minutes=26, seconds=18, milliseconds=315), "+top",
                         "u0a280", "org.example.chat"),
            HistoryEvent(timedelta(days=2, hours=23), "+wake_lock", "u0a94",
                         "*walarm*:com.spy.monitor/.Beacon"),
            HistoryEvent(timedelta(days=3), "+wake_lock", "1000", "NlpWakeLock"),
        ],
        reset_time=datetime(2022, 1, 4, 17, 30, 1),
    )  # fmt: skip
    assert "            +47s645ms (2) 099 +job=u0a94:" in section
    data = render_dumpsys({"batterystats": section})
    records, ctx = parse(NAME, write(tmp_path, data), device=ROME)
    assert ctx.warnings == 0
    got = [(r.time_elapsed, r.event, r.uid, r.package, r.tag, r.ts) for r in records]
    assert got == [
        ("+47s645ms", "+job", "u0a94", "com.spy.monitor", "com.spy.monitor/.sync.UploadJob",
         datetime(2022, 1, 4, 16, 30, 48, 645000, tzinfo=UTC)),
        ("+1h26m18s315ms", "+top", "u0a280", "org.example.chat", "org.example.chat",
         datetime(2022, 1, 4, 17, 56, 19, 315000, tzinfo=UTC)),
        ("+2d23h0m0s0ms", "+wake_lock", "u0a94", "com.spy.monitor",
         "*walarm*:com.spy.monitor/.Beacon", datetime(2022, 1, 7, 15, 30, 1, tzinfo=UTC)),
    ]  # fmt: skip


# A TIME mark later in the history (clock change) and a package install event.
DUMPSTATE_BODY = """Battery History (1% used, 40KB used of 4096KB, 12 strings using 900):
                    0 (19) RESET:TIME: 2024-06-01-08-00-00
                    0 (2) 100 status=discharging +running top=u0a44:"com.android.launcher3"
              +1m0s0ms (2) 099 pkginst=412:"com.spy.monitor"
           +10m0s0ms (19) TIME: 2024-06-01-09-00-00
           +10m5s0ms (2) 098 -job=u0a234:"com.spy.monitor/.Sync" +proc=u0a234:"com.spy.monitor"

Per-PID Stats:
  PID 1000 wake time: +1s
"""


def test_dumpstate_layout_clock_change(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"batterystats": DUMPSTATE_BODY}, {})
    device = {"timezone": "UTC"}
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt", device)
    assert ctx.warnings == 0
    got = [(r.event, r.uid, r.package, r.ts) for r in records]
    assert got == [
        ("top", "u0a44", "com.android.launcher3", datetime(2024, 6, 1, 8, 0, tzinfo=UTC)),
        ("pkginst", "412", "com.spy.monitor", datetime(2024, 6, 1, 8, 1, tzinfo=UTC)),
        ("-job", "u0a234", "com.spy.monitor", datetime(2024, 6, 1, 9, 0, 5, tzinfo=UTC)),
        ("+proc", "u0a234", "com.spy.monitor", datetime(2024, 6, 1, 9, 0, 5, tzinfo=UTC)),
    ]


def test_absolute_times_and_garbled(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = (
        "Battery History (0% used):\n"
        "  06-01 08:00:00.000 (19) RESET:TIME: 2024-06-01-08-00-00\n"
        '  06-01 08:05:00.250 (2) 100 +job=u0a10:"org.example.app/.J"\n'
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"batterystats": body})), device=ROME)
    assert ctx.warnings == 0
    assert [(r.time_elapsed, r.ts) for r in records] == [
        ("06-01 08:05:00.250", datetime(2024, 6, 1, 6, 5, 0, 250000, tzinfo=UTC))
    ]
    garbled = render_dumpsys({"batterystats": "Battery History (x):\n???\n!!!\n"})
    records, ctx = parse(NAME, write(tmp_path, garbled), device=ROME)
    assert records == [] and ctx.warnings == 1
    missing = render_dumpsys({"batterystats": "Daily stats:\n"})
    records, ctx = parse(NAME, write(tmp_path, missing), device=ROME)
    assert records == [] and ctx.warnings == 1
