"""Packages requesting many potentially dangerous permissions (informational).

Facts: MVT (``mvt/android/utils.py``) defines ``DANGEROUS_PERMISSIONS`` (the 20 names below)
and ``DANGEROUS_PERMISSIONS_THRESHOLD = 10``; its ``Packages`` modules log, at info level, each
package with at least 10 of them among its permissions (requested, install or runtime, granted
or not). Spyware asks for most of them; so do some messaging and dialer apps.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage

THRESHOLD = 10
DANGEROUS_PERMISSIONS = frozenset(
    {
        "android.permission.ACCESS_COARSE_LOCATION",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.AUTHENTICATE_ACCOUNTS",
        "android.permission.CAMERA",
        "android.permission.DISABLE_KEYGUARD",
        "android.permission.PROCESS_OUTGOING_CALLS",
        "android.permission.READ_CALENDAR",
        "android.permission.READ_CALL_LOG",
        "android.permission.READ_CONTACTS",
        "android.permission.READ_PHONE_STATE",
        "android.permission.READ_SMS",
        "android.permission.RECEIVE_MMS",
        "android.permission.RECEIVE_SMS",
        "android.permission.RECEIVE_WAP_PUSH",
        "android.permission.RECORD_AUDIO",
        "android.permission.SEND_SMS",
        "android.permission.SYSTEM_ALERT_WINDOW",
        "android.permission.USE_CREDENTIALS",
        "android.permission.USE_SIP",
        "com.android.browser.permission.READ_HISTORY_BOOKMARKS",
    }
)


def dangerous(record: DumpsysPackage) -> list[str]:
    """The dangerous permissions among all the permissions ``record`` lists, sorted."""
    listed = {
        *record.requested_permissions,
        *record.install_permissions,
        *record.runtime_permissions,
        *record.denied_permissions,
    }
    return sorted(listed & DANGEROUS_PERMISSIONS)


@detector
class AndroidDangerousPermissions(Detector):
    NAME = "android_dangerous_permissions"
    TYPES = (DumpsysPackage.TYPE,)
    DESCRIPTION = "Android packages requesting 10 or more potentially dangerous permissions"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, DumpsysPackage):
            return
        found = dangerous(record)
        if len(found) < THRESHOLD:
            return
        kind = "System package" if record.system else "Package"
        yield Finding(
            detector=self.NAME,
            severity=Severity.INFO,
            message=(
                f"{kind} {record.package} requests {len(found)} of the "
                f"{len(DANGEROUS_PERMISSIONS)} potentially dangerous permissions"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=", ".join(p.rsplit(".", 1)[-1] for p in found),
        )
