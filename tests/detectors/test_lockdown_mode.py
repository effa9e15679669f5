from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.lockdown_mode import LockdownMode
from tracehound.parsers.ios.global_preferences import GlobalPreference
from tracehound.parsers.ios.managed_settings import ManagedSetting

PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/Preferences/.GlobalPreferences.plist",
    sha256=None,
    parser="ios.global_preferences",
    parser_version="1",
)


def run(key: str, value: str, kind: str = "bool") -> list[Finding]:
    record = GlobalPreference(ts=None, key=key, value=value, value_type=kind)
    return list(LockdownMode().feed(record, PROV))


def test_enabled_is_info() -> None:
    for value, kind in (("True", "bool"), ("1", "int")):
        findings = run("LDMGlobalEnabled", value, kind)
        assert [(f.severity, f.message) for f in findings] == [
            (Severity.INFO, "Lockdown Mode is enabled")
        ]
        assert findings[0].value == value and findings[0].ts is None


def test_disabled_is_low() -> None:
    for value, kind in (("False", "bool"), ("0", "int")):
        findings = run("LDMGlobalEnabled", value, kind)
        assert [(f.severity, f.message) for f in findings] == [
            (Severity.LOW, "Lockdown Mode is disabled")
        ]


def test_other_keys_are_ignored() -> None:
    assert run("AppleLocale", "en_US", "str") == []
    assert run("LDMGlobalEnabledX", "True") == []


def test_management_restriction_forbidding_lockdown_mode_is_low() -> None:
    prov = Provenance(
        source="sysdiagnose",
        path="sysdiagnose:logs/MCState/User/EffectiveUserSettings.plist",
        sha256=None,
        parser="ios.managed_settings",
        parser_version="1",
    )

    def feed(key: str, value: str) -> list[Finding]:
        record = ManagedSetting(ts=None, group="restrictedBool", key=key, value=value)
        return list(LockdownMode().feed(record, prov))

    found = feed("allowLockdownMode", "False")
    assert [(f.severity, f.value) for f in found] == [(Severity.LOW, "False")]
    assert "a management restriction (allowLockdownMode = False)" in found[0].message
    assert feed("allowLockdownMode", "True") == [] and feed("allowCamera", "False") == []
