from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_crash_reports, seed_crash_reports_jetsam
from tracehound.core.errors import SchemaMismatch
from tracehound.demo.sysdiagnose import STAGED
from tracehound.parsers.ios.crash_reports import from_ips_time

WHEN = datetime(2021, 7, 12, 9, 15, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.crash_reports", seed_crash_reports(tmp_path / "a.ips"))
    assert ctx.warnings == 0
    (report,) = records
    assert report.entry == "report" and report.bug_type == "309" and report.ts == WHEN
    assert (report.process, report.path, report.pid) == ("mptbd", STAGED, 1812)
    assert (report.parent, report.parent_pid) == ("launchd", 1)
    assert report.incident_id == "7B1E2D3C-4A5F-4E6D-9C8B-1A2B3C4D5E6F"
    assert report.os_version == "iPhone OS 14.6 (18F72)"


def test_jetsam_lists_its_processes(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.crash_reports", seed_crash_reports_jetsam(tmp_path / "j.ips"))
    assert [(r.entry, r.process, r.pid, r.reason) for r in records] == [
        ("report", None, None, None),
        ("jetsam_process", "SpringBoard", 66, "highwater"),
        ("jetsam_process", "mptbd", 1812, "per-process-limit"),
    ]
    assert records[0].ts == datetime(2021, 7, 12, 7, 20, tzinfo=UTC)
    assert ctx.warnings == 1  # the "junk" entry


def test_damaged_body_and_time_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "b.ips"
    path.write_text('{"bug_type":"309","timestamp":"yesterday","name":"x"}\n{"procName": cut')
    records, ctx = parse("ios.crash_reports", path)
    assert [(r.process, r.ts) for r in records] == [("x", None)]
    assert ctx.warnings == 2


def test_not_an_ips(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.ips"
    path.write_text("Incident Identifier: old text crash\n")
    with pytest.raises(SchemaMismatch, match=r"not the \.ips JSON metadata"):
        parse("ios.crash_reports", path)


def test_from_ips_time() -> None:
    assert from_ips_time("2023-05-24 13:29:15.00 -0700") == datetime(
        2023, 5, 24, 20, 29, 15, tzinfo=UTC
    )
    assert from_ips_time(None) is None
    assert from_ips_time("2023/05/24") is None
