"""WhatsApp's address book (ContactsV2.sqlite): JIDs, LIDs, phone numbers, names, about text.

Facts: MVT's ``WhatsappContacts`` module (backup file ``b8548dc3...`` = SHA1("AppDomainGroup-
group.net.whatsapp.WhatsApp.shared-ContactsV2.sqlite")): table ``ZWAADDRESSBOOKCONTACT`` with
ZWHATSAPPID (JID), ZLID (the ``@lid`` identifier that interactionC.db and newer chats use),
ZPHONENUMBER, ZLOCALIZEDPHONENUMBER, ZFULLNAME, ZGIVENNAME, ZLASTNAME, ZUSERNAME, ZBUSINESSNAME,
ZABOUTTEXT, ZABOUTEMOJI, ZDISAPPEARINGMODEDURATION (seconds, 0 = off),
ZDISAPPEARINGMODETIMESTAMP, ZABOUTTIMESTAMP and ZLASTUPDATED (Cocoa seconds), ZPHONESTATUS
(ZPHONENUMBERSTATUS in some versions). WhatsApp renames and adds columns across app versions, so
every column is optional; some versions store strings as UTF-8 BLOBs, which are decoded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsAppContact(Record):
    """One WhatsApp contact; ``ts`` is its last update."""

    TYPE = "ios.whatsapp_contacts"
    TS_DESC = "WhatsApp contact updated"
    EXTRA_TIMES = (("disappearing_set_at", "WhatsApp disappearing messages timer set"),)

    jid: str | None
    lid: str | None
    phone_number: str | None
    localized_phone_number: str | None
    full_name: str | None
    given_name: str | None
    last_name: str | None
    user_name: str | None
    business_name: str | None
    about_text: str | None
    about_emoji: str | None
    about_set_at: datetime | None
    disappearing_seconds: int | None  # 0: off; None: unknown (column absent)
    disappearing_set_at: datetime | None
    phone_status: int | None


PATHS = ("/private/var/mobile/Containers/Shared/AppGroup/*/ContactsV2.sqlite",)

_STRINGS = {
    "jid": "ZWHATSAPPID",
    "lid": "ZLID",
    "phone_number": "ZPHONENUMBER",
    "localized_phone_number": "ZLOCALIZEDPHONENUMBER",
    "full_name": "ZFULLNAME",
    "given_name": "ZGIVENNAME",
    "last_name": "ZLASTNAME",
    "user_name": "ZUSERNAME",
    "business_name": "ZBUSINESSNAME",
    "about_text": "ZABOUTTEXT",
    "about_emoji": "ZABOUTEMOJI",
}
_OTHER = {
    "pk": "Z_PK",
    "updated": "ZLASTUPDATED",
    "about_ts": "ZABOUTTIMESTAMP",
    "dm_seconds": "ZDISAPPEARINGMODEDURATION",
    "dm_ts": "ZDISAPPEARINGMODETIMESTAMP",
    "status": "ZPHONESTATUS",
    "status_old": "ZPHONENUMBERSTATUS",
}


def _string(ctx: ParseContext, value: object, row: int, name: str) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return ctx.text(value, row, name)


@artifact(
    record=WhatsAppContact,
    input="sqlite",
    paths=PATHS,
    requires={"ZWAADDRESSBOOKCONTACT": ("Z_PK",)},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[WhatsAppContact]:
    """WhatsApp contacts: JID/LID to phone number and name, about text, disappearing timer."""
    wanted = {**_OTHER, **_STRINGS}
    conn.row_factory = sqlite3.Row
    select = select_optional(conn, "ZWAADDRESSBOOKCONTACT", wanted)
    query = f"SELECT {select} FROM ZWAADDRESSBOOKCONTACT ORDER BY Z_PK"
    for r in conn.execute(query):
        row = r["pk"]
        strings = {name: _string(ctx, r[name], row, column) for name, column in _STRINGS.items()}
        status = r["status"] if r["status"] is not None else r["status_old"]
        yield WhatsAppContact(
            ts=ctx.time(from_cocoa, r["updated"], row, "ZLASTUPDATED"),
            row=row,
            **strings,
            about_set_at=ctx.time(from_cocoa, r["about_ts"], row, "ZABOUTTIMESTAMP"),
            disappearing_seconds=ctx.integer(r["dm_seconds"], row, "ZDISAPPEARINGMODEDURATION"),
            disappearing_set_at=ctx.time(from_cocoa, r["dm_ts"], row, "ZDISAPPEARINGMODETIMESTAMP"),
            phone_status=ctx.integer(status, row, "ZPHONESTATUS"),
        )
