"""iOS infection sequences: a delivery, seconds later a process new to the phone, clean-up.

Facts (Amnesty International, "Forensic Methodology Report: How to catch NSO Group's Pegasus",
2021; the chain logic and window are in ``detectors/sequences.py``):

- deliveries: a received SMS/iMessage or WhatsApp message with a link (1-click); an identity
  services lookup in IDStatusCache (the iMessage lookup of an attacker's iCloud account that
  preceded zero-click exploitation); a plain-HTTP Safari visit redirected in under a second to
  another site (network injection, as ``safari_redirect`` judges it); a received attachment
  staged in /var/tmp named ``*-1`` (FORCEDENTRY era, as ``sms_attachment_tmp`` judges it,
  Citizen Lab 2021); a calendar invitation (QuaDream's ENDOFDAYS, Citizen Lab 2023), at the time
  it was created on the phone;
- follow-ups: the first use of the network by an unknown process (``unknown_process``:
  neither in the bundled iOS baseline nor an installed app) in DataUsage or netusage, or its
  dated OS analytics entry;
- clean-up: network usage rows whose process row was deleted (Pegasus removed its ZPROCESS rows;
  ``datausage_deleted_process``).

Only small summaries are kept: deliveries and clean-ups as events, processes one per name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.columns import EXTRA_COLUMN
from tracehound.core.process_baseline import ProcessBaseline, bundled_baseline
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detector
from tracehound.detectors.process_appearances import (
    APP_TYPES,
    PROCESS_TYPES,
    ProcessTracker,
    process_rows,
)
from tracehound.detectors.safari_redirect import SafariRedirect
from tracehound.detectors.sequences import (
    CLEANUP,
    DELIVERY,
    Chains,
    Deferred,
    chain_finding,
    dropped_finding,
    gap_text,
    window_from_env,
)
from tracehound.detectors.sms_attachment_tmp import is_suspicious
from tracehound.iocs.index import IndicatorIndex
from tracehound.parsers.ios.calendar import CalendarEvent
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.idstatuscache import IdStatusLookup
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage
from tracehound.parsers.ios.safari_history import SafariVisit
from tracehound.parsers.ios.sms import SmsMessage
from tracehound.parsers.ios.sms_attachments import SmsAttachment
from tracehound.parsers.ios.whatsapp import WhatsAppMessage

DELIVERY_TYPES = (
    "ios.sms",
    "ios.sms_attachments",
    "ios.idstatuscache",
    "ios.safari_history",
    "ios.whatsapp",
    "ios.calendar",
)
_LINK_MESSAGES = (SmsMessage.TYPE, WhatsAppMessage.TYPE)
_NETBASE = {"ios.datausage": "DataUsage", "ios.netusage": "netusage"}
_UTC_US = pa.timestamp("us", tz="UTC")


def _links(links: Sequence[str]) -> str:
    more = f" and {len(links) - 1} more" if len(links) > 1 else ""
    return f"{links[0]}{more}"


@detector
class InfectionSequence(Detector):
    NAME = "infection_sequence"
    TYPES = DELIVERY_TYPES + PROCESS_TYPES + APP_TYPES
    DESCRIPTION = (
        "A delivery (message link, iMessage account lookup, fast HTTP redirect, staged "
        "attachment, calendar invitation) followed within minutes by the first network use of "
        "an unknown process (HIGH within a minute, CRITICAL with an indicator in the chain)"
    )

    def __init__(self, baseline: ProcessBaseline | None = None, window: float = 0.0) -> None:
        self.baseline = baseline or bundled_baseline()
        self.chains = Chains(window or window_from_env())
        self.tracker = ProcessTracker()
        self.redirects = SafariRedirect()
        self.index: IndicatorIndex | None = None

    def use_indicators(self, index: IndicatorIndex) -> None:
        self.index = index

    #: Received links are kept as columns: a phone holds tens of thousands, a chain a few.
    COLUMN_TYPES = frozenset(_LINK_MESSAGES)

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        if type_name in _LINK_MESSAGES:  # only a received message with a link is a delivery
            received = pc.equal(batch.column("direction"), "received")
            return pc.and_(received, pc.greater(pc.list_value_length(batch.column("links")), 0))
        if type_name == SafariVisit.TYPE:  # only redirects matter (safari_redirect)
            return self.redirects.wants(type_name, batch)
        rows = process_rows(type_name, batch)  # each process's first and earliest rows
        if rows is not None and "process_missing" in batch.schema.names:
            return pc.or_(rows, batch.column("process_missing"))  # and every deleted-process row
        return rows

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if record.TYPE in PROCESS_TYPES or record.TYPE in APP_TYPES:
            self.tracker.feed(record, prov)
            if isinstance(record, DataUsage) and record.process_missing:
                self._deleted(record, prov)
        elif record.TYPE == "ios.safari_history":
            for found in self.redirects.feed(record, prov):
                self._redirect(found)
        else:
            self._delivery(record, prov)
        return iter(())

    def feed_columns(self, type_name: str, batch: pa.RecordBatch, cls: type[Record]) -> None:
        """Received messages with links as deliveries, from the columns (``_delivery``'s test
        and wording); a row with values Arrow could not hold (``_extra``) as its record."""
        micros = pc.cast(pc.cast(batch.column("ts"), _UTC_US), pa.int64()).to_pylist()
        directions = batch.column("direction").to_pylist()
        links = batch.column("links").to_pylist()
        services = batch.column("service").to_pylist() if type_name == SmsMessage.TYPE else None
        names = batch.schema.names
        odd = batch.column(EXTRA_COLUMN).is_valid().to_pylist() if EXTRA_COLUMN in names else None
        for row, us in enumerate(micros):
            if odd is not None and odd[row]:
                record, prov = Deferred(cls, batch, row).source()
                self._delivery(record, prov)
                continue
            found = links[row]
            if directions[row] != "received" or not found:
                continue
            if services is None:
                what = f"WhatsApp message received with link {_links(found)}"
            else:
                what = f"{services[row] or 'SMS'} message received with link {_links(found)}"
            self.chains.add_deferred(DELIVERY, us, what, Deferred(cls, batch, row))

    def _redirect(self, found: Finding) -> None:
        """A redirect ``safari_redirect`` judged fast and cross-site: the visit and its target."""
        first = found.record
        url = first.url if isinstance(first, SafariVisit) else None
        sources = [(found.record, found.prov), *found.related[:1]]
        target = found.related[0][0].ts if found.related else None
        delay = ""
        if target is not None and first.ts is not None:
            delay = f" in {gap_text((target - first.ts).total_seconds())}"
        what = f"HTTP redirect from {url} to {found.value}{delay}"
        self.chains.add(DELIVERY, found.ts, what, *sources)

    def _delivery(self, record: Record, prov: Provenance) -> None:
        what = None
        when = record.ts
        if isinstance(record, SmsMessage) and record.direction == "received" and record.links:
            what = f"{record.service or 'SMS'} message received with link {_links(record.links)}"
        elif isinstance(record, WhatsAppMessage) and record.direction == "received":
            if record.links:
                what = f"WhatsApp message received with link {_links(record.links)}"
        elif isinstance(record, IdStatusLookup):
            user = record.user.replace("\x00", "\\x00")
            what = f"identity services (iMessage/FaceTime) lookup of {user}"
        elif isinstance(record, SmsAttachment) and is_suspicious(record):
            what = f"message attachment staged at {record.filename}"
        elif isinstance(record, CalendarEvent) and record.organizer_email:
            what = f"calendar invitation from {record.organizer_email}"
            when = record.created
        if what is not None:
            self.chains.add(DELIVERY, when, what, (record, prov))

    def _deleted(self, record: DataUsage, prov: Provenance) -> None:
        """Usage rows of a deleted process row: one clean-up event per row time."""
        where = _NETBASE.get(record.TYPE, record.TYPE)
        what = f"network usage of deleted process row {record.process_pk} ({where})"
        self.chains.add(CLEANUP, record.ts, what, (record, prov))

    def finish(self) -> Iterator[Finding]:
        self.redirects.finish()
        for item in self.tracker.unknown(self.baseline):
            what = f"first use of network by {item.short} ({item.where})"
            if isinstance(item.record, OsAnalyticsNetUsage):
                what = f"network use by {item.short} recorded in OS analytics"
            self.chains.follow_up(item.short, item.first, what, (item.record, item.prov))
            for record, prov in item.others:
                if isinstance(record, OsAnalyticsNetUsage):
                    label = f"network use by {item.short} recorded in OS analytics"
                    self.chains.follow_up(item.short, record.ts, label, (record, prov))
        for chain in self.chains.chains():
            value = self.chains.named(chain)
            yield chain_finding(self.NAME, self.chains, chain, self.index, value)
        yield from dropped_finding(self.NAME, self.chains)
