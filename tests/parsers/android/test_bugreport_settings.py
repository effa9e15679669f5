"""android.settings from a bugreport: the ``DUMP OF SERVICE settings:`` section."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracehound.core.errors import SchemaMismatch
from tracehound.demo.android import dumpsys as dd
from tracehound.demo.android import settings as ds

DUMPSTATE = "bugreport:dumpstate.txt"


def _dumpstate(tmp_path: Path, sections: dict[str, str]) -> Path:
    path = tmp_path / "dumpstate.txt"
    path.write_bytes(dd.render_dumpstate(sections, {"ro.build.version.sdk": "33"}))
    return path


def test_dumpsys_settings(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = ds.render_dumpsys(
        {
            "config": {"activity_manager/max_cached_processes": "32"},
            "global": {"package_verifier_enable": "0", "adb_enabled": "1"},
            "secure": {"accessibility_enabled": "1", "android_id": "{null}"},
            "system": {"font_scale": "1.0"},
        }
    )
    body += ds.render_dumpsys({"secure": {"accessibility_enabled": "0"}}, user=10)
    body = body.replace("value:1\n", "value:1 default:1 defaultSystemSet:true tag:x y\n", 1)
    body += "Historical operations\n  update name:font_scale value:1.1\n"
    records, ctx = parse("android.settings", _dumpstate(tmp_path, {"settings": body}), DUMPSTATE)
    assert ctx.warnings == 0
    got = [(r.namespace, r.user, r.key, r.value) for r in records]
    assert got == [
        ("config", 0, "activity_manager/max_cached_processes", "32"),
        ("global", 0, "adb_enabled", "1"),
        ("global", 0, "package_verifier_enable", "0"),
        ("secure", 0, "accessibility_enabled", "1"),
        ("secure", 0, "android_id", "null"),
        ("system", 0, "font_scale", "1.0"),
        ("secure", 10, "accessibility_enabled", "0"),
    ]
    assert records[0].ts is None and records[0].row is not None


def test_broken_setting_lines(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = ds.render_dumpsys({"secure": {"a": "1"}}).replace("\n\n", "\n_id:9 value:x\n???\n\n")
    records, ctx = parse("android.settings", _dumpstate(tmp_path, {"settings": body}), DUMPSTATE)
    assert [(r.key, r.value) for r in records] == [("a", "1")] and ctx.warnings == 2


def test_no_settings_section(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="settings"):
        parse("android.settings", _dumpstate(tmp_path, {"package": "Packages:\n"}), DUMPSTATE)
    with pytest.raises(SchemaMismatch, match="SETTINGS"):
        parse("android.settings", _dumpstate(tmp_path, {"settings": "nothing\n"}), DUMPSTATE)
