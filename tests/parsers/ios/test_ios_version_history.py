from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import ios_version_history as demo
from tracehound.parsers.ios.ios_version_history import from_ips_timestamp, split_version

T0 = datetime(2021, 7, 19, 8, 11, 12, 340000, tzinfo=UTC)
DEV = "/private/var/db/analyticsd/Analytics-Journal-2021-07-19-081112.ips"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Analytics-Journal.ips"
    demo.write(path, T0, "iPhone OS 14.6 (18F72)", 120, [{"name": "x", "message": {}}])
    assert path.read_text().startswith('{"bug_type": "211", "timestamp": "2021-07-19 10:11:12.34')
    records, ctx = parse("ios.ios_version_history", path, DEV)
    assert ctx.warnings == 0 and len(records) == 1
    rec = records[0]
    assert rec.ts == T0
    assert (rec.product, rec.version, rec.build) == ("iPhone OS", "14.6", "18F72")
    assert rec.os_version == "iPhone OS 14.6 (18F72)" and rec.bug_type == "211"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.ips"
    path.write_text('{"timestamp": "19/07/2021", "os_version": "unknown OS"}\n{"x": 1}\n')
    records, ctx = parse("ios.ios_version_history", path, DEV)
    assert len(records) == 1 and records[0].ts is None and records[0].build is None
    assert records[0].os_version == "unknown OS"
    assert ctx.warnings == 2
    path.write_text('{"timestamp": "2021-07-19 10:11:12 +0000", "os_version": 14}\n')
    records, ctx = parse("ios.ios_version_history", path, DEV)
    assert records[0].ts == datetime(2021, 7, 19, 10, 11, 12, tzinfo=UTC)
    assert records[0].os_version is None and ctx.warnings == 1


def test_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.ips"
    path.write_text('["a", "list"]\n')
    with pytest.raises(SchemaMismatch, match="not an object"):
        parse("ios.ios_version_history", path, DEV)
    path.write_text('{"bug_type": "211"}\n')
    with pytest.raises(SchemaMismatch, match="neither"):
        parse("ios.ios_version_history", path, DEV)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.ips"
    path.write_bytes(b"\x00\x01binary garbage\n")
    with pytest.raises(InputError, match="not JSON"):
        parse("ios.ios_version_history", path, DEV)
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        parse("ios.ios_version_history", path, DEV)


def test_newer_header_variants() -> None:
    """Header spellings seen across versions (2021 and 2026 examples); other product names and
    times without a fraction parse too."""
    assert split_version("iPhone OS 18.0 (22A123)") == ("iPhone OS", "18.0", "22A123")
    assert split_version("iPadOS 17.5.1 (21F90)") == ("iPadOS", "17.5.1", "21F90")
    assert split_version("18.1 (22B83)") == (None, "18.1", "22B83")
    assert from_ips_timestamp("2026-01-01 10:00:00.00 +0000") == datetime(
        2026, 1, 1, 10, tzinfo=UTC
    )
    assert from_ips_timestamp("2024-03-02 23:30:00 -0500") == datetime(
        2024, 3, 3, 4, 30, tzinfo=UTC
    )
