"""Processes that used the network and are neither iOS's own nor an installed app's.

Fact: Amnesty International, "Forensic Methodology Report: How to catch NSO Group's Pegasus"
(2021): Pegasus processes (``bh``, ``msgacntd``, ``roleaccountd``...) showed up in DataUsage,
netusage and OS analytics as processes never seen on the phone before, often named like Apple
daemons; that is how new spyware is found before indicators are published. Alone this is a LOW
lead: the bundled baseline (``core/process_baseline.py``) comes from iOS 9.3 to 15.1 phones and
misses daemons of newer versions, so the message names the baseline that was used. One finding
per process name, at its earliest record, with the other artifacts naming it as related.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from tracehound.core.process_baseline import ProcessBaseline, bundled_baseline
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.core.timeutil import iso_text
from tracehound.detectors.process_appearances import (
    APP_TYPES,
    PROCESS_TYPES,
    Appearance,
    ProcessTracker,
    process_rows,
    where_of,
)


def describe(item: Appearance, baseline: ProcessBaseline) -> str:
    """The finding's message for an unknown process."""
    when = f" first at {iso_text(item.first)}" if item.first else ""
    seen = ", ".join(sorted({item.where, *(where_of(r) for r, _ in item.others)}))
    bundle = f" (bundle id {item.bundle}, not an installed app)" if item.bundle else ""
    return (
        f"Process {item.name}{bundle} used the network{when} ({seen}) and is neither an iOS "
        f"process of the {baseline.label()} nor an installed app: a process new to this "
        "phone, as Pegasus processes were (Amnesty 2021). Newer iOS versions ship daemons "
        "the baseline lacks, so check the name before drawing conclusions"
    )


@detector
class UnknownProcess(Detector):
    NAME = "unknown_process"
    TYPES = PROCESS_TYPES + APP_TYPES
    DESCRIPTION = (
        "A process that used the network but is neither in the bundled baseline of iOS "
        "processes nor an installed app (LOW; noisy on iOS versions newer than the baseline)"
    )

    def __init__(self, baseline: ProcessBaseline | None = None) -> None:
        self.baseline = baseline or bundled_baseline()
        self.tracker = ProcessTracker()

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        return process_rows(type_name, batch)  # each name's first and earliest rows

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        self.tracker.feed(record, prov)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for item in self.tracker.unknown(self.baseline):
            yield Finding(
                detector=self.NAME,
                severity=Severity.LOW,
                message=describe(item, self.baseline),
                ts=item.first,
                record=item.record,
                prov=item.prov,
                value=item.short,
                related=tuple(item.others),
            )
