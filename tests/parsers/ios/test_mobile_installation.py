from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_mobile_installation
from tracehound.core.errors import SchemaMismatch
from tracehound.parsers.ios.mobile_installation import from_mi_local


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_mobile_installation(tmp_path / "mobile_installation.log.0")
    records, ctx = parse("ios.mobile_installation", path, None, {"utc_offset": "+0200"})
    assert ctx.warnings == 0
    assert [(r.action, r.bundle_id, r.row) for r in records] == [
        ("install", "com.example.notes", 1),
        ("uninstall", "com.example.spy", 2),
        ("destroy_container", "com.example.spy", 3),
        ("reboot", None, 4),
    ]
    assert records[0].ts == datetime(2021, 7, 12, 9, 10, 2, tzinfo=UTC)
    assert records[0].local_time == "Jul 12 11:10:02 2021"
    assert records[2].path == (
        "/private/var/containers/Bundle/Application/1EC20F02-0000-4000-8000-000000000001"
    )


def test_without_offset_reads_utc_and_says_so(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_mobile_installation(tmp_path / "mobile_installation.log.0")
    records, ctx = parse("ios.mobile_installation", path)
    assert records[0].ts == datetime(2021, 7, 12, 11, 10, 2, tzinfo=UTC)
    assert ctx.warnings == 1 and "read as UTC" in ctx.messages[0]


def test_bad_time_is_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mobile_installation.log.1"
    path.write_text("Mon Foo 12 11:10:02 2021 [76] <notice> x: Uninstalling identifier a.b\n")
    records, ctx = parse("ios.mobile_installation", path, None, {"utc_offset": "+0000"})
    assert [(r.bundle_id, r.ts) for r in records] == [("a.b", None)]
    assert ctx.warnings == 1


def test_not_a_mobile_installation_log(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mobile_installation.log.0"
    path.write_bytes(b"\x00\x01 binary\nrandom text\n")
    with pytest.raises(SchemaMismatch, match="no MobileInstallation log lines"):
        parse("ios.mobile_installation", path, None, {"utc_offset": "+0000"})


def test_from_mi_local() -> None:
    assert from_mi_local("Apr 7 07:40:47 2025", "-0700") == datetime(
        2025, 4, 7, 14, 40, 47, tzinfo=UTC
    )
    assert from_mi_local("Apr 7 07:40:47 2025", None) == datetime(2025, 4, 7, 7, 40, 47, tzinfo=UTC)
    assert from_mi_local("Foo 7 07:40:47 2025", "+0000") is None
