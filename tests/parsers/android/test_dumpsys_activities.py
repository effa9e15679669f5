from __future__ import annotations

from pathlib import Path

from tracehound.demo.android.dumpsys import packages_section, render_dumpstate, render_dumpsys

NAME = "android.dumpsys_activities"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = packages_section(
        [],
        activities={
            "android.intent.action.MAIN": ["com.spy.monitor/com.spy.monitor.Main",
                                           "com.android.settings/com.android.settings.Settings"],
            "android.settings.ACCESSIBILITY_SETTINGS": ["com.android.settings/.A11y"],
        },
        receivers={"android.intent.action.PHONE_STATE": ["com.spy.monitor/.CallRx"]},
    )  # fmt: skip
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"package": section})))
    assert ctx.warnings == 0
    got = [(r.intent, r.table, r.package, r.activity, r.ts) for r in records]
    assert got == [
        ("android.intent.action.MAIN", "Non-Data Actions", "com.spy.monitor",
         "com.spy.monitor/.Main", None),
        ("android.intent.action.MAIN", "Non-Data Actions", "com.android.settings",
         "com.android.settings/.Settings", None),
        ("android.settings.ACCESSIBILITY_SETTINGS", "Non-Data Actions", "com.android.settings",
         "com.android.settings/.A11y", None),
    ]  # fmt: skip


DUMPSTATE_BODY = """Activity Resolver Table:
  Full MIME Types:
      text/plain:
        3c1f2a0 org.example.notes/.ShareActivity filter 1f2e3d4

  Schemes:
      sms:
        9a8b7c6 com.spy.monitor/com.spy.monitor.SendActivity filter 4d5e6f7

  Non-Data Actions:
      android.intent.action.MAIN:
        5c3a2e1 com.spy.monitor/.Main filter 8b1a3c2
        0000001 not-a-component
        1234567 android/.Boot filter 1

Receiver Resolver Table:
  Non-Data Actions:
      android.intent.action.BOOT_COMPLETED:
        23fa699 com.spy.monitor/.Boot
"""


def test_dumpstate_layout_all_tables(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"package": DUMPSTATE_BODY}, {"ro.build.version.sdk": "33"})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt")
    got = [(r.table, r.intent, r.package) for r in records]
    assert got == [
        ("Full MIME Types", "text/plain", "org.example.notes"),
        ("Schemes", "sms", "com.spy.monitor"),
        ("Non-Data Actions", "android.intent.action.MAIN", "com.spy.monitor"),
    ]
    assert ctx.warnings == 2  # a line without a component, and "android" (no package name)


def test_absent_table(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"package": "Packages:\n"})))
    assert records == [] and ctx.warnings == 0
