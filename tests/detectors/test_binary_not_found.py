"""binary_not_found: DataUsage/netusage processes whose executable is not in the dump."""

from __future__ import annotations

from tests.detectors.records_kit import at, make, prov
from tracehound.core.records import Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.binary_not_found import BinaryNotFound
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.parsers.ios.filesystem import FilesystemEntry
from tracehound.parsers.ios.netusage import NetUsage

SYSTEM = [
    *(f"/usr/libexec/daemon{i}" for i in range(4)),
    "/usr/libexec/nehelper",
    *(f"/usr/sbin/tool{i}" for i in range(5)),
    *(f"/System/Library/PrivateFrameworks/F{i}.framework/F{i}" for i in range(4)),
    "/System/Library/PrivateFrameworks/AssetCacheServices.framework/AssetCacheLocatorService",
]


def files(paths: list[str]) -> list[FilesystemEntry]:
    return [make(FilesystemEntry, ts=at(0), path=p, is_dir=False) for p in paths] + [
        make(FilesystemEntry, ts=at(0), path="/usr/libexec", is_dir=True)
    ]


def usage(raw: str, first: float, bundle: str | None = None, cls: type[DataUsage] = DataUsage,
          missing: bool = False) -> DataUsage:  # fmt: skip
    return make(
        cls, ts=at(first + 30), first_seen=at(first), process_name=raw.split("/")[0] or None,
        process_raw=raw, bundle_id=bundle, process_missing=missing,
    )  # fmt: skip


def run(*records: Record) -> list[Finding]:
    det = BinaryNotFound()
    for record in records:
        assert list(det.feed(record, prov(record.TYPE))) == []
    return list(det.finish())


def test_missing_executable_on_a_whole_dump_is_one_medium_finding() -> None:
    found = run(
        *files(SYSTEM),
        usage("bh", 20),
        usage("bh", 10, cls=NetUsage),
        usage("nehelper", 5),  # its binary is in /usr/libexec
        usage("AssetCacheLocato", 5, cls=NetUsage),  # 16 characters: a truncation that matches
        usage("WhatsApp/net.whatsapp.WhatsApp", 5, bundle="net.whatsapp.WhatsApp"),  # an app
        usage("kernel_task", 5),  # the kernel, no file
        usage("", 7, missing=True),  # a deleted process row: datausage_deleted_process
    )
    assert [(f.severity, f.value) for f in found] == [(Severity.MEDIUM, "bh")]
    finding = found[0]
    assert finding.ts == at(10) and finding.record.TYPE == "ios.netusage"
    assert [r.TYPE for r, _ in finding.related] == ["ios.datausage"]
    assert finding.message == (
        "Process bh used the network first at 2021-07-12T09:14:13+00:00 (DataUsage, netusage) "
        "without a bundle id, and no file of that name is anywhere in the dump of 15 file "
        "names, which holds the system volume (files: 5 under /usr/libexec/, 5 under "
        "/usr/sbin/, 5 under /System/Library/): its executable is gone, as Pegasus deleted its "
        "binaries (Amnesty 2021). Check that the dump is whole before concluding"
    )


def test_truncated_name_without_a_match_says_so() -> None:
    [finding] = run(*files(SYSTEM), usage("ABCDEFGHIJKLMNOP", 1))
    assert finding.message.endswith("(a 16-character name may be truncated)")


def test_partial_dumps_and_backups_are_not_judged() -> None:
    assert run(usage("bh", 1)) == []  # a backup: no filesystem records at all
    no_system = [p for p in SYSTEM if not p.startswith("/System/")] + ["/private/var/x"]
    assert run(*files(no_system), usage("bh", 1)) == []
    four = [p for p in SYSTEM if p != "/usr/sbin/tool0"]  # 4 files under /usr/sbin
    assert run(*files(four), usage("bh", 1)) == []
    assert len(run(*files(SYSTEM), usage("bh", 1))) == 1
