"""Every install or removal of a configuration profile, for the analyst to review.

Fact: MVT ``ProfileEvents`` logs each event of MCProfileEvents.plist ("process X started operation
Y of profile Z") so that profile installs by unexpected processes stand out; here each is LOW.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.profile_events import ProfileEvent


@detector
class ProfileEventLog(Detector):
    NAME = "profile_event_log"
    TYPES = (ProfileEvent.TYPE,)
    DESCRIPTION = "Configuration profile installed or removed (LOW, for review)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, ProfileEvent):
            return
        process = record.process_path or record.process or "an unknown process"
        yield Finding(
            detector=self.NAME,
            severity=Severity.LOW,
            message=(
                f"Configuration profile {record.profile_id}: operation "
                f"{record.operation or 'unknown'!r} by {process}"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.profile_id,
        )
