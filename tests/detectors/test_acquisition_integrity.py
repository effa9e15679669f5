"""acquisition_integrity: changed, missing and added androidqf files."""

from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.acquisition_integrity import AcquisitionIntegrity
from tracehound.parsers.android.aqf_integrity import AqfIntegrity

PROV = Provenance(
    source="androidqf",
    path="androidqf:(hashes verified).json",
    sha256=None,
    parser="android.aqf_integrity",
    parser_version="1",
)


def record(status: str, path: str | None = "packages.json", by_design: bool = False,
           listed: str | None = None) -> AqfIntegrity:  # fmt: skip
    return AqfIntegrity(
        ts=None, row=3, path=path, listed_path=listed or path, status=status,
        expected_sha256="a" * 64, actual_sha256="b" * 64, size=10, by_design=by_design,
        note=None, layout="entry_names",
    )  # fmt: skip


def run(*records: AqfIntegrity) -> list[Finding]:
    det = AcquisitionIntegrity()
    return [f for r in records for f in det.feed(r, PROV)]


def test_changed_and_missing_are_high() -> None:
    findings = run(record("mismatch"), record("missing", path=None, listed="/h/x/logs/a"))
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.HIGH, "packages.json"),
        (Severity.HIGH, "/h/x/logs/a"),
    ]
    assert "differs from the SHA-256 androidqf recorded" in findings[0].message
    assert findings[0].record.row == 3 and findings[0].prov == PROV
    assert findings[0].detector == "acquisition_integrity"


def test_other_statuses() -> None:
    findings = run(record("invalid"), record("unreadable"), record("unlisted"),
                   record("no_hash_list", path="hashes.csv"))  # fmt: skip
    assert [f.severity for f in findings] == [
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFO,
    ]


def test_ok_and_by_design_are_silent() -> None:
    assert run(record("ok")) == []
    assert run(record("mismatch", path="command.log", by_design=True)) == []
    assert run(record("unlisted", path="hashes.csv", by_design=True)) == []
    assert run(record("not_verifiable", path="hashes.csv", by_design=True)) == []
