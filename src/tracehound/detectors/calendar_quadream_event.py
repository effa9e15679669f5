"""Calendar events shaped like QuaDream's ENDOFDAYS exploit invitations.

Facts: MVT's ``Calendar.check_indicators`` raises a HIGH alert "Potential Quadream exploit event"
for any calendar item whose summary is exactly ``Meeting`` and whose description is exactly
``Notes``. Background [recalled, not re-read for this file]: Citizen Lab's report on QuaDream's
REIGN spyware ("Sweet QuaDreams", 11 April 2023) and Microsoft Threat Intelligence's companion
post on the same actor (DEV-0196, "KingsPawn") describe ENDOFDAYS, a zero-click iOS 14 exploit
delivered through iCloud calendar invitations dated in the past, so that the user never sees
them. The creation-versus-start gap is added to the message because such a backdated event is
created on the device long after its start date.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.calendar import CalendarEvent

SUMMARY = "Meeting"
DESCRIPTION = "Notes"
_DAY = 86400.0


@detector
class CalendarQuadreamEvent(Detector):
    NAME = "calendar_quadream_event"
    TYPES = (CalendarEvent.TYPE,)
    DESCRIPTION = (
        "Calendar event titled 'Meeting' with notes 'Notes': the shape of QuaDream's ENDOFDAYS "
        "exploit invitations (Citizen Lab / Microsoft, April 2023)"
    )

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, CalendarEvent):
            return
        if (record.summary or "").strip() != SUMMARY:
            return
        if (record.description or "").strip() != DESCRIPTION:
            return
        message = (
            "Possible QuaDream (REIGN) exploit event: a calendar invitation titled 'Meeting' "
            "with notes 'Notes', the pattern of the ENDOFDAYS zero-click exploit (invisible "
            "iCloud calendar invitations dated in the past)"
        )
        gap = record.created_after_start
        if gap is not None and gap > _DAY:
            message += f"; it was created {gap / _DAY:.0f} days after its own start date"
        if record.organizer_email:
            message += f"; organizer: {record.organizer_email}"
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=message,
            ts=record.created or record.ts,
            record=record,
            prov=prov,
            value=record.uuid or record.unique_identifier,
        )
