from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.datausage_deleted_process import DeletedProcessRows
from tracehound.detectors.datausage_pk_gap import ProcessIdGaps
from tracehound.parsers.ios.datausage import DataUsage

T0 = datetime(2021, 7, 1, 12, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/wireless/Library/Databases/DataUsage.sqlite",
    sha256="a" * 64,
    parser="ios.datausage",
    parser_version="1",
)


def usage(pk: int | None, usage_pk: int | None, missing: bool, minutes: int = 0) -> DataUsage:
    return DataUsage(
        ts=T0 + timedelta(minutes=minutes),
        row=usage_pk if missing else pk,
        first_seen=None,
        process_name=None if missing else f"p{pk}",
        process_raw=None,
        bundle_id=None,
        process_pk=pk,
        usage_pk=usage_pk,
        process_missing=missing,
        wifi_in=None,
        wifi_out=None,
        wwan_in=None,
        wwan_out=None,
    )


def run(det, records):  # type: ignore[no-untyped-def]
    out = []
    for r in records:
        out.extend(det.feed(r, PROV))
    out.extend(det.finish())
    return out


def test_deleted_process_one_finding_per_process() -> None:
    records = [
        usage(1, 10, False),
        usage(7, 11, True, 5),
        usage(7, 12, True, 1),
        usage(8, 13, True, 9),
    ]
    found = run(DeletedProcessRows(), records)
    assert [(f.value, f.severity) for f in found] == [("7", Severity.HIGH), ("8", Severity.HIGH)]
    assert "2 network usage row(s)" in found[0].message
    assert found[0].ts == T0 + timedelta(minutes=1)  # earliest of the rows
    assert found[0].record.row == 11


def test_no_deleted_process_no_finding() -> None:
    assert run(DeletedProcessRows(), [usage(1, 10, False), usage(2, None, False)]) == []


def test_pk_gaps_grouped() -> None:
    records = [
        usage(1, 1, False),
        usage(2, 2, False),
        usage(5, 3, False),
        usage(6, None, False),
        usage(9, None, False),
        usage(7, 4, True),
    ]
    found = run(ProcessIdGaps(), records)
    assert [(f.value, f.severity) for f in found] == [("3-4", Severity.LOW), ("7-8", Severity.LOW)]
    assert found[0].record.process_pk == 5


def test_no_gap() -> None:
    assert run(ProcessIdGaps(), [usage(1, 1, False), usage(2, 2, False)]) == []
