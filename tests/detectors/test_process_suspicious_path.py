from __future__ import annotations

from tests.detectors.records_kit import T0, make
from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.process_suspicious_path import ProcessSuspiciousPath
from tracehound.parsers.ios.crash_reports import CrashReport
from tracehound.parsers.ios.sysdiagnose_ps import SysdiagnoseProcess

STAGED = "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd"


def _prov(path: str, parser: str) -> Provenance:
    return Provenance(
        source="sysdiagnose", path=path, sha256="0" * 64, parser=parser, parser_version="1"
    )


def test_running_and_crashing_from_watched_folders() -> None:
    det = ProcessSuspiciousPath()
    ps = _prov("sysdiagnose:ps.txt", "ios.sysdiagnose_ps")
    ips = _prov("sysdiagnose:crashes_and_spins/a.ips", "ios.crash_reports")
    found = [
        *det.feed(make(SysdiagnoseProcess, pid=1812, path=STAGED), ps),
        *det.feed(make(SysdiagnoseProcess, pid=1813, path=STAGED), ps),  # same path: once
        *det.feed(make(SysdiagnoseProcess, pid=9, path="/var/tmp/x"), ps),
        *det.feed(make(SysdiagnoseProcess, pid=1, path="/sbin/launchd"), ps),
        *det.feed(make(CrashReport, ts=T0, path=STAGED, bug_type="309", entry="report"), ips),
        *det.feed(make(CrashReport, ts=T0, path=None, entry="jetsam_process"), ips),
        *det.finish(),
    ]
    assert [(f.value, f.severity, f.prov.path) for f in found] == [
        (STAGED, Severity.HIGH, "sysdiagnose:ps.txt"),
        ("/var/tmp/x", Severity.HIGH, "sysdiagnose:ps.txt"),
        (STAGED, Severity.HIGH, "sysdiagnose:crashes_and_spins/a.ips"),
    ]
    assert "Pegasus" in found[0].message and "Predator" in found[1].message
    assert "crashed (report bug type 309)" in found[2].message and found[2].ts == T0


def test_data_folders_outside_app_bundles_are_medium() -> None:
    det = ProcessSuspiciousPath()
    ps = _prov("sysdiagnose:ps.txt", "ios.sysdiagnose_ps")
    app = "/private/var/containers/Bundle/Application/0A1B2C3D-0000-4000-8000-000000000001"
    found = [
        *det.feed(make(SysdiagnoseProcess, pid=5, path=f"{app}/Notes.app/Notes"), ps),
        *det.feed(make(SysdiagnoseProcess, pid=6, path="/private/var/root/Library/x/ctcd"), ps),
        *det.feed(make(SysdiagnoseProcess, pid=7, path="/private/var/mobile/Media/y"), ps),
    ]
    assert [(f.value, f.severity) for f in found] == [
        ("/private/var/root/Library/x/ctcd", Severity.MEDIUM),
        ("/private/var/mobile/Media/y", Severity.MEDIUM),
    ]
    assert "root's home folder" in found[0].message


def test_ps_thread_processes() -> None:
    from tracehound.parsers.ios.sysdiagnose_ps_thread import SysdiagnoseThreadProcess

    det = ProcessSuspiciousPath()
    prov = _prov("sysdiagnose:ps_thread.txt", "ios.sysdiagnose_ps_thread")
    found = [
        *det.feed(make(SysdiagnoseThreadProcess, pid=1812, path=STAGED, threads=3), prov),
        *det.feed(make(SysdiagnoseThreadProcess, pid=1, path="/sbin/launchd", threads=9), prov),
    ]
    assert [(f.value, f.severity, f.prov.path) for f in found] == [
        (STAGED, Severity.HIGH, "sysdiagnose:ps_thread.txt")
    ]
    assert "was running when the sysdiagnose was taken" in found[0].message
