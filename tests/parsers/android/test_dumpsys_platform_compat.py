from __future__ import annotations

from pathlib import Path

from tracehound.demo.android.dumpsys import (
    platform_compat_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_platform_compat"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = platform_compat_section(
        ["com.spy.monitor", "org.example.browser"], ["org.example.browser", "org.example.chat"]
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"platform_compat": section})))
    assert ctx.warnings == 0
    got = [(r.package, r.uninstalled, r.changes, r.ts) for r in records]
    assert got == [
        ("com.spy.monitor", True, ("DOWNSCALED",), None),
        ("org.example.browser", False, ("DOWNSCALED",), None),
    ]


# As in MVT's bugreport fixture, plus override objects whose text holds commas and braces.
DUMPSTATE_BODY = (
    "ChangeId(180326845; name=OVERRIDE_MIN_ASPECT_RATIO_MEDIUM; disabled; overridable)\n"
    "ChangeId(168419799; name=DOWNSCALED; disabled; packageOverrides={"
    "com.google.android.apps.tachyon=false, org.torproject.torbrowser=false}; rawOverrides={"
    "org.torproject.torbrowser=false, org.article19.circulo.next=false}; overridable)\n"
    "ChangeId(174042980; name=OVERRIDE_CAMERA; rawOverrides={com.gone.app=PackageOverride{"
    "minVersionCode=1, enabled=true}, not a package=1}; overridable)\n"
    "ChangeId(broken\n"
)


def test_dumpstate_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"platform_compat": DUMPSTATE_BODY}, {})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt")
    got = {r.package: (r.uninstalled, r.changes) for r in records}
    assert got == {
        "org.torproject.torbrowser": (False, ("DOWNSCALED",)),
        "org.article19.circulo.next": (True, ("DOWNSCALED",)),
        "com.gone.app": (True, ("OVERRIDE_CAMERA",)),
    }
    assert ctx.warnings == 2  # "not a package", "ChangeId(broken"


def test_garbled_section(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"platform_compat": "oops\n"})))
    assert records == [] and ctx.warnings == 1
