"""Android settings that weaken protections against malicious apps, or enable accessibility.

Facts:
- MVT ``ANDROID_DANGEROUS_SETTINGS`` (``src/mvt/android/artifacts/settings.py``): these keys with
  a value other than ``1`` → MEDIUM: ``verifier_verify_adb_installs``, ``package_verifier_enable``,
  ``package_verifier_state``, ``package_verifier_user_consent``, ``upload_apk_enable``,
  ``adb_install_need_confirm``, ``send_security_reports``, ``samsung_errorlog_agree``,
  ``send_action_app_error``; and ``accessibility_enabled`` other than ``0`` → MEDIUM. The key is
  looked up in every namespace, as MVT does.
- ``Settings.Secure.INSTALL_NON_MARKET_APPS`` (``install_non_market_apps``): 1 lets the package
  installer install apps from unknown sources (Android reference); deprecated in Android 8 (API
  26), where the legacy value is always 1 and the permission is per app (MVT issue #459). So it
  is flagged (LOW) only when ``ro.build.version.sdk`` (getprop) is below 26 or unknown.
- ``Settings.Global.ADB_ENABLED`` (``adb_enabled``): USB debugging on. androidqf needs it to
  acquire, so it is only context (INFO).
- ``Settings.Secure.ENABLED_ACCESSIBILITY_SERVICES`` lists the enabled services; it is quoted in
  the accessibility finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.getprop import Property
from tracehound.parsers.android.settings import Setting

#: key -> (safe value, what another value means)
DANGEROUS: dict[str, tuple[str, str]] = {
    "verifier_verify_adb_installs": ("1", "apps installed over adb are not verified"),
    "package_verifier_enable": ("1", "Google Play Protect app verification is off"),
    "package_verifier_state": ("1", "APK package verification is off"),
    "package_verifier_user_consent": ("1", "Google Play Protect scanning is not consented"),
    "upload_apk_enable": ("1", "unknown apps are not sent to Google Play Protect for analysis"),
    "adb_install_need_confirm": ("1", "apps installed over adb need no confirmation"),
    "send_security_reports": ("1", "security reports are not shared"),
    "samsung_errorlog_agree": ("1", "crash logs are not shared with the manufacturer"),
    "send_action_app_error": ("1", "app error reports are disabled"),
}
ACCESSIBILITY = "accessibility_enabled"
SERVICES = "enabled_accessibility_services"
NON_MARKET = "install_non_market_apps"
ADB = "adb_enabled"
SDK_PROPERTY = "ro.build.version.sdk"
OREO_SDK = 26


def _finding(severity: Severity, message: str, record: Setting, prov: Provenance) -> Finding:
    return Finding(
        detector=DangerousSettings.NAME,
        severity=severity,
        message=message,
        ts=record.ts,
        record=record,
        prov=prov,
        value=f"{record.key}={record.value}",
    )


@detector
class DangerousSettings(Detector):
    NAME = "android_dangerous_settings"
    TYPES = (Setting.TYPE, Property.TYPE)
    DESCRIPTION = (
        "Settings that disable app verification or error reporting, enabled accessibility "
        "(MEDIUM); unknown sources allowed before Android 8 (LOW); USB debugging on (INFO)"
    )

    def __init__(self) -> None:
        self.accessibility: list[tuple[Setting, Provenance]] = []
        self.services: list[str] = []
        self.non_market: list[tuple[Setting, Provenance]] = []
        self.sdk: int | None = None

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, Property):
            if record.name == SDK_PROPERTY and record.value.strip().isdigit():
                self.sdk = int(record.value.strip())
            return
        if not isinstance(record, Setting):
            return
        value = record.value.strip()
        if record.key in DANGEROUS:
            safe, meaning = DANGEROUS[record.key]
            if value != safe:
                yield _finding(
                    Severity.MEDIUM,
                    f"Setting {record.key} is {value!r} instead of {safe!r}: {meaning}",
                    record,
                    prov,
                )
        elif record.key == ACCESSIBILITY and value != "0":
            self.accessibility.append((record, prov))
        elif record.key == SERVICES and value:
            self.services.append(value)
        elif record.key == NON_MARKET and value == "1":
            self.non_market.append((record, prov))
        elif record.key == ADB and value == "1":
            yield _finding(
                Severity.INFO,
                "USB debugging (adb_enabled=1) was on at acquisition: androidqf needs it, but "
                "left on it lets an authorized computer install apps and read data",
                record,
                prov,
            )

    def finish(self) -> Iterator[Finding]:
        services = "; ".join(self.services) or "not listed in the settings"
        for record, prov in self.accessibility:
            yield _finding(
                Severity.MEDIUM,
                f"Accessibility services are enabled ({record.key}={record.value.strip()}): "
                "such a service can read the screen and act for the user, as stalkerware "
                f"does. Enabled services: {services}",
                record,
                prov,
            )
        if self.sdk is not None and self.sdk >= OREO_SDK:
            return
        version = f"SDK {self.sdk}" if self.sdk is not None else "Android version unknown"
        for record, prov in self.non_market:
            yield _finding(
                Severity.LOW,
                f"Installing apps from unknown sources is allowed (install_non_market_apps=1, "
                f"{version}); from Android 8 this legacy value is always 1 and means nothing",
                record,
                prov,
            )
