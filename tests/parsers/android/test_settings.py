from __future__ import annotations

from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import settings


def _write(tmp_path: Path, data: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    values = settings.merged(
        "secure",
        {
            "accessibility_enabled": "1",
            "enabled_accessibility_services": "com.apspy.app/com.apspy.app.AccService",
            "lock_screen_owner_info_enabled": None,
        },
    )
    data = settings.render(values) + b"empty_value=\nwith_equals=a=b\n"
    path = _write(tmp_path, data, "settings_secure.txt")
    records, ctx = parse("android.settings", path, "androidqf:settings_secure.txt")
    assert ctx.warnings == 0
    assert len(records) == len(values) + 2
    by_key = {r.key: r for r in records}
    assert by_key["accessibility_enabled"].value == "1"
    assert by_key["enabled_accessibility_services"].value.startswith("com.apspy.app/")
    assert "lock_screen_owner_info_enabled" not in by_key
    assert by_key["empty_value"].value == "" and by_key["with_equals"].value == "a=b"
    assert {r.namespace for r in records} == {"secure"} and records[0].ts is None
    assert records[0].key == "accessibility_enabled" and records[0].row == 1


def test_namespace_from_file_name(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, settings.render(settings.DEFAULTS["global"]), "settings_global.txt")
    records, _ = parse("android.settings", path, "androidqf:settings_global.txt")
    assert {r.namespace for r in records} == {"global"}
    assert ("adb_enabled", "1") in {(r.key, r.value) for r in records}


def test_multiline_values_and_broken_lines(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = "orphan line\nnote=first\nsecond line\n\nvolume_ring=5\n"
    path = _write(tmp_path, text.encode(), "settings_system.txt")
    records, ctx = parse("android.settings", path, "androidqf:settings_system.txt")
    assert [(r.key, r.value) for r in records] == [
        ("note", "first\nsecond line"),
        ("volume_ring", "5"),
    ]
    assert ctx.warnings == 1


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, b"cmd: Can't find service: settings\n", "settings_secure.txt")
    with pytest.raises(SchemaMismatch, match="key=value"):
        parse("android.settings", path, "androidqf:settings_secure.txt")
    path = _write(tmp_path, b"\x00\x01\x02binary", "settings_secure.txt")
    with pytest.raises(InputError, match="binary"):
        parse("android.settings", path, "androidqf:settings_secure.txt")
