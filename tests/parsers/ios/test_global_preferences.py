from __future__ import annotations

import plistlib
from datetime import datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import global_preferences


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / ".GlobalPreferences.plist"
    global_preferences.write(
        path,
        {"LastSeen": datetime(2023, 2, 3, 4, 5, 6), "Blob": b"\x01\xab", "Ratio": 1.5},
        lockdown=True,
    )
    records, ctx = parse("ios.global_preferences", path)
    assert ctx.warnings == 0
    assert len(records) == len(global_preferences.DEFAULTS) + 4
    by_key = {r.key: r for r in records}
    assert all(r.ts is None for r in records)
    assert (by_key["LDMGlobalEnabled"].value, by_key["LDMGlobalEnabled"].value_type) == (
        "True",
        "bool",
    )
    assert (by_key["AppleLocale"].value, by_key["AppleLocale"].value_type) == ("en_US", "str")
    assert (by_key["AppleLanguages"].value, by_key["AppleLanguages"].value_type) == (
        "['en-US']",
        "array",
    )
    assert (
        by_key["AppleKeyboardsExpanded"].value,
        by_key["AppleKeyboardsExpanded"].value_type,
    ) == (
        "1",
        "int",
    )
    assert (by_key["LastSeen"].value, by_key["LastSeen"].value_type) == (
        "2023-02-03T04:05:06+00:00",
        "date",
    )
    assert (by_key["Blob"].value, by_key["Blob"].value_type) == ("01ab", "data")
    assert (by_key["Ratio"].value, by_key["Ratio"].value_type) == ("1.5", "float")


def test_xml_variant_and_long_values(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """An XML plist (older iOS, or a converted copy); long values are cut to 500 characters."""
    path = tmp_path / ".GlobalPreferences.plist"
    data = {"LDMGlobalEnabled": False, "Huge": "x" * 2000, "Nested": {"a": [1, 2]}}
    path.write_bytes(plistlib.dumps(data, fmt=plistlib.FMT_XML))
    records, ctx = parse("ios.global_preferences", path)
    assert ctx.warnings == 0
    by_key = {r.key: r for r in records}
    assert by_key["LDMGlobalEnabled"].value == "False"
    assert len(by_key["Huge"].value) == 500
    assert (by_key["Nested"].value, by_key["Nested"].value_type) == ("{'a': [1, 2]}", "dict")


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / ".GlobalPreferences.plist"
    path.write_bytes(plistlib.dumps(["not", "a", "dict"]))
    with pytest.raises(SchemaMismatch):
        parse("ios.global_preferences", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / ".GlobalPreferences.plist"
    path.write_bytes(b"bplist00garbage-garbage-garbage-garbage-garbage")
    with pytest.raises(InputError):
        parse("ios.global_preferences", path)
