from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.android_dangerous_permissions import (
    DANGEROUS_PERMISSIONS,
    AndroidDangerousPermissions,
)
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage

PROV = Provenance(
    source="androidqf",
    path="androidqf:dumpsys.txt",
    sha256=None,
    parser="android.dumpsys_packages",
    parser_version="1",
)
PERMS = sorted(DANGEROUS_PERMISSIONS)


def package(requested: list[str], runtime: list[str], denied: list[str]) -> DumpsysPackage:
    return DumpsysPackage(
        ts=None, package="com.spy.monitor", uid=10234, version_name="1", version_code=1,
        target_sdk=28, first_install=None, last_update=None, installer=None, system=False,
        code_path=None, requested_permissions=tuple(requested), install_permissions=(),
        runtime_permissions=tuple(runtime), denied_permissions=tuple(denied),
    )  # fmt: skip


def test_list_has_twenty_names() -> None:
    assert len(DANGEROUS_PERMISSIONS) == 20


def test_ten_dangerous_permissions_is_info() -> None:
    record = package(PERMS[:4], PERMS[3:8], [*PERMS[8:10], "android.permission.INTERNET"])
    findings = list(AndroidDangerousPermissions().feed(record, PROV))
    assert [f.severity for f in findings] == [Severity.INFO]
    assert "10 of the 20" in findings[0].message
    assert findings[0].value is not None and findings[0].value.count(",") == 9


def test_nine_is_not_enough() -> None:
    record = package(PERMS[:9], PERMS[:9], ["android.permission.INTERNET"])
    assert list(AndroidDangerousPermissions().feed(record, PROV)) == []
