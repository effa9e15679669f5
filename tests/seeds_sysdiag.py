"""Fuzz seeds for the sysdiagnose branch's parsers: each writes one valid input in its real
format (for the fuzz harness to register when the branches meet)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.sysdiagnose import STAGED, ips_text, ps_text


def seed_sysdiagnose_ps(path: Path) -> Path:
    """ios.sysdiagnose_ps: a ps.txt with the sysdiagnose header and five processes."""
    path.write_text(ps_text(infected=True), "utf-8")
    return path


def seed_crash_reports(path: Path) -> Path:
    """ios.crash_reports: one .ips crash report (metadata line and JSON body)."""
    when = datetime(2021, 7, 12, 9, 15, tzinfo=UTC)
    path.write_text(ips_text("mptbd", STAGED, 1812, when, "7B1E2D3C-4A5F-4E6D-9C8B-1A2B3C4D5E6F"))
    return path


def seed_crash_reports_jetsam(path: Path) -> Path:
    """ios.crash_reports: a JetsamEvent (bug type 298) with its process list."""
    path.write_text(JETSAM, "utf-8")
    return path


JETSAM = (
    '{"bug_type":"298","timestamp":"2021-07-12 09:20:00.00 +0200","os_version":"iPhone OS 14.6 '
    '(18F72)","incident_id":"11111111-2222-3333-4444-555555555555"}\n'
    '{"crashReporterKey":"k","processes":[{"name":"SpringBoard","pid":66,"reason":"highwater"},'
    '{"name":"mptbd","pid":1812,"reason":"per-process-limit"},"junk"]}\n'
)
