"""SMS, MMS and iMessage messages from sms.db, with the links in their text.

Facts: MVT's ``SMS`` module and iLEAPP's SMS/iMessage artifact. ``message(ROWID, guid, text,
handle_id -> handle.ROWID, service, account, date, date_read, date_delivered, is_from_me, is_read,
cache_has_attachments, attributedBody)``; ``handle(ROWID, id)`` holds the phone number or e-mail
address of the other party. ``date`` columns are Cocoa seconds before iOS 11 and Cocoa
nanoseconds since; 0 means "never" (not read, not delivered). Since iOS 16 ``text`` is often NULL
and the body lives only in ``attributedBody`` (an NSArchiver typedstream): its string is then
read with ``parsers/common/typedstream.py`` and ``text_source`` says so.
Links are what MVT extracts (``https?://`` up to the next white space), minus trailing punctuation.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.records import Email, Record, Url
from tracehound.core.registry import Reader, artifact
from tracehound.core.timeutil import from_cocoa_s_or_ns
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import select_optional
from tracehound.parsers.common.typedstream import attributed_text


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsMessage(Record):
    """One message of sms.db, sent or received, with its links."""

    TYPE = "ios.sms"
    MEANING = (
        "A message (SMS or iMessage) held this link or came from this account. A received link "
        "shows an attempt; browser traces near the same time show whether it was opened."
    )
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    PUBLIC_FIELDS = ("service", "direction", "text_source")
    TS_DESC = "Message sent or received"
    EXTRA_TIMES = (("read_at", "Message read"),)

    guid: str | None
    handle: str | None  # handle.id: phone number or e-mail address of the other party
    handle_email: Email | None
    service: str | None  # "SMS", "iMessage", "RCS"...
    account: str | None
    direction: str  # "sent" or "received"
    text: str | None
    text_source: str | None  # "text", "attributedBody" (iOS 16+ bodies), or None
    links: tuple[Url, ...]
    has_attachments: bool
    has_attributed_body: bool
    is_read: bool | None
    read_at: datetime | None
    delivered_at: datetime | None


PATHS = ("/private/var/mobile/Library/SMS/sms.db",)
#: sms.db, opened once (and, with a -wal, copied once) for messages and attachments.
SMS_DB = Reader(
    name="ios.sms_db",
    input="sqlite",
    paths=PATHS,
    description="Messages' sms.db, opened once for its messages and their attachments",
)

_MESSAGE_COLUMNS = {
    "guid": "guid",
    "text": "text",
    "service": "service",
    "account": "account",
    "date": "date",
    "date_read": "date_read",
    "date_delivered": "date_delivered",
    "is_from_me": "is_from_me",
    "is_read": "is_read",
    "has_att": "cache_has_attachments",
    "body": "attributedBody",
}

_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_TRAILING = ".,;:!?>\"'”’]}"


def extract_links(text: str) -> tuple[str, ...]:
    """The http(s) URLs in ``text``, in order and without duplicates or trailing punctuation."""
    if "://" not in text:  # most messages: no regex pass needed (a link needs "://")
        return ()
    found: dict[str, None] = {}
    for match in _LINK.finditer(text):
        url = _trim(match.group(0))
        if url.partition("://")[2]:
            found.setdefault(url, None)
    return tuple(found)


def _trim(url: str) -> str:
    """Drop trailing punctuation, and closing parentheses that close nothing in the URL."""
    while url:
        last = url[-1]
        unbalanced = last == ")" and url.count(")") > url.count("(")
        if last not in _TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def _query(conn: sqlite3.Connection) -> str:
    msg = select_optional(conn, "message", _MESSAGE_COLUMNS)
    handle = select_optional(conn, "handle", {"h_id": "id"})
    return (
        f"SELECT message.rowid AS rid, {msg}, {handle} FROM message "
        "LEFT JOIN handle ON handle.rowid = message.handle_id ORDER BY message.rowid"
    )


def _body(ctx: ParseContext, text: object, body: object, row: int) -> tuple[str | None, str | None]:
    """The message text from ``text``, else from the archived ``attributedBody``."""
    plain = ctx.text(text, row, "text")
    if plain is not None:
        return plain, "text"
    if isinstance(body, bytes):
        decoded = attributed_text(body)
        if decoded is None:
            ctx.warn("attributedBody holds no readable text; body not checked", row)
            return None, None
        return decoded, "attributedBody"
    return None, None


@artifact(
    record=SmsMessage,
    reader=SMS_DB,
    requires={"message": ("text", "date", "handle_id"), "handle": ("id",)},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[SmsMessage | pa.RecordBatch]:
    """SMS and iMessage messages, their direction, read time and links."""
    conn.row_factory = None
    yield from columnar.read(
        conn, _query(conn), lambda c: _columns(c, ctx), lambda r: _record(r, ctx)
    )


def _record(r: dict[str, Any], ctx: ParseContext) -> SmsMessage:
    row = r["rid"]
    text, source = _body(ctx, r["text"], r["body"], row)
    handle = ctx.text(r["h_id"], row, "handle.id")
    return SmsMessage(
        ts=ctx.time(from_cocoa_s_or_ns, r["date"], row, "date", unset=(0,)),
        row=row,
        guid=ctx.text(r["guid"], row, "guid"),
        handle=handle,
        handle_email=handle if handle and "@" in handle else None,
        service=ctx.text(r["service"], row, "service"),
        account=ctx.text(r["account"], row, "account"),
        direction="sent" if r["is_from_me"] == 1 else "received",
        text=text,
        text_source=source,
        links=extract_links(text) if text else (),
        has_attachments=r["has_att"] == 1,
        has_attributed_body=r["body"] is not None,
        is_read=None if r["is_read"] is None else r["is_read"] == 1,
        read_at=ctx.time(from_cocoa_s_or_ns, r["date_read"], row, "date_read", unset=(0,)),
        delivered_at=ctx.time(
            from_cocoa_s_or_ns, r["date_delivered"], row, "date_delivered", unset=(0,)
        ),
    )


def _columns(c: dict[str, Sequence[Any]], ctx: ParseContext) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each row (columnar.py)."""
    count = len(c["rid"])
    bodies = c["body"]
    if not columnar.storage(bodies) <= {bytes, type(None)}:
        raise columnar.Unclean
    plain = columnar.text(c["text"])
    texts: list[str | None] = plain.to_pylist()
    sources: list[str | None] = ["text" if t is not None else None for t in texts]
    for number in pc.indices_nonzero(pc.is_null(plain)).to_pylist():
        body = bodies[number]
        if body is None:
            continue
        decoded = attributed_text(body)
        if decoded is None:  # a warning on the row path
            raise columnar.Unclean
        texts[number], sources[number] = decoded, "attributedBody"
    text = pa.array(texts, pa.string()) if "attributedBody" in sources else plain
    links: list[tuple[str, ...]] = [()] * count
    for number in pc.indices_nonzero(pc.fill_null(pc.match_substring(text, "://"), False)):
        value = texts[number.as_py()]
        links[number.as_py()] = extract_links(value) if value else ()
    handle = columnar.text(c["h_id"])
    email = pc.if_else(pc.match_substring(handle, "@"), handle, pa.scalar(None, pa.string()))
    return columnar.record_batch(
        SmsMessage,
        {
            "ts": columnar.cocoa_s_or_ns(c["date"]),
            "row": columnar.integers(c["rid"]),
            "guid": columnar.text(c["guid"]),
            "handle": handle,
            "handle_email": email,
            "service": columnar.text(c["service"]),
            "account": columnar.text(c["account"]),
            "direction": pc.if_else(columnar.equals_one(c["is_from_me"]), "sent", "received"),
            "text": text,
            "text_source": pa.array(sources, pa.string()),
            "links": pa.array(links, pa.list_(pa.string())),
            "has_attachments": columnar.equals_one(c["has_att"]),
            "has_attributed_body": pa.array([b is not None for b in bodies], pa.bool_()),
            "is_read": columnar.equals_one(c["is_read"], null=None),
            "read_at": columnar.cocoa_s_or_ns(c["date_read"]),
            "delivered_at": columnar.cocoa_s_or_ns(c["date_delivered"]),
        },
    )
