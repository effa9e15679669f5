"""SMS and text MMS from an Android backup (``adb backup com.android.providers.telephony``).

Facts: AOSP ``TelephonyBackupAgent.java`` writes ``NNNNNN_sms_backup`` and ``NNNNNN_mms_backup``
files (``apps/com.android.providers.telephony/d_f/`` in the backup tar, or the same path in an
unpacked backup folder); each is a zlib stream (``DeflaterOutputStream``) holding a JSON array of
up to 1000 messages whose column values are strings. SMS: ``address`` (the other party),
``body``, ``subject``, ``date`` and ``date_sent`` in Unix milliseconds, ``status``, ``type``
(1 inbox, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued), ``read``, ``self_phone``,
``recipients`` (the thread's addresses; the backup keeps no thread id) and ``archived``. MMS:
``sub`` (subject), ``date``/``date_sent`` in Unix *seconds*, ``msg_box`` (same numbers as
``type``), ``ct_l`` (MMSC download URL), ``mms_addresses`` ([{type: 137 from, 151 to, 130 cc,
129 bcc, address, charset}]) and ``mms_body``. MVT (``parsers/backup.py``) reads both kinds but
takes MMS seconds as milliseconds and the direction from ``date_sent``; here the unit is chosen
by magnitude (above 1e11 is milliseconds) and the direction comes from ``type``/``msg_box``.
Links are cut like the iOS SMS parser's (``https?://`` up to white space).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.records import Email, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix, from_unix_ms
from tracehound.parsers.ios.sms import extract_links

#: Inflated size above which a backup file is refused (a decompression bomb guard).
MAX_INFLATED = 256 * 1024 * 1024
DIRECTIONS = {1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed", 6: "queued"}
FROM, TO, CC, BCC = 137, 151, 130, 129
_MS_THRESHOLD = 100_000_000_000  # Unix seconds stay below this until the year 5138
_PLACEHOLDER = "insert-address-token"  # the FROM of an outgoing MMS before it is sent


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupMessage(Record):
    """One SMS or text MMS of the backup, with the links in its text."""

    TYPE = "android.sms_backup"
    PUBLIC_FIELDS = ("direction",)
    TS_DESC = "Message sent or received"
    EXTRA_TIMES = (("sent_at", "Message sent (date_sent)"),)

    kind: str  # "sms" or "mms"
    direction: str | None  # received, sent, draft, outbox, failed, queued
    box: int | None  # SMS type / MMS msg_box
    address: str | None  # the other party: phone number, short code or e-mail address
    emails: tuple[Email, ...]  # e-mail addresses among the parties
    self_phone: str | None  # the SIM's own number
    recipients: tuple[str, ...]
    mms_addresses: tuple[str, ...]
    body: str | None
    subject: str | None
    links: tuple[Url, ...]
    content_location: Url | None  # MMS download URL (ct_l)
    read: bool | None
    status: int | None
    archived: bool
    sent_at: datetime | None


def inflate(data: bytes, what: str) -> bytes:
    """The zlib stream's content, refusing more than MAX_INFLATED bytes."""
    if data[:64].lstrip()[:1] == b"[":
        return data  # already inflated (some extraction tools do it)
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise InputError(f"{what}: not zlib-compressed or damaged ({exc})") from None
    if len(out) > MAX_INFLATED:
        raise InputError(f"{what}: inflates beyond {MAX_INFLATED} bytes (decompression bomb?)")
    if not inflater.eof:
        raise InputError(f"{what}: compressed data is cut")
    return out


def _int(value: Any, ctx: ParseContext, row: int, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        ctx.warn(f"{name} is not a number: {str(value)[:80]!r}", row)
        return None


def _epoch(value: int) -> datetime | None:
    return from_unix_ms(value) if abs(value) > _MS_THRESHOLD else from_unix(value)


def _strings(value: Any, ctx: ParseContext, row: int, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.warn(f"{name} is not a list", row)
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _mms_parties(entry: dict[str, Any], ctx: ParseContext, row: int) -> list[tuple[int, str]]:
    items = entry.get("mms_addresses")
    if items is None:
        return []
    if not isinstance(items, list):
        ctx.warn("mms_addresses is not a list", row)
        return []
    parties = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("address"), str):
            parties.append((_int(item.get("type"), ctx, row, "address type") or 0,
                            item["address"].strip()))  # fmt: skip
    return parties


def _message(entry: dict[str, Any], kind: str, ctx: ParseContext, row: int) -> BackupMessage:
    box = _int(entry.get("msg_box" if kind == "mms" else "type"), ctx, row, "type")
    text = ctx.text(entry.get("mms_body" if kind == "mms" else "body"), row, "body")
    subject = ctx.text(entry.get("sub" if kind == "mms" else "subject"), row, "subject")
    address = ctx.text(entry.get("address"), row, "address")
    parties = _mms_parties(entry, ctx, row)
    if kind == "mms":
        wanted = (FROM,) if box == 1 else (TO, CC, BCC)
        address = next((a for t, a in parties if t in wanted and a != _PLACEHOLDER), None)
    recipients = _strings(entry.get("recipients"), ctx, row, "recipients")
    everyone = [a for a in (address, *recipients, *(a for _, a in parties)) if a]
    times = [_int(entry.get(k), ctx, row, k) for k in ("date", "date_sent")]
    if "date" not in entry:
        ctx.warn("message without a date", row)
    read = _int(entry.get("read"), ctx, row, "read")
    location = ctx.text(entry.get("ct_l"), row, "ct_l")
    return BackupMessage(
        ts=ctx.time(_epoch, times[0], row, "date", unset=(0,)),
        row=row,
        kind=kind,
        direction=DIRECTIONS.get(box) if box is not None else None,
        box=box,
        address=address or None,
        emails=tuple(dict.fromkeys(a for a in everyone if "@" in a)),
        self_phone=ctx.text(entry.get("self_phone"), row, "self_phone") or None,
        recipients=tuple(recipients),
        mms_addresses=tuple(a for _, a in parties),
        body=text,
        subject=subject,
        links=extract_links(f"{text or ''}\n{subject or ''}"),
        content_location=location or None,
        read=None if read is None else read != 0,
        status=_int(entry.get("status"), ctx, row, "status"),
        archived=entry.get("archived") is True,
        sent_at=ctx.time(_epoch, times[1], row, "date_sent", unset=(0,)),
    )


@artifact(
    record=BackupMessage,
    input="bytes",
    paths=(
        "ab:apps/com.android.providers.telephony/d_f/*_sms_backup",
        "ab:apps/com.android.providers.telephony/d_f/*_mms_backup",
    ),
)
def parse(data: bytes, ctx: ParseContext) -> Iterator[BackupMessage]:
    """SMS and text MMS of an Android backup: parties, text, links, sent/received times."""
    raw = inflate(data, "message backup")
    try:
        messages = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise InputError(f"message backup is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(messages, list):
        raise SchemaMismatch(f"message backup holds a {type(messages).__name__}, not a list")
    default = "mms" if ctx.path.endswith("_mms_backup") else "sms"
    for row, entry in enumerate(messages):
        if not isinstance(entry, dict):
            ctx.warn(f"message is not an object: {str(entry)[:80]!r}", row)
            continue
        kind = "mms" if "mms_body" in entry or "msg_box" in entry else default
        yield _message(entry, kind, ctx, row)
