"""Usage rows whose process row was deleted (DataUsage/netusage tampering).

Fact: Amnesty's 2021 Pegasus methodology ("Forensic Methodology Report", Pegasus process names in
DataUsage.sqlite) found that Pegasus removed its own ZPROCESS rows while the ZLIVEUSAGE rows that
pointed at them stayed behind; MVT's ``check_manipulated`` flags such rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.datausage import DataUsage


@dataclass
class _Deleted:
    record: DataUsage
    prov: Provenance
    rows: int = 1
    first: datetime | None = None
    last: datetime | None = None


@detector
class DeletedProcessRows(Detector):
    """One finding per deleted process id, with the number of usage rows that still point at it."""

    NAME = "datausage_deleted_process"
    TYPES = ("ios.datausage", "ios.netusage")
    DESCRIPTION = "Network usage rows whose process row was deleted (HIGH)"

    def __init__(self) -> None:
        self.seen: dict[tuple[str, int], _Deleted] = {}

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        return batch.column("process_missing")  # the only rows feed looks at

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, DataUsage) and record.process_missing:
            key = (prov.path, record.process_pk or 0)
            entry = self.seen.get(key)
            if entry is None:
                self.seen[key] = _Deleted(record, prov, 1, record.ts, record.ts)
            else:
                entry.rows += 1
                if record.ts is not None:
                    entry.first = min(entry.first or record.ts, record.ts)
                    entry.last = max(entry.last or record.ts, record.ts)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for (_path, pk), item in sorted(self.seen.items()):
            span = ""
            if item.first and item.last:
                span = f" between {item.first.isoformat()} and {item.last.isoformat()}"
            yield Finding(
                detector=self.NAME,
                severity=Severity.HIGH,
                message=(
                    f"process row {pk} was deleted but {item.rows} network usage row(s){span} "
                    "still point at it: a trace of tampering seen in Pegasus infections"
                ),
                ts=item.first or item.record.ts,
                record=item.record,
                prov=item.prov,
                value=str(pk),
            )
