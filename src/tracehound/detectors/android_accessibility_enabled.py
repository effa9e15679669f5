"""Enabled Android accessibility services.

Facts: an accessibility service receives the content of every screen and can act for the user
(AOSP ``AccessibilityService`` documentation). Stalkerware relies on it to read messages and
keep itself running (the Coalition Against Stalkerware and the stalkerware indicators that MVT
ships list accessibility abuse among the common techniques); MVT's ``DumpsysAccessibility``
lists the services so an analyst can review them. Every enabled service is worth a look, since
legitimate ones (screen readers, password managers) are few.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_accessibility import AccessibilityService


@detector
class AndroidAccessibilityEnabled(Detector):
    NAME = "android_accessibility_enabled"
    TYPES = (AccessibilityService.TYPE,)
    DESCRIPTION = "Accessibility services enabled on Android (a common stalkerware technique)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, AccessibilityService) or not record.enabled:
            return
        user = f" for user {record.user}" if record.user is not None else ""
        yield Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Accessibility service of {record.package} is enabled{user}: it can read the "
                "screen and act for the user, a common stalkerware technique"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.service,
        )
