"""Attachments of SMS and iMessage messages from sms.db (file paths, names, types, sizes).

Facts: MVT's ``SMSAttachments`` module. ``attachment(ROWID, guid, created_date, start_date,
filename, uti, mime_type, transfer_state, is_outgoing, transfer_name, total_bytes, is_sticker)``
is joined through ``message_attachment_join(message_id, attachment_id)`` to ``message`` (service,
handle_id, is_from_me) and ``handle(id)``. Attachments without a message are kept (MVT joins
LEFT too). ``filename`` is usually ``~/Library/SMS/Attachments/..`` where ``~`` is the mobile
user's home ``/private/var/mobile``; the FORCEDENTRY-era traces MVT looks for are received files
under ``/var/tmp/`` whose name ends in ``-1``. ``created_date`` is Cocoa seconds (nanoseconds on
some versions, as for messages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import DevicePath, Email, FileName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa_s_or_ns
from tracehound.parsers.common.sqlite import select_optional
from tracehound.parsers.ios.sms import SMS_DB


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsAttachment(Record):
    """One attachment row, with the message it belongs to (if any)."""

    TYPE = "ios.sms_attachments"
    MEANING = "A file attached to a message, with where the phone stored it."
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    PUBLIC_FIELDS = ("direction", "service")
    TS_DESC = "Attachment created"

    guid: str | None
    filename: DevicePath | None  # canonical device path ("~" and "/var" expanded)
    filename_raw: str | None  # attachment.filename as stored
    transfer_name: FileName | None
    mime_type: str | None
    uti: str | None
    total_bytes: int | None
    transfer_state: int | None
    is_sticker: bool
    direction: str | None  # "sent" / "received", None if unknown
    service: str | None
    handle: str | None
    handle_email: Email | None
    message_row: int | None
    started_at: datetime | None


_ATTACHMENT = {
    "guid": "guid",
    "created": "created_date",
    "started": "start_date",
    "filename": "filename",
    "uti": "uti",
    "mime_type": "mime_type",
    "transfer_state": "transfer_state",
    "is_outgoing": "is_outgoing",
    "transfer_name": "transfer_name",
    "total_bytes": "total_bytes",
    "is_sticker": "is_sticker",
}
_MESSAGE = {"service": "service", "is_from_me": "is_from_me"}


def device_path(raw: str) -> str | None:
    """``~/x`` -> ``/private/var/mobile/x``; ``/var/x`` -> ``/private/var/x``; else as stored."""
    if raw.startswith("~/"):
        return "/private/var/mobile/" + raw[2:]
    if raw.startswith("/var/"):
        return "/private" + raw
    return raw if raw.startswith("/") else None


def _query(conn: sqlite3.Connection) -> str:
    att = select_optional(conn, "attachment", _ATTACHMENT)
    msg = select_optional(conn, "message", _MESSAGE)
    handle = select_optional(conn, "handle", {"h_id": "id"})
    return (
        f"SELECT attachment.rowid AS rid, message_attachment_join.message_id AS mid, {att}, {msg}, "
        f"{handle} FROM attachment LEFT JOIN message_attachment_join "
        "ON message_attachment_join.attachment_id = attachment.rowid "
        "LEFT JOIN message ON message.rowid = message_attachment_join.message_id "
        "LEFT JOIN handle ON handle.rowid = message.handle_id ORDER BY attachment.rowid"
    )


def _direction(is_outgoing: object, is_from_me: object) -> str | None:
    flag = is_outgoing if is_outgoing is not None else is_from_me
    if flag in (0, 1):
        return "sent" if flag == 1 else "received"
    return None


@artifact(
    record=SmsAttachment,
    reader=SMS_DB,
    requires={
        "attachment": ("filename",),
        "message_attachment_join": ("message_id", "attachment_id"),
        "message": ("handle_id",),
        "handle": ("id",),
    },
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SmsAttachment]:
    """Message attachments: file path, name, MIME type, size, direction and sender."""
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["rid"]
        raw = ctx.text(r["filename"], row, "filename") or None
        handle = ctx.text(r["h_id"], row, "handle.id") or None
        yield SmsAttachment(
            ts=ctx.time(from_cocoa_s_or_ns, r["created"], row, "created_date", unset=(0,)),
            row=row,
            guid=(ctx.text(r["guid"], row, "guid") or None),
            filename=device_path(raw) if raw else None,
            filename_raw=raw,
            transfer_name=(ctx.text(r["transfer_name"], row, "transfer_name") or None),
            mime_type=(ctx.text(r["mime_type"], row, "mime_type") or None),
            uti=(ctx.text(r["uti"], row, "uti") or None),
            total_bytes=ctx.integer(r["total_bytes"], row, "total_bytes"),
            transfer_state=ctx.integer(r["transfer_state"], row, "transfer_state"),
            is_sticker=r["is_sticker"] == 1,
            direction=_direction(r["is_outgoing"], r["is_from_me"]),
            service=(ctx.text(r["service"], row, "message.service") or None),
            handle=handle,
            handle_email=handle if handle and "@" in handle else None,
            message_row=r["mid"],
            started_at=ctx.time(from_cocoa_s_or_ns, r["started"], row, "start_date", unset=(0,)),
        )
