"""infection_sequence: every delivery and process source gives a chain, and near misses none."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.detectors.records_kit import at, make, prov
from tracehound.core.detection import from_finding
from tracehound.core.records import Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.infection_sequence import InfectionSequence
from tracehound.detectors.sequences import ENV_WINDOW
from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.parsers.ios.applications import Application
from tracehound.parsers.ios.calendar import CalendarEvent
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.idstatuscache import IdStatusLookup
from tracehound.parsers.ios.netusage import NetUsage
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage
from tracehound.parsers.ios.safari_history import SafariVisit
from tracehound.parsers.ios.sms import SmsMessage
from tracehound.parsers.ios.sms_attachments import SmsAttachment
from tracehound.parsers.ios.whatsapp import WhatsAppMessage


def run(*records: Record, index: IndicatorIndex | None = None) -> list[Finding]:
    det = InfectionSequence(window=300)
    if index is not None:
        det.use_indicators(index)
    out: list[Finding] = []
    for record in records:
        out.extend(det.feed(record, prov(record.TYPE)))
    out.extend(det.finish())
    return out


def sms(t: float) -> Record:
    return make(
        SmsMessage, ts=at(t), row=7, direction="received", service="iMessage",
        links=("https://example.org/a",),
    )  # fmt: skip


def whatsapp(t: float) -> Record:
    return make(WhatsAppMessage, ts=at(t), row=3, direction="received", links=("https://x.test/",))


def lookup(t: float) -> Record:
    return make(IdStatusLookup, ts=at(t), row=1, service="com.apple.madrid", user="mailto:a@b.test")


def attachment(t: float) -> Record:
    return make(
        SmsAttachment, ts=at(t), row=2, direction="received",
        filename="/private/var/tmp/com.apple.messages/x-1",
    )  # fmt: skip


def invitation(t: float) -> Record:
    return make(
        CalendarEvent, ts=at(t - 86_400 * 30), created=at(t), row=4, organizer_email="o@x.test"
    )


def redirect(t: float) -> tuple[Record, ...]:
    """An http:// visit redirected in 3 ms to another site (two History.db visits)."""
    first = make(
        SafariVisit, ts=at(t), row=10, url="http://news.test/", visit_id=10,
        redirect_destination=11,
    )  # fmt: skip
    second = make(
        SafariVisit, ts=at(t + 0.003), row=11, url="https://exploit.test/x", visit_id=11,
        redirect_source=10,
    )  # fmt: skip
    return first, second


def usage(name: str, first: float, cls: type[DataUsage] = DataUsage, bundle: str | None = None):  # type: ignore[no-untyped-def]
    return make(
        cls, ts=at(first + 60), first_seen=at(first), row=50, process_name=name.split("/")[0],
        process_raw=name, bundle_id=bundle, process_pk=50, usage_pk=9,
    )  # fmt: skip


def addaily(name: str, t: float) -> Record:
    return make(OsAnalyticsNetUsage, ts=at(t), process=name)


def deleted(t: float) -> Record:
    return make(DataUsage, ts=at(t), row=77, process_pk=56, usage_pk=77, process_missing=True)


Delivery = Callable[[float], Record | tuple[Record, ...]]
DELIVERIES: dict[str, Delivery] = {
    "sms": sms,
    "whatsapp": whatsapp,
    "idstatuscache": lookup,
    "attachment": attachment,
    "calendar": invitation,
    "redirect": redirect,
}


def records_of(item: Record | tuple[Record, ...]) -> tuple[Record, ...]:
    return item if isinstance(item, tuple) else (item,)


@pytest.mark.parametrize("kind", DELIVERIES)
def test_each_delivery_then_new_process_is_a_high_chain(kind: str) -> None:
    found = run(*records_of(DELIVERIES[kind](0)), usage("bh", 5))
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is Severity.HIGH
    assert finding.value == "bh"
    assert "5 s later first use of network by bh (DataUsage)" in finding.message
    assert finding.ts == at(0)
    steps = [s[0] for s in finding.steps]
    assert steps == sorted(steps) and steps[0] == at(0) and steps[-1] == at(5)
    assert finding.related[-1][0].TYPE == "ios.datausage"


@pytest.mark.parametrize("kind", DELIVERIES)
def test_each_delivery_near_miss_outside_window(kind: str) -> None:
    assert run(*records_of(DELIVERIES[kind](0)), usage("bh", 301)) == []


@pytest.mark.parametrize("kind", DELIVERIES)
def test_each_delivery_near_miss_known_process(kind: str) -> None:
    assert run(*records_of(DELIVERIES[kind](0)), usage("nsurlsessiond", 5)) == []


def test_process_before_delivery_is_no_chain() -> None:
    assert run(lookup(10), usage("bh", 5)) == []


@pytest.mark.parametrize(
    ("process", "label"),
    [
        (usage("bh", 5), "first use of network by bh (DataUsage)"),
        (usage("bh", 5, NetUsage), "first use of network by bh (netusage)"),
        (addaily("bh", 5), "network use by bh recorded in OS analytics"),
    ],
    ids=["datausage", "netusage", "addaily"],
)
def test_each_process_source_chain_and_near_misses(process: Record, label: str) -> None:
    found = run(lookup(0), process)
    assert [f.severity for f in found] == [Severity.HIGH]
    assert label in found[0].message
    assert run(lookup(-400), process) == []  # outside the window
    known = (
        addaily("mobileassetd", 5)
        if isinstance(process, OsAnalyticsNetUsage)
        else usage("mobileassetd", 5, type(process))  # type: ignore[arg-type]
    )
    assert run(lookup(0), known) == []


def test_installed_app_and_truncated_and_apple_bundle_are_known() -> None:
    app = make(Application, bundle_id="org.example.app", process="org.example.app")
    assert (
        run(lookup(0), app, usage("ExampleApp/org.example.app", 5, bundle="org.example.app")) == []
    )
    # netusage keeps 16 characters of AssetCacheLocatorService (XNU MAXCOMLEN)
    assert run(lookup(0), usage("AssetCacheLocato", 5, NetUsage)) == []
    assert run(lookup(0), usage("1FB47783-A2FE-47D9-B256-DF50EF44BBA4/com.apple.Maps", 5)) == []


def test_minutes_later_is_medium_and_cleanup_joins_in_time_order() -> None:
    found = run(deleted(200), usage("bh", 120), lookup(0), deleted(9000))
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is Severity.MEDIUM
    assert [s[2] for s in finding.steps] == [
        "identity services (iMessage/FaceTime) lookup of mailto:a@b.test",
        "first use of network by bh (DataUsage)",
        "network usage of deleted process row 56 (DataUsage)",
    ]
    assert [r.TYPE for r, _ in finding.related] == ["ios.datausage", "ios.datausage"]
    assert "2 min later first use of network by bh" in finding.message
    assert "1 min 20 s later network usage of deleted process row 56" in finding.message


def test_cleanup_without_delivery_is_no_chain() -> None:
    assert run(usage("bh", 0), deleted(20)) == []


def test_redirect_chain_names_both_urls() -> None:
    found = run(*redirect(0), usage("bh", 5))
    assert found[0].message.startswith(
        "Possible infection sequence (2 events within 5 s): HTTP redirect from "
        "http://news.test/ to https://exploit.test/x in 3 ms, 5 s later first use of network by bh"
    )
    assert [r.row for r, _ in found[0].related] == [11, 50]


def test_indicator_in_chain_is_critical() -> None:
    index = IndicatorIndex.build(load_bundled().indicators)
    found = run(lookup(0), usage("bh", 5), index=index)  # bh: a Pegasus process (Amnesty)
    assert found[0].severity is Severity.CRITICAL
    assert "indicators in the chain: bh" in found[0].message


def test_two_chains_apart_are_two_findings() -> None:
    found = run(lookup(0), usage("bh", 5), lookup(5000), usage("msgacntd", 5010))
    assert [f.value for f in found] == ["bh", "msgacntd"]


def test_window_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_WINDOW, "30")
    det = InfectionSequence()
    for record in (lookup(0), usage("bh", 45)):
        list(det.feed(record, prov(record.TYPE)))
    assert list(det.finish()) == []
    monkeypatch.setenv(ENV_WINDOW, "not a number")
    assert InfectionSequence().chains.window == 300


def test_chain_is_written_to_detections() -> None:
    detection = from_finding(run(lookup(0), usage("bh", 5))[0]).to_json()
    assert detection["chain"] == [
        {
            "ts": "2021-07-12T09:14:03+00:00",
            "artifact": "ios.idstatuscache",
            "what": "identity services (iMessage/FaceTime) lookup of mailto:a@b.test",
        },
        {
            "ts": "2021-07-12T09:14:08+00:00",
            "artifact": "ios.datausage",
            "what": "first use of network by bh (DataUsage)",
        },
    ]


# -- received links as columns (the engine's path: Detector.COLUMN_TYPES) ----------------------


def _messages(cls: type[Record]) -> list[Record]:
    """Messages of every kind feed() tells apart, with a time unknown, links Arrow cannot hold
    (a lone surrogate goes to ``_extra``) and sub-second times."""
    out: list[Record] = []
    links = [(), ("https://example.org/a",), ("https://a.test/", "https://b.test/", "c"),
             ("https://bad.test/\udcff",)]  # fmt: skip
    services = [None, "", "SMS", "iMessage"]
    for n in range(32):
        values: dict[str, object] = {
            "ts": None if n == 5 else at(n * 7.000_123),
            "row": n,
            "direction": "received" if n % 3 else "sent",
            "links": links[n % 4],
        }
        if cls is SmsMessage:
            values["service"] = services[(n // 4) % 4]
        out.append(make(cls, **values))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("cls", [SmsMessage, WhatsAppMessage])
def test_received_links_as_columns_make_the_same_chains(cls: type[Record]) -> None:
    """feed_columns on the rows wants() chose gives the events, the dropped count and the
    findings (records included) that feed() on each record gives."""
    import pyarrow as pa

    from tracehound.core.columns import records_batch
    from tracehound.pipeline import wanted_rows

    messages = _messages(cls)
    follow = usage("implant", 200.0)
    by_records = InfectionSequence(window=300)
    for record in messages:
        assert not list(by_records.feed(record, prov(record.TYPE)))
    by_records.feed(follow, prov(follow.TYPE))

    by_columns = InfectionSequence(window=300)
    batch = records_batch(cls, messages, prov(cls.TYPE))
    assert cls.TYPE in by_columns.COLUMN_TYPES
    rows = wanted_rows(by_columns, cls.TYPE, batch)  # as the engine chooses them
    assert rows is not None and 0 < len(rows) < len(messages)
    by_columns.feed_columns(cls.TYPE, batch.take(pa.array(sorted(rows), pa.int64())), cls)
    by_columns.feed(follow, prov(follow.TYPE))

    kept = [e for e in by_records.chains.events if e.kind == "delivery"]
    assert [e[:5] for e in by_columns.chains.events] == [e[:5] for e in by_records.chains.events]
    assert any("\ufffd" in e.what or "\udcff" in e.what for e in kept)  # the _extra row
    one, two = list(by_records.finish()), list(by_columns.finish())
    assert one and one == two
    assert {type(r) for r, _ in one[0].related} >= {cls}
