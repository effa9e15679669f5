from __future__ import annotations

from pathlib import Path

from tracehound.demo.android.dumpsys import accessibility_section, render_dumpstate, render_dumpsys

NAME = "android.dumpsys_accessibility"
SPY = "com.spy.monitor/com.spy.monitor.service.AccService"
TALKBACK = "com.google.android.marvin.talkback/com.android.switchaccess.SwitchAccessService"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_current_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = accessibility_section([SPY], [TALKBACK, SPY])
    assert "      1 : com.spy.monitor/.service.AccService\n" in text  # short form when installed
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"accessibility": text})))
    assert ctx.warnings == 0
    by_service = {r.service: r for r in records}
    assert set(by_service) == {SPY, TALKBACK}
    spy = by_service[SPY]
    assert spy.package == "com.spy.monitor" and spy.enabled and spy.installed and spy.user == 0
    assert spy.ts is None
    talkback = by_service[TALKBACK]
    assert talkback.package == "com.google.android.marvin.talkback"
    assert not talkback.enabled and talkback.installed


def test_dumpstate_samsung_layout_two_users(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    # Older Samsung layout (as in MVT's androidqf fixture): block lists, header printed twice.
    body = (
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\n"
        "User state[attributes:{id=0, currentUser=true\n  mIsBixbyRunning = false\n  }\n"
        "  installed services: {\n  installed services: {\n"
        "    0 : com.samsung.accessibility/.universalswitch.UniversalSwitchService  (A11yTool)\n"
        "    1 : com.spy.monitor/.service.AccService\n  }\n"
        "  enabled services: {\n    0 : com.spy.monitor/.service.AccService\n  }\n"
        "  bound services:{\n  }]\n"
        "User state[attributes:{id=10, currentUser=false\n  }\n"
        "  installed services: {\n  }\n"
        "  enabled services: {\n    0 : com.other.app/com.other.app.Helper\n  }\n"
    )
    data = render_dumpstate({"accessibility": body}, {"ro.build.version.sdk": "29"})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt")
    assert ctx.warnings == 0
    got = sorted((r.user, r.service, r.enabled, r.installed) for r in records)
    assert got == [
        (
            0,
            "com.samsung.accessibility/com.samsung.accessibility.universalswitch."
            "UniversalSwitchService",
            False,
            True,
        ),
        (0, SPY, True, True),
        (10, "com.other.app/com.other.app.Helper", True, False),
    ]


def test_legacy_builder_round_trip(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = accessibility_section([SPY], legacy=True)
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"accessibility": text})))
    assert ctx.warnings == 0
    assert [(r.service, r.enabled) for r in records] == [(SPY, True)]


def test_broken_section_is_warned(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    garbled = render_dumpsys({"accessibility": "\x00\x01 Permission Denial: can't dump\n"})
    records, ctx = parse(NAME, write(tmp_path, garbled))
    assert records == [] and ctx.warnings == 1
    bad_line = (
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\nUser state[\n"
        "     attributes:{id=0}\n     installed services: {\n      ??? what\n     }\n"
        "     Enabled services:{{not a component}, {com.ok.app/.Svc}}\n"
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"accessibility": bad_line})))
    assert [r.service for r in records] == ["com.ok.app/com.ok.app.Svc"]
    assert ctx.warnings == 2


def test_absent_section_yields_nothing(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"appops": "x\n"})))
    assert records == [] and ctx.warnings == 0
