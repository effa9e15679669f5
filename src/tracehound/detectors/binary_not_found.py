"""A process that used the network has no executable anywhere in a full filesystem dump.

Fact: MVT's ``NetBase._find_suspicious_processes`` (``mvt/ios/modules/net_base.py``, run by
``Datausage`` and ``Netusage`` on ``check-fs`` unless ``--fast``) walks the whole dump and raises
a MEDIUM alert for every DataUsage/netusage row with no bundle id whose ``ZPROCNAME`` equals no
file name in the dump (a 16-character name "might have been truncated"). Pegasus deleted its
binaries after running (Amnesty 2021 methodology), so its processes are such rows. MVT judges
every dump, so a dump of the data partition alone (no system volume) makes every iOS daemon a
"binary not found". Here a process is judged only when the dump holds the system volume: at
least ``MIN_FILES`` files under each of ``SYSTEM_ROOTS``; the message says what was checked. A
row's process part (``nehelper`` of ``nehelper/com.apple.nehelper``) is compared with file names;
a name of exactly 16 characters, the kernel's ``MAXCOMLEN`` (XNU ``sys/param.h``), also matches a
longer file name it begins. ``kernel_task`` is the kernel itself (XNU), not a file. One finding
per process name, at its earliest record, the other artifacts naming it as related.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.process_baseline import MAXCOMLEN
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.core.timeutil import iso_text
from tracehound.detectors.process_appearances import text_or_null, tracked_rows
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.filesystem import FilesystemEntry

SYSTEM_ROOTS = ("/usr/libexec/", "/usr/sbin/", "/System/Library/")
MIN_FILES = 5
NOT_FILES = frozenset({"kernel_task"})
MAX_PROCESSES = 20_000
_WHERE = {"ios.datausage": "DataUsage", "ios.netusage": "netusage"}


@dataclass
class Process:
    """A process name with no bundle id, and its earliest record per artifact."""

    name: str
    by_type: dict[str, tuple[datetime | None, Record, Provenance]] = field(default_factory=dict)

    def earliest(self) -> tuple[datetime | None, Record, Provenance]:
        return min(self.by_type.values(), key=lambda v: (v[0] is None, v[0] or datetime.max))


def coverage_text(counts: dict[str, int]) -> str:
    """``12 files under /usr/libexec/, 3 under /usr/sbin/, ...``."""
    parts = [f"{counts[root]:,} under {root}" for root in SYSTEM_ROOTS]
    return "files: " + ", ".join(parts)


@detector
class BinaryNotFound(Detector):
    NAME = "binary_not_found"
    TYPES = (FilesystemEntry.TYPE, "ios.datausage", "ios.netusage")
    DESCRIPTION = (
        "A process without bundle id in DataUsage/netusage whose executable is nowhere in a "
        "filesystem dump that holds the system volume (MEDIUM; not judged on partial dumps)"
    )

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.counts = dict.fromkeys(SYSTEM_ROOTS, 0)
        self.processes: dict[str, Process] = {}

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        """Every filesystem entry; of DataUsage/netusage, the first and the earliest row of each
        process name without bundle id (the only rows ``_process`` can keep)."""
        if type_name == FilesystemEntry.TYPE:
            return None
        name = text_or_null(batch.column("process_name"))
        no_bundle = pc.is_null(text_or_null(batch.column("bundle_id")))
        eligible = pc.and_(
            pc.and_(pc.invert(batch.column("process_missing")), no_bundle), pc.is_valid(name)
        )
        time = pc.coalesce(batch.column("first_seen"), batch.column("ts"))
        return tracked_rows(name, time, eligible)

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, FilesystemEntry):
            if not record.is_dir:
                self._file(record.path)
        elif isinstance(record, DataUsage):
            self._process(record, prov)
        return iter(())

    def _file(self, path: str) -> None:
        self.names.add(path.rsplit("/", 1)[-1])
        for root in SYSTEM_ROOTS:
            if path.startswith(root):
                self.counts[root] += 1

    def _process(self, record: DataUsage, prov: Provenance) -> None:
        name = record.process_name
        if record.process_missing or record.bundle_id or not name or name in NOT_FILES:
            return
        entry = self.processes.get(name)
        if entry is None:
            if len(self.processes) >= MAX_PROCESSES:
                return
            entry = self.processes[name] = Process(name)
        first = record.first_seen or record.ts
        kept = entry.by_type.get(record.TYPE)
        if kept is None or (first is not None and (kept[0] is None or first < kept[0])):
            entry.by_type[record.TYPE] = (first, record, prov)

    def judged(self) -> bool:
        """Whether the dump holds enough of the system volume to look for executables."""
        return all(n >= MIN_FILES for n in self.counts.values())

    def finish(self) -> Iterator[Finding]:
        if not self.names or not self.judged():
            return
        prefixes = {n[:MAXCOMLEN] for n in self.names if len(n) > MAXCOMLEN}
        for name in sorted(self.processes):
            if name in self.names or (len(name) == MAXCOMLEN and name in prefixes):
                continue
            yield self._finding(self.processes[name])

    def _finding(self, process: Process) -> Finding:
        first, record, prov = process.earliest()
        where = ", ".join(sorted(_WHERE.get(t, t) for t in process.by_type))
        when = f" first at {iso_text(first)}" if first else ""
        return Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Process {process.name} used the network{when} ({where}) without a bundle id, "
                f"and no file of that name is anywhere in the dump of {len(self.names):,} file "
                f"names, which holds the system volume ({coverage_text(self.counts)}): its "
                "executable is gone, as Pegasus deleted its binaries (Amnesty 2021). Check "
                "that the dump is whole before concluding"
                + (" (a 16-character name may be truncated)" if len(process.name) == 16 else "")
            ),
            ts=first,
            record=record,
            prov=prov,
            value=process.name,
            related=tuple((r, p) for _, r, p in process.by_type.values() if r is not record),
        )
