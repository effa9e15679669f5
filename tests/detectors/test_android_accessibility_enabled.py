from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.android_accessibility_enabled import AndroidAccessibilityEnabled
from tracehound.parsers.android.dumpsys_accessibility import AccessibilityService

PROV = Provenance(
    source="androidqf",
    path="androidqf:dumpsys.txt",
    sha256=None,
    parser="android.dumpsys_accessibility",
    parser_version="1",
)


def service(component: str, enabled: bool, user: int | None = 0) -> AccessibilityService:
    return AccessibilityService(
        ts=None,
        package=component.split("/")[0],
        service=component,
        enabled=enabled,
        installed=True,
        user=user,
    )


def test_enabled_service_is_medium() -> None:
    findings = list(
        AndroidAccessibilityEnabled().feed(service("com.spy.monitor/com.spy.monitor.A", True), PROV)
    )
    assert [f.severity for f in findings] == [Severity.MEDIUM]
    assert findings[0].value == "com.spy.monitor/com.spy.monitor.A"
    assert "com.spy.monitor" in findings[0].message and "user 0" in findings[0].message
    assert "stalkerware" in findings[0].message


def test_installed_but_disabled_is_ignored() -> None:
    det = AndroidAccessibilityEnabled()
    assert list(det.feed(service("com.google.talkback/.T", False), PROV)) == []
    assert list(det.finish()) == []
