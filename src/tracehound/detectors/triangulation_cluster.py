"""Operation Triangulation heuristic: unrelated traces that cluster within five minutes.

Facts: Kaspersky's triangle_check (``triangle_check/__init__.py``, 2023) builds a timeline of
candidate events from an iTunes backup and reports ``SUSPICION`` when a sliding window of at most
10 events spanning at most 5 minutes holds events of 2 or more classes:
- ``file``: Manifest Birth/LastModified/LastStatusChange of ``com.apple.ImageIO.plist``
  (RootDomain), ``com.apple.locationd.StatusBarIconManager.plist`` and
  ``com.apple.imservice.ids.FaceTime.plist`` (HomeDomain, ``Library/Preferences/``);
- ``net``: times of the processes BackupAgent, nehelper, com.apple.WebKit.WebContent,
  powerd/com.apple.datausage.diagnostics and lockdownd/com.apple.datausage.security (full
  ZPROCNAME) in DataUsage (first seen, last use) and in the addaily ``netUsageBaseline``;
- ``location``: ``LocationTimeStopped`` of the locationd bundles IonosphereHarvest.bundle and
  WRMLinkSelection.bundle;
- ``sms``: SMS attachment *folders* (MediaDomain ``Library/SMS/Attachments/xx`` or ``xx/yy``)
  with both a modification and a status change in the window; any deeper attachment path in the
  window is a real attachment and cancels it.
Differences: windows also start at the last 10 events (triangle_check skips them, so a timeline of
10 events or fewer is never checked), netusage counts like DataUsage, and overlapping suspicious
windows are reported once. Only candidate events are kept, as small tuples.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.locationd_clients import LocationdClient
from tracehound.parsers.ios.manifest import ManifestFile
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage

WINDOW_SECONDS = 300.0
WINDOW_EVENTS = 10
PREFS = "Library/Preferences/"
WATCHED_FILES = frozenset(
    {
        ("RootDomain", PREFS + "com.apple.ImageIO.plist"),
        ("HomeDomain", PREFS + "com.apple.locationd.StatusBarIconManager.plist"),
        ("HomeDomain", PREFS + "com.apple.imservice.ids.FaceTime.plist"),
    }
)
NET_PROCESSES = frozenset(
    {
        "BackupAgent",
        "nehelper",
        "com.apple.WebKit.WebContent",
        "powerd/com.apple.datausage.diagnostics",
        "lockdownd/com.apple.datausage.security",
    }
)
LOCATION_BUNDLE = "com.apple.locationd.bundle-/System/Library/LocationBundles/"
LOCATION_BUNDLES = ("IonosphereHarvest.bundle", "WRMLinkSelection.bundle")
SMS_ATTACHMENTS = "Library/SMS/Attachments/"
_DESCRIBE = {
    "B": "created",
    "M": "modified",
    "C": "status changed",
    "first": "first traffic by process",
    "last": "traffic by process",
    "stop": "location use stopped by",
}


class _Event(NamedTuple):
    ts: float
    seq: int
    cls: str  # file, net, location, sms (an attachment folder), abort (an attachment)
    code: str  # M/C/B for files, first/last for traffic, stop for location
    label: str
    ref: int  # index in _refs of the record, or -1


@detector
class TriangulationCluster(Detector):
    """triangle_check's timeline heuristic over Manifest, DataUsage, locationd and addaily."""

    NAME = "triangulation_cluster"
    TYPES = (
        "ios.manifest",
        "ios.datausage",
        "ios.netusage",
        "ios.locationd_clients",
        "ios.osanalytics_addaily",
    )
    DESCRIPTION = (
        "Operation Triangulation pattern: file, traffic, location and SMS attachment traces "
        "within 5 minutes (MEDIUM)"
    )

    def __init__(self) -> None:
        self._events: list[_Event] = []
        self._refs: list[tuple[Record, Provenance]] = []
        self._seen: set[tuple[str, str, float]] = set()

    # -- collecting candidate events ----------------------------------------------------------

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        """The rows ``feed`` keeps something of: watched files and SMS attachment paths of
        the Manifest (of its many files), the network processes of the usage tables."""
        if type_name == ManifestFile.TYPE:
            domain, rel = batch.column("domain"), batch.column("relative_path")
            joined = pc.binary_join_element_wise(domain, rel, "\x00")
            watched = pa.array(sorted(f"{d}\x00{r}" for d, r in WATCHED_FILES), pa.string())
            media = pc.and_(pc.equal(domain, "MediaDomain"), pc.starts_with(rel, SMS_ATTACHMENTS))
            return pc.or_(pc.is_in(joined, value_set=watched), media)
        processes = pa.array(sorted(NET_PROCESSES), pa.string())
        if type_name in (DataUsage.TYPE, "ios.netusage"):  # netusage: DataUsage's model
            return pc.is_in(batch.column("process_raw"), value_set=processes)
        if type_name == OsAnalyticsNetUsage.TYPE:
            return pc.is_in(batch.column("process"), value_set=processes)
        return None

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        source = (record, prov)
        if isinstance(record, ManifestFile):
            self._manifest(record, source)
        elif isinstance(record, DataUsage):
            if record.process_raw in NET_PROCESSES:
                self._add(record.first_seen, "net", "first", record.process_raw, source)
                self._add(record.ts, "net", "last", record.process_raw, source)
        elif isinstance(record, OsAnalyticsNetUsage):
            if record.process in NET_PROCESSES:
                self._add(record.ts, "net", "last", record.process, source)
        elif isinstance(record, LocationdClient):
            bundle = record.key.rstrip(":").removeprefix(LOCATION_BUNDLE)
            if bundle in LOCATION_BUNDLES and record.key.startswith(LOCATION_BUNDLE):
                self._add(record.location_time_stopped, "location", "stop", bundle, source)
        return iter(())

    def _manifest(self, record: ManifestFile, source: tuple[Record, Provenance]) -> None:
        rel = record.relative_path
        times = (("B", record.created), ("M", record.ts), ("C", record.status_changed))
        if (record.domain, rel) in WATCHED_FILES:
            for code, when in times:
                self._add(when, "file", code, f"{record.domain} {rel}", source)
        elif record.domain == "MediaDomain" and rel.startswith(SMS_ATTACHMENTS):
            # Attachment folders and files are many: keep their times, not their records.
            cls = "sms" if rel.count("/") in (3, 4) else "abort"
            for code, when in times:
                if when is not None:
                    seq = len(self._events)
                    label = rel if cls == "sms" else ""
                    self._events.append(_Event(when.timestamp(), seq, cls, code, label, -1))

    def _add(
        self,
        when: datetime | None,
        cls: str,
        code: str,
        label: str,
        source: tuple[Record, Provenance],
    ) -> None:
        """Add an event unless the same one is known (DataUsage and netusage, many usage rows)."""
        if when is None:
            return
        ts = when.timestamp()
        key = (cls + code, label, ts)
        if key in self._seen:
            return
        self._seen.add(key)
        if not self._refs or self._refs[-1][0] is not source[0]:
            self._refs.append(source)
        ref = len(self._refs) - 1
        self._events.append(_Event(ts, len(self._events), cls, code, label, ref))

    # -- the sliding window -------------------------------------------------------------------

    @staticmethod
    def _classes(window: list[_Event]) -> set[str] | None:
        """triangle_check's ``run_heuristics``: the classes of a window, None if cancelled."""
        classes: set[str] = set()
        folders: dict[str, set[str]] = {}
        for event in window:
            if event.cls == "abort":
                return None
            if event.cls == "sms":
                folders.setdefault(event.label, set()).add(event.code)
            else:
                classes.add(event.cls)
        if any(not {"M", "C"} <= codes for codes in folders.values()):
            return None
        if folders:
            classes.add("sms")
        return classes

    def finish(self) -> Iterator[Finding]:
        events = sorted(self._events)
        start = end = -1  # current cluster of overlapping suspicious windows: events[start:end]
        classes: set[str] = set()
        for i, first in enumerate(events):
            j = i + 1
            while (
                j < min(len(events), i + WINDOW_EVENTS)
                and events[j].ts - first.ts <= WINDOW_SECONDS
            ):
                j += 1
            found = self._classes(events[i:j])
            if found is None or len(found) < 2:
                continue
            if start >= 0 and i < end:
                end, classes = max(end, j), classes | found
                continue
            if start >= 0:
                yield self._finding(events[start:end], classes)
            start, end, classes = i, j, found
        if start >= 0:
            yield self._finding(events[start:end], classes)

    def _finding(self, cluster: list[_Event], classes: set[str]) -> Finding:
        refs = list(dict.fromkeys(e.ref for e in cluster if e.ref >= 0))
        record, prov = self._refs[refs[0]]
        lines = [
            f"{datetime.fromtimestamp(e.ts, UTC).isoformat()} {e.cls}: "
            f"{_DESCRIBE.get(e.code, e.code)} {e.label}"
            for e in cluster
        ]
        kinds = ", ".join(sorted(classes))
        return Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"{len(cluster)} traces of {len(classes)} kinds ({kinds}) within 5 minutes, the "
                "pattern Kaspersky's triangle_check reports as suspected Operation "
                "Triangulation: " + "; ".join(lines)
            ),
            ts=datetime.fromtimestamp(cluster[0].ts, UTC),
            record=record,
            prov=prov,
            value=kinds,
            related=tuple(self._refs[r] for r in refs[1:]),
        )
