"""Apple threat notifications received by iMessage/SMS: Apple saw a targeted spyware attack.

Facts: MVT's ``SMS`` module warns on messages whose text starts with Apple's notification
wording, the original one ("ALERT: State-sponsored attackers may be targeting your iPhone") and
the newer one ("ALERT: Apple detected a targeted mercenary spyware attack against your iPhone"),
which Apple adopted in 2024 when it stopped saying "state-sponsored".
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.sms import SmsMessage

PREFIXES = (
    "ALERT: State-sponsored attackers may be targeting your iPhone",
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone",
)

_COMMON = os.path.commonprefix(PREFIXES)  # noqa: RUF071  (text, not paths: "ALERT: ")


def is_threat_notification(text: str | None) -> bool:
    """True if ``text`` starts (after leading blanks) with one of Apple's alert wordings."""
    return text is not None and text.lstrip().startswith(PREFIXES)


@detector
class SmsThreatNotification(Detector):
    NAME = "sms_threat_notification"
    TYPES = (SmsMessage.TYPE,)
    DESCRIPTION = "Apple threat notification about state-sponsored or mercenary spyware attacks"

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        # Every wording begins with the same words: a message without them is no notification.
        return pc.match_substring(batch.column("text"), _COMMON)

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, SmsMessage) or not is_threat_notification(record.text):
            return
        if record.direction == "received":
            severity = Severity.HIGH
            message = (
                "Apple notified the user of a targeted (state-sponsored or mercenary spyware) "
                "attack against this iPhone"
            )
        else:
            severity = Severity.MEDIUM
            message = "A message sent from this device quotes Apple's targeted-attack notification"
        yield Finding(
            detector=self.NAME,
            severity=severity,
            message=message,
            ts=record.ts,
            record=record,
            prov=prov,
            value=(record.text or "")[:200],
        )
