from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_security_patch_old import SecurityPatchOld, patch_date
from tracehound.parsers.android.getprop import Property

PROV = Provenance(
    source="androidqf",
    path="androidqf:getprop.txt",
    sha256=None,
    parser="android.getprop",
    parser_version="1",
)
ACQUIRED = datetime(2024, 3, 10, 13, 30, tzinfo=UTC)


def run(value: str, acquired: datetime | None = ACQUIRED, now: datetime | None = None,
        name: str = "ro.build.version.security_patch") -> list[Finding]:  # fmt: skip
    record = Property(ts=None, name=name, value=value, acquired=acquired, origin="getprop")
    return list(SecurityPatchOld(now=now).feed(record, PROV))


def test_old_patch_is_medium_against_acquisition_date() -> None:
    findings = run("2023-01-05")
    assert [(f.severity, f.value) for f in findings] == [(Severity.MEDIUM, "2023-01-05")]
    message = findings[0].message
    assert "430 days older than the acquisition date, 2024-03-10" in message


def test_recent_patch_and_boundary_are_quiet() -> None:
    assert run("2024-01-05") == []
    assert run("2023-09-06") == []  # 186 days, i.e. exactly 6 x 31: not older
    assert len(run("2023-09-05")) == 1


def test_old_acquisition_is_judged_by_its_date() -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert run("2024-01-05", now=later) == []  # acquired 2024: up to date then


def test_unknown_acquisition_date_uses_today() -> None:
    findings = run("2024-01-05", acquired=None, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert len(findings) == 1 and "today's date (the acquisition date is unknown)" in (
        findings[0].message
    )


def test_other_properties_and_bad_values_are_quiet() -> None:
    assert run("2019-01-01", name="ro.vendor.build.security_patch") == []
    assert run("") == [] and run("January 2019") == []
    assert patch_date(" 2023-01-05 ") == datetime(2023, 1, 5, tzinfo=UTC)
