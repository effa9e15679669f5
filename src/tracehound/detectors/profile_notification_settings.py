"""Configuration profiles carrying a notification settings payload (can silence notifications).

Fact: MVT ``ConfigurationProfiles.check_indicators`` flags a profile whose payload type is
``com.apple.notificationsettings`` as "potentially suspicious" (such a profile can hide the alerts
of chosen apps). MVT looks at the first payload only; every payload is checked here.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.configuration_profiles import ConfigurationProfile

PAYLOAD = "com.apple.notificationsettings"


@detector
class ProfileNotificationSettings(Detector):
    NAME = "profile_notification_settings"
    TYPES = (ConfigurationProfile.TYPE,)
    DESCRIPTION = "Configuration profile with a notification settings payload (MEDIUM)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, ConfigurationProfile) or PAYLOAD not in record.payload_types:
            return
        name = record.display_name or record.identifier or "(unnamed)"
        yield Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Configuration profile {name!r} ({record.profile_id or 'no UUID'}) changes "
                "notification settings and can hide notifications"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.profile_id,
        )
