from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.sms_attachment_tmp import SmsAttachmentTmp
from tracehound.parsers.ios.sms_attachments import SmsAttachment, device_path

T0 = datetime(2021, 3, 1, 2, 3, 4, tzinfo=UTC)
PROV = Provenance(
    source="ios_fs",
    path="/private/var/mobile/Library/SMS/sms.db",
    sha256="0" * 64,
    parser="ios.sms_attachments",
    parser_version="1",
)


def attachment(raw: str | None, direction: str | None = "received") -> SmsAttachment:
    return SmsAttachment(
        ts=T0,
        row=9,
        guid="A",
        filename=device_path(raw) if raw else None,
        filename_raw=raw,
        transfer_name="x.gif",
        mime_type="image/gif",
        uti="com.compuserve.gif",
        total_bytes=748,
        transfer_state=5,
        is_sticker=False,
        direction=direction,
        service="iMessage",
        handle="sender@example.com",
        handle_email="sender@example.com",
        message_row=3,
        started_at=None,
    )


def run(record: SmsAttachment) -> list:  # type: ignore[type-arg]
    return list(SmsAttachmentTmp().feed(record, PROV))


def test_received_tmp_dash_one_is_medium() -> None:
    for raw in ("/var/tmp/com.apple.messages/ABC-1", "/private/var/tmp/x/DEF-1"):
        findings = run(attachment(raw))
        assert len(findings) == 1
        assert findings[0].severity is Severity.MEDIUM and findings[0].value == raw
        assert findings[0].ts == T0 and findings[0].detector == "sms_attachment_tmp"


def test_negative_cases() -> None:
    assert run(attachment("/var/tmp/com.apple.messages/ABC-1", "sent")) == []
    assert run(attachment("/var/tmp/com.apple.messages/ABC-1", None)) == []
    assert run(attachment("/var/tmp/com.apple.messages/ABC-2")) == []
    assert run(attachment("~/Library/SMS/Attachments/0a/10/X/IMG-1")) == []
    assert run(attachment("/var/mobile/tmp/ABC-1")) == []
    assert run(attachment(None)) == []
