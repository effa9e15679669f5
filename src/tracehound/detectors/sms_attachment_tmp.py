"""Received iMessage attachments stored under /var/tmp with a name ending in "-1".

Facts: MVT's ``SMSAttachments`` module raises a medium alert for received attachments whose
``filename`` starts with ``/var/tmp/`` and ends with ``-1``, a pattern of exploit deliveries of
the FORCEDENTRY era (Citizen Lab, Sep 2021); normal attachments live under
``~/Library/SMS/Attachments/``.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.sms_attachments import SmsAttachment

TMP_PREFIX = "/private/var/tmp/"


def is_suspicious(record: SmsAttachment) -> bool:
    """A received attachment whose canonical path is under /private/var/tmp/ and ends with -1."""
    path = record.filename or ""
    return record.direction == "received" and path.startswith(TMP_PREFIX) and path.endswith("-1")


@detector
class SmsAttachmentTmp(Detector):
    NAME = "sms_attachment_tmp"
    TYPES = (SmsAttachment.TYPE,)
    DESCRIPTION = "Received message attachment under /var/tmp/ named *-1 (exploit delivery trace)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, SmsAttachment) or not is_suspicious(record):
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                "Received message attachment stored in /var/tmp/ with a name ending in -1, "
                "as seen with zero-click iMessage exploits"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.filename_raw or record.filename,
        )
