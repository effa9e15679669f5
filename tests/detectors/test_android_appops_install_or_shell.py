from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_appops_install_or_shell import AndroidAppopsInstallOrShell
from tracehound.parsers.android.dumpsys_appops import AppOp

PROV = Provenance(
    source="androidqf",
    path="androidqf:dumpsys.txt",
    sha256=None,
    parser="android.dumpsys_appops",
    parser_version="1",
)
T1 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def op(package: str, name: str, mode: str = "allow", ts: datetime | None = None) -> AppOp:
    return AppOp(
        ts=ts, package=package, uid="u0a1", op=name, mode=mode,
        access="Access" if ts else None, uid_state=None, relative=None, duration=None,
        attribution=None, proxy=None,
    )  # fmt: skip


def run(*records: AppOp) -> list[Finding]:
    det = AndroidAppopsInstallOrShell()
    for record in records:
        assert list(det.feed(record, PROV)) == []
    return list(det.finish())


def test_install_permission_once_per_package_with_latest_time() -> None:
    findings = run(
        op("com.spy.monitor", "REQUEST_INSTALL_PACKAGES", ts=T1),
        op("com.spy.monitor", "REQUEST_INSTALL_PACKAGES", ts=T2),
        op("com.spy.monitor", "REQUEST_INSTALL_PACKAGES", ts=None),
    )
    assert [(f.severity, f.ts, f.value) for f in findings] == [
        (Severity.MEDIUM, T2, "com.spy.monitor REQUEST_INSTALL_PACKAGES")
    ]
    assert "allowed to install" in findings[0].message


def test_any_shell_op_once_per_op() -> None:
    findings = run(
        op("com.android.shell", "READ_CLIPBOARD", mode="ignore"),
        op("com.android.shell", "READ_CLIPBOARD", ts=T1),
        op("com.android.shell", "GET_USAGE_STATS"),
    )
    assert sorted(f.value or "" for f in findings) == [
        "com.android.shell GET_USAGE_STATS",
        "com.android.shell READ_CLIPBOARD",
    ]
    assert all(f.severity is Severity.MEDIUM for f in findings)


def test_negative_cases() -> None:
    assert (
        run(
            op("org.example.browser", "REQUEST_INSTALL_PACKAGES", mode="ignore"),
            op("org.example.browser", "REQUEST_INSTALL_PACKAGES", mode="default"),
            op("org.example.chat", "READ_CONTACTS", ts=T1),
        )
        == []
    )
