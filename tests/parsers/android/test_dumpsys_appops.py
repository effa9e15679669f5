from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    AppOpSpec,
    appops_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_appops"
ROME = {"timezone": "Europe/Rome"}


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_android13_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = appops_section(
        [
            AppOpSpec(
                "com.spy.monitor",
                "u0a234",
                "REQUEST_INSTALL_PACKAGES",
                accesses=[datetime(2024, 3, 1, 10, 0, 0, 123000)],
                rejects=[datetime(2024, 3, 2, 11, 30, 0)],
            ),
            AppOpSpec("com.android.shell", "2000", "READ_CLIPBOARD", mode="ignore"),
        ],
        now=datetime(2024, 3, 5, 14, 30),
    )
    assert "        null=[\n          Access: [top-s] 2024-03-01 10:00:00.123 (" in section
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"appops": section})), device=ROME)
    assert ctx.warnings == 0
    got = [(r.package, r.uid, r.op, r.mode, r.access, r.uid_state, r.ts) for r in records]
    assert got == [
        ("com.spy.monitor", "u0a234", "REQUEST_INSTALL_PACKAGES", "allow", "Access", "top-s",
         datetime(2024, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)),
        ("com.spy.monitor", "u0a234", "REQUEST_INSTALL_PACKAGES", "allow", "Reject", "top-s",
         datetime(2024, 3, 2, 10, 30, tzinfo=UTC)),
        ("com.android.shell", "2000", "READ_CLIPBOARD", "ignore", None, None, None),
    ]  # fmt: skip
    assert records[0].relative == "-4d4h29m59s877ms"
    assert records[0].attribution is None and records[0].proxy is None


# Android 10 (Samsung) layout of MVT's fixtures: uid modes, no space after "Reject: [..]".
ANDROID10 = """Current AppOps Service state:
  Op mode watchers:
    Op COARSE_LOCATION:
      #0: ModeCallback{b8f1a14 watchinguid=-1 flags=0x1 from uid=1000 pid=4098}

  Uid u0a103:
    state=cch
      COARSE_LOCATION: mode=ignore
    Package com.example.social:
      READ_CONTACTS (allow):
          Access: [bg-tpd] 2022-03-07 18:05:34.325 (-22d4h22m19s762ms)
      WRITE_SMS (ignore):
          Reject: [fg-s]2021-05-19 22:02:52.054 (-314d1h25m2s33ms)
      WAKE_LOCK (allow):
          Access: [bg-s] 2022-03-29 23:03:03.763 (-24m50s324ms) duration=+33ms
  Uid u0a104:
    state=cch
    Package org.example.browser:
      REQUEST_INSTALL_PACKAGES (allow):
"""


def test_dumpstate_android10_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"appops": ANDROID10}, {})
    device = {"timezone": "Asia/Kolkata"}
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt", device)
    assert ctx.warnings == 0
    got = [(r.package, r.op, r.mode, r.access, r.ts, r.duration) for r in records]
    assert got == [
        ("com.example.social", "READ_CONTACTS", "allow", "Access",
         datetime(2022, 3, 7, 12, 35, 34, 325000, tzinfo=UTC), None),
        ("com.example.social", "WRITE_SMS", "ignore", "Reject",
         datetime(2021, 5, 19, 16, 32, 52, 54000, tzinfo=UTC), None),
        ("com.example.social", "WAKE_LOCK", "allow", "Access",
         datetime(2022, 3, 29, 17, 33, 3, 763000, tzinfo=UTC), "+33ms"),
        ("org.example.browser", "REQUEST_INSTALL_PACKAGES", "allow", None, None, None),
    ]  # fmt: skip
    assert records[1].uid_state == "fg-s" and records[1].relative == "-314d1h25m2s33ms"


VARIANTS = """AppOps Uid Op State
  Uid u0a200:
    state=top
    Package com.example.maps:
      MONITOR_LOCATION (allow / switch COARSE_LOCATION=allow):
        null=[
          Access: [top-s] 2024-01-10 08:00:00.000 (-1d0h0m0s0ms) duration=+27s670ms
          Running start at: +27s669ms
        ]
        navTag=[
          Access: [fg-tpd] 2024-01-10 09:00:00.000 (-23h) {PROXY}
        ]
  Uid u0a50:
    Package org.example.legacy:
      READ_SMS: mode=allow; time=+1h2m3s4ms ago; duration=+5ms
""".replace("{PROXY}", "proxy[uid=10070, pkg=com.android.providers.contacts, attributionTag=null]")


def test_attribution_proxy_and_android8(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"appops": VARIANTS})), device=ROME)
    assert ctx.warnings == 0
    first, tagged, old = records
    assert first.mode == "allow" and first.attribution is None and first.duration == "+27s670ms"
    assert first.ts == datetime(2024, 1, 10, 7, 0, tzinfo=UTC)
    assert tagged.attribution == "navTag" and tagged.proxy == "com.android.providers.contacts"
    assert tagged.uid_state == "fg-tpd"
    assert (old.package, old.op, old.mode, old.access) == ("org.example.legacy", "READ_SMS",
                                                           "allow", None)  # fmt: skip
    assert old.ts is None and old.relative == "+1h2m3s4ms ago"


def test_broken_entries_are_warned(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = (
        "  Uid 1000:\n          Access: [top-s] 2024-01-01 00:00:00.000 (-1s)\n"
        "    Package android:\n      WAKE_LOCK (allow):\n"
        "          Access: [top-s] 2024-99-01 00:00:00.000 (-1s)\n"
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"appops": body})), device=ROME)
    assert ctx.warnings == 2  # entry outside a package/op, invalid date
    assert [(r.op, r.access, r.ts) for r in records] == [("WAKE_LOCK", "Access", None)]
    garbled = render_dumpsys({"appops": "Error: can't dump appops\n"})
    records, ctx = parse(NAME, write(tmp_path, garbled), device=ROME)
    assert records == [] and ctx.warnings == 1
