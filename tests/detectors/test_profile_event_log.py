from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.profile_event_log import ProfileEventLog
from tracehound.parsers.ios.configuration_profiles import ConfigurationProfile
from tracehound.parsers.ios.profile_events import ProfileEvent

T0 = datetime(2021, 6, 1, 10, 0, 0, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles"
    "/Library/ConfigurationProfiles/MCProfileEvents.plist",
    sha256=None,
    parser="ios.profile_events",
    parser_version="1",
)


def event(operation: str | None, process: str | None, path: str | None = None) -> ProfileEvent:
    return ProfileEvent(
        ts=T0,
        profile_id="com.example.wifi",
        index=0,
        operation=operation,
        process=process,
        process_path=path,
        other=(),
    )


def test_every_event_is_low() -> None:
    detector = ProfileEventLog()
    findings = list(detector.feed(event("install", "Preferences"), PROV))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.LOW and finding.ts == T0
    assert finding.value == "com.example.wifi"
    assert finding.message == (
        "Configuration profile com.example.wifi: operation 'install' by Preferences"
    )
    removal = list(detector.feed(event("remove", "mdmd", "/usr/libexec/mdmd"), PROV))
    assert removal[0].message.endswith("'remove' by /usr/libexec/mdmd")
    unknown = list(detector.feed(event(None, None), PROV))
    assert unknown[0].message.endswith("'unknown' by an unknown process")


def test_other_records_are_ignored() -> None:
    other = ConfigurationProfile(
        ts=T0,
        profile_id="U",
        identifier=None,
        display_name=None,
        organization=None,
        description=None,
        payload_type=None,
        payload_types=(),
        payload_ids=(),
        removal_disallowed=None,
        is_encrypted=False,
        signer_cert_sha256=(),
        file_name="p",
    )
    assert list(ProfileEventLog().feed(other, PROV)) == []
