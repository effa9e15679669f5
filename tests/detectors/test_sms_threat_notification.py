from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.sms_threat_notification import SmsThreatNotification
from tracehound.parsers.ios.sms import SmsMessage

T0 = datetime(2023, 4, 10, 18, 0, 0, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/SMS/sms.db",
    sha256=None,
    parser="ios.sms",
    parser_version="1",
)


def message(text: str | None, direction: str = "received") -> SmsMessage:
    return SmsMessage(
        ts=T0,
        row=4,
        guid="G",
        handle="threatnotifications@apple.com",
        handle_email="threatnotifications@apple.com",
        service="iMessage",
        account=None,
        direction=direction,
        text=text,
        text_source="text",
        links=(),
        has_attachments=False,
        has_attributed_body=False,
        is_read=True,
        read_at=None,
        delivered_at=None,
    )


def run(record: SmsMessage) -> list:  # type: ignore[type-arg]
    return list(SmsThreatNotification().feed(record, PROV))


def test_old_and_new_wording_are_high() -> None:
    old = "ALERT: State-sponsored attackers may be targeting your iPhone. Apple believes..."
    new = " ALERT: Apple detected a targeted mercenary spyware attack against your iPhone-linked ID"
    for text in (old, new):
        findings = run(message(text))
        assert len(findings) == 1
        finding = findings[0]
        assert finding.severity is Severity.HIGH and finding.detector == "sms_threat_notification"
        assert finding.ts == T0 and finding.prov is PROV and "Apple notified" in finding.message
        assert finding.value == text[:200]


def test_sent_copy_is_medium() -> None:
    findings = run(message("ALERT: State-sponsored attackers may be targeting your iPhone", "sent"))
    assert [f.severity for f in findings] == [Severity.MEDIUM]


def test_other_texts_are_ignored() -> None:
    assert run(message(None)) == []
    assert run(message("Hi! ALERT: State-sponsored attackers may be targeting your iPhone")) == []
    assert run(message("alert: state-sponsored attackers may be targeting your iphone")) == []
    assert run(message("Your code is 123456")) == []
