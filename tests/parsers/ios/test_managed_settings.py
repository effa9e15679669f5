from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_managed_settings
from tracehound.core.errors import SchemaMismatch


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.managed_settings", seed_managed_settings(tmp_path / "E.plist"))
    assert ctx.warnings == 0
    assert [(r.group, r.key, r.value, r.ts) for r in records] == [
        ("restrictedBool", "allowCamera", "True", None),
        ("restrictedBool", "allowLockdownMode", "False", None),
        ("restrictedValue", "maxGracePeriod", "1", None),
    ]


def test_damaged_groups_and_entries(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "E.plist"
    data = {
        "restrictedBool": {"allowCamera": {"value": False}, "broken": 3},
        "union": {"allowedDomains": {"values": ["a.example"]}},
        "junk": "text",
    }
    path.write_bytes(plistlib.dumps(data))
    records, ctx = parse("ios.managed_settings", path)
    assert [(r.group, r.key, r.value) for r in records] == [
        ("restrictedBool", "allowCamera", "False"),
        ("union", "allowedDomains", "{'values': ['a.example']}"),
    ]
    assert ctx.warnings == 2


def test_not_settings(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "E.plist"
    path.write_bytes(plistlib.dumps({"a": 1}))
    with pytest.raises(SchemaMismatch, match="no settings group"):
        parse("ios.managed_settings", path)
