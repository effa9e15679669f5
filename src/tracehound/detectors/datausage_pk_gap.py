"""Gaps in the process row ids of DataUsage (rows deleted from ZPROCESS).

Fact: MVT's ``find_deleted`` (NetBase) reports missing ``ZPROCESS.Z_PK`` values. Core Data
allocates Z_PK values in sequence, so a gap means rows were deleted, by the system (clean-up)
or by an implant; on its own it is weak evidence, hence LOW.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.detectors.process_appearances import first_rows
from tracehound.parsers.ios.datausage import DataUsage


@detector
class ProcessIdGaps(Detector):
    """One LOW finding per run of missing process ids in one database."""

    NAME = "datausage_pk_gap"
    TYPES = ("ios.datausage", "ios.netusage")
    DESCRIPTION = "Gaps in DataUsage process row ids: process rows were deleted (LOW)"

    def __init__(self) -> None:
        # file -> process pk -> (record, provenance) of the first record with that pk
        self.pks: dict[str, dict[int, tuple[DataUsage, Provenance]]] = {}

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        """The first row of each process id (feed keeps the first record of each)."""
        pk = batch.column("process_pk")
        eligible = pc.and_(pc.invert(batch.column("process_missing")), pc.not_equal(pk, 0))
        return first_rows(pk, eligible)

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, DataUsage) and not record.process_missing and record.process_pk:
            self.pks.setdefault(prov.path, {}).setdefault(record.process_pk, (record, prov))
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for _path, by_pk in sorted(self.pks.items()):
            previous = 0
            for pk in sorted(by_pk):
                if pk > previous + 1:
                    yield self._gap(previous + 1, pk - 1, by_pk[pk])
                previous = pk

    def _gap(self, first: int, last: int, after: tuple[DataUsage, Provenance]) -> Finding:
        record, prov = after
        ids = str(first) if first == last else f"{first}-{last}"
        return Finding(
            detector=self.NAME,
            severity=Severity.LOW,
            message=(
                f"process row(s) {ids} missing from ZPROCESS "
                f"(deleted before row {record.process_pk})"
            ),
            ts=record.first_seen or record.ts,
            record=record,
            prov=prov,
            value=ids,
        )
