"""unknown_process and the bundled baseline of iOS processes."""

from __future__ import annotations

import json

from tests.detectors.records_kit import at, make, prov
from tracehound.core.process_baseline import BASELINE_PATH, bundled_baseline
from tracehound.core.records import Record
from tracehound.core.registry import Finding, Severity
from tracehound.demo import content
from tracehound.detectors.unknown_process import UnknownProcess
from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.stix import IocKind
from tracehound.parsers.ios.applications import Application
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.netusage import NetUsage
from tracehound.parsers.ios.osanalytics_addaily import OsAnalyticsNetUsage


def run(*records: Record) -> list[Finding]:
    det = UnknownProcess()
    for record in records:
        assert list(det.feed(record, prov(record.TYPE))) == []
    return list(det.finish())


def usage(
    raw: str, first: float, bundle: str | None = None, cls: type[DataUsage] = DataUsage
) -> DataUsage:
    return make(
        cls, ts=at(first + 30), first_seen=at(first), row=3, process_name=raw.split("/")[0],
        process_raw=raw, bundle_id=bundle, process_pk=3,
    )  # fmt: skip


def test_new_process_is_one_low_finding_at_its_first_use() -> None:
    found = run(
        usage("msgacntd", 20),
        make(OsAnalyticsNetUsage, ts=at(9000), process="msgacntd"),
        usage("msgacntd", 10, cls=NetUsage),
    )
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is Severity.LOW
    assert finding.value == "msgacntd"
    assert finding.ts == at(10) and finding.record.TYPE == "ios.netusage"
    assert sorted(r.TYPE for r, _ in finding.related) == [
        "ios.datausage",
        "ios.osanalytics_addaily",
    ]
    assert bundled_baseline().label() in finding.message
    assert "baseline 2026.12.1 (429 process names from iOS 9.3 to 15.1 phones)" in finding.message


def test_known_processes_are_not_reported() -> None:
    app = make(Application, bundle_id="net.whatsapp.WhatsApp", process="net.whatsapp.WhatsApp")
    assert (
        run(
            usage("nsurlsessiond", 0),
            usage("mDNSResponder/com.apple.datausage.dns", 0, "com.apple.datausage.dns"),
            usage("IMRemoteURLConne", 0, cls=NetUsage),  # truncated to 16 characters
            usage("1FB47783-A2FE-47D9-B256-DF50EF44BBA4/com.apple.Maps", 0, "com.apple.Maps"),
            app,
            usage("WhatsApp/net.whatsapp.WhatsApp", 0, "net.whatsapp.WhatsApp"),
            # the executable name is learnt from the DataUsage row for OS analytics
            make(OsAnalyticsNetUsage, ts=at(5), process="WhatsApp"),
            # a deleted app's rows keep its bundle id
            usage("Deliveroo/com.deliveroo.orderapp", 0, "com.deliveroo.orderapp"),
        )
        == []
    )


def test_deleted_process_rows_and_unnamed_rows_are_not_processes() -> None:
    gone = make(DataUsage, ts=at(0), process_pk=9, process_missing=True)
    assert run(gone) == []


def test_sixteen_characters_that_prefix_nothing_are_unknown() -> None:
    assert [f.value for f in run(usage("com.apple.Nothin", 0, cls=NetUsage))] == [
        "com.apple.Nothin"
    ]


def test_baseline_never_lists_a_spyware_process_name() -> None:
    spyware = {i.value for i in load_bundled().indicators if i.kind is IocKind.PROCESS}
    baseline = bundled_baseline()
    assert not spyware & baseline.names
    data = json.loads(BASELINE_PATH.read_text(encoding="utf-8"))
    assert data["refused_spyware_names"] == ["BackupAgent"]
    assert "bh" not in baseline.names and "msgacntd" not in baseline.names


def test_demo_benign_processes_are_all_known() -> None:
    baseline = bundled_baseline()
    apps = {b for b, _, _ in content.APPS}
    unknown = [(n, b) for n, b in content.PROCESSES if baseline.why_known(n, b, apps) is None]
    assert unknown == []
