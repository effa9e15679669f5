from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.profile_notification_settings import ProfileNotificationSettings
from tracehound.parsers.ios.configuration_profiles import ConfigurationProfile

T0 = datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC)
UUID = "7A1C2E3F-1111-4B2C-9D8E-0123456789AB"
PROV = Provenance(
    source="ios_backup",
    path="/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles"
    "/Library/ConfigurationProfiles/profile-abc.stub",
    sha256=None,
    parser="ios.configuration_profiles",
    parser_version="1",
)


def profile(types: tuple[str, ...], name: str | None = "Helper") -> ConfigurationProfile:
    return ConfigurationProfile(
        ts=T0,
        profile_id=UUID,
        identifier="com.example.helper",
        display_name=name,
        organization=None,
        description=None,
        payload_type="Configuration",
        payload_types=types,
        payload_ids=(),
        removal_disallowed=None,
        is_encrypted=False,
        signer_cert_sha256=(),
        file_name="profile-abc.stub",
    )


def run(record: ConfigurationProfile) -> list[Finding]:
    return list(ProfileNotificationSettings().feed(record, PROV))


def test_notification_payload_is_medium_even_when_not_first() -> None:
    findings = run(profile(("com.apple.wifi.managed", "com.apple.notificationsettings")))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.MEDIUM and finding.value == UUID and finding.ts == T0
    assert "'Helper'" in finding.message and UUID in finding.message
    unnamed = run(profile(("com.apple.notificationsettings",), name=None))
    assert "com.example.helper" in unnamed[0].message


def test_other_payloads_are_quiet() -> None:
    assert run(profile(("com.apple.wifi.managed", "com.apple.vpn.managed"))) == []
    assert run(profile(())) == []
