from __future__ import annotations

from collections.abc import Sequence

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_dangerous_settings import DangerousSettings
from tracehound.parsers.android.getprop import Property
from tracehound.parsers.android.settings import Setting


def prov(namespace: str) -> Provenance:
    return Provenance(
        source="androidqf",
        path=f"androidqf:settings_{namespace}.txt",
        sha256=None,
        parser="android.settings",
        parser_version="1",
    )


def setting(key: str, value: str, namespace: str = "global") -> Setting:
    return Setting(ts=None, namespace=namespace, key=key, value=value)


def sdk(value: str) -> Property:
    return Property(ts=None, name="ro.build.version.sdk", value=value, acquired=None,
                    origin="getprop")  # fmt: skip


def run(records: Sequence[Record]) -> list[Finding]:
    det = DangerousSettings()
    out: list[Finding] = []
    for record in records:
        ns = record.namespace if isinstance(record, Setting) else "x"
        out.extend(det.feed(record, prov(ns or "x")))
    out.extend(det.finish())
    return out


def test_disabled_protections_are_medium() -> None:
    findings = run([setting("package_verifier_enable", "0"), setting("upload_apk_enable", "1"),
                    setting("send_action_app_error", "0", "secure")])  # fmt: skip
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.MEDIUM, "package_verifier_enable=0"),
        (Severity.MEDIUM, "send_action_app_error=0"),
    ]
    assert "Google Play Protect app verification is off" in findings[0].message
    assert findings[0].detector == "android_dangerous_settings"


def test_accessibility_names_the_services() -> None:
    findings = run([
        setting("accessibility_enabled", "1", "secure"),
        setting("enabled_accessibility_services", "com.apspy.app/.AccService", "secure"),
    ])  # fmt: skip
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.MEDIUM, "accessibility_enabled=1")
    ]
    assert "com.apspy.app/.AccService" in findings[0].message
    assert run([setting("accessibility_enabled", "0", "secure")]) == []


def test_unknown_sources_depends_on_android_version() -> None:
    record = setting("install_non_market_apps", "1", "secure")
    assert run([sdk("33"), record]) == []  # always 1 from Android 8
    old = run([record, sdk("25")])
    assert [(f.severity, f.value) for f in old] == [(Severity.LOW, "install_non_market_apps=1")]
    assert "SDK 25" in old[0].message
    unknown = run([record])
    assert len(unknown) == 1 and "Android version unknown" in unknown[0].message
    assert run([setting("install_non_market_apps", "0", "secure"), sdk("19")]) == []


def test_adb_enabled_is_info_and_stock_values_are_quiet() -> None:
    findings = run([setting("adb_enabled", "1")])
    assert [(f.severity, f.value) for f in findings] == [(Severity.INFO, "adb_enabled=1")]
    stock = [setting("package_verifier_user_consent", "1"), setting("adb_enabled", "0"),
             setting("verifier_verify_adb_installs", "1"), setting("wifi_on", "0")]  # fmt: skip
    assert run(stock) == []
