"""SMS and text-MMS backup files of ``adb backup com.android.providers.telephony``.

Facts: AOSP ``packages/providers/TelephonyProvider`` ``TelephonyBackupAgent.java``: messages are
written oldest first, at most 1000 per file, to ``files/NNNNNN_sms_backup`` or
``NNNNNN_mms_backup`` (``%06d``, one counter for both kinds), which the backup stores as
``apps/com.android.providers.telephony/d_f/<name>``. Each file is a JSON array (android.util
``JsonWriter``, compact) written through a ``DeflaterOutputStream`` (zlib stream, default level).
Every column value is written as a string (``Cursor.getString``), NULL columns are left out,
``_id`` is dropped, ``sub_id`` becomes ``self_phone`` (the SIM's own number) and ``thread_id``
becomes ``recipients`` (the thread's addresses, plus ``archived: true`` for archived threads).
SMS keys, in projection order: self_phone, address, body, subject, date, date_sent (Unix
milliseconds), status, type (1 inbox, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued),
recipients, read. MMS keys: self_phone, sub, date, date_sent (Unix **seconds**), m_type, v,
msg_box (1 inbox, 2 sent, 3 drafts, 4 outbox), ct_l, recipients, tr_id, read, then
``mms_addresses`` ([{type (137 from, 151 to, 130 cc, 129 bcc), address, charset}], integers
written only when not 0), ``mms_body``, ``mms_charset`` (106 = UTF-8) and ``sub_cs`` when there
is a subject. Only MMS with text are backed up.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

PACKAGE_DIR = "apps/com.android.providers.telephony/d_f/"
FROM, TO = 137, 151
UTF8 = 106


def member_name(number: int, kind: str = "sms") -> str:
    """The tar member name of backup file ``number`` (``kind`` is "sms" or "mms")."""
    return f"{PACKAGE_DIR}{number:06d}_{kind}_backup"


def _ms(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


def sms(
    *,
    address: str,
    body: str,
    date: datetime,
    date_sent: datetime | None = None,
    box: int = 1,
    read: int = 1,
    status: int = -1,
    self_phone: str | None = "+33612345678",
    recipients: Sequence[str] | None = None,
    subject: str | None = None,
    archived: bool = False,
) -> dict[str, Any]:
    """One SMS as TelephonyBackupAgent writes it; ``box`` is the ``type`` column (1 inbox,
    2 sent...); ``date_sent`` None is written as "0" (unknown, as for most sent SMS)."""
    entry: dict[str, Any] = {}
    if self_phone:
        entry["self_phone"] = self_phone
    entry.update(address=address, body=body)
    if subject is not None:
        entry["subject"] = subject
    entry.update(date=_ms(date), date_sent=_ms(date_sent) if date_sent else "0")
    entry.update(status=str(status), type=str(box))
    entry["recipients"] = list(recipients if recipients is not None else [address])
    if archived:
        entry["archived"] = True
    entry["read"] = str(read)
    return entry


def mms(
    *,
    addresses: Sequence[tuple[int, str]],
    body: str,
    date: datetime,
    msg_box: int = 1,
    subject: str | None = None,
    read: int = 1,
    self_phone: str | None = "+33612345678",
    recipients: Sequence[str] | None = None,
    content_location: str | None = None,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """One text MMS: ``addresses`` are (PDU address type, address), e.g. ``(FROM, "+336...")``."""
    entry: dict[str, Any] = {}
    if self_phone:
        entry["self_phone"] = self_phone
    if subject is not None:
        entry["sub"] = subject
    entry.update(date=str(int(date.timestamp())), date_sent="0")
    entry.update(m_type="132" if msg_box == 1 else "128", v="18", msg_box=str(msg_box))
    if content_location:
        entry["ct_l"] = content_location
    others = [a for t, a in addresses if t != FROM] if msg_box != 1 else []
    entry["recipients"] = list(recipients if recipients is not None else others or
                               [a for t, a in addresses if t == FROM])  # fmt: skip
    if transaction_id:
        entry["tr_id"] = transaction_id
    entry["read"] = str(read)
    entry["mms_addresses"] = [{"type": t, "address": a, "charset": UTF8} for t, a in addresses]
    entry.update(mms_body=body, mms_charset=UTF8)
    if subject is not None:
        entry["sub_cs"] = str(UTF8)
    return entry


def render(messages: list[dict[str, Any]]) -> bytes:
    """The file's bytes: the compact JSON array, zlib-compressed like DeflaterOutputStream."""
    text = json.dumps(messages, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"))
