"""Address book entries from AddressBook.sqlitedb, one record per phone number, e-mail, URL...

Facts: MVT's ``Contacts`` module (backup file ``31bb7ba8...`` =
SHA1("HomeDomain-Library/AddressBook/AddressBook.sqlitedb")) joins ``ABPerson`` (ROWID, First,
Middle, Last, Organization) with ``ABMultiValue`` (UID, record_id -> ABPerson.ROWID, property,
label -> ABMultiValueLabel.ROWID, value) where value is not NULL. iLEAPP's ``addressBook`` gives the
property codes (3 phone, 4 e-mail, 5 postal address, 13 instant message, 22 URL, 23 related name,
46 social profile), the label format (``_$!<Mobile>!$_`` for Apple's built-in labels) and the
Cocoa-second ``CreationDate``/``ModificationDate`` of ABPerson. People without any value are
yielded once, with ``kind`` None.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Email, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common.sqlite import columns, select_optional, tables


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Record):
    """One value (number, address, URL...) of one address-book person; ``row`` is its UID."""

    TYPE = "ios.contacts"
    MEANING = "The address book: the user saved this number, address or URL; it shows no contact."
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    TS_DESC = "Contact created"
    EXTRA_TIMES = (("modified", "Contact modified"),)

    person_id: int
    first: str | None
    middle: str | None
    last: str | None
    organization: str | None
    nickname: str | None
    kind: str | None  # "phone", "email", "url", "address"... or None for a person without values
    label: str | None  # e.g. "Mobile", "Work", or a custom label
    value: str | None
    email: Email | None  # the value when it is an e-mail address
    url: Url | None  # the value when it is a URL
    modified: datetime | None


PATHS = ("/private/var/mobile/Library/AddressBook/AddressBook.sqlitedb",)

_KINDS = {
    3: "phone",
    4: "email",
    5: "address",
    13: "instant_message",
    22: "url",
    23: "related_name",
    46: "social_profile",
}

_PERSON = {
    "first": "First",
    "middle": "Middle",
    "last": "Last",
    "organization": "Organization",
    "nickname": "Nickname",
    "created": "CreationDate",
    "modified": "ModificationDate",
}
_VALUE = {"uid": "UID", "property": "property", "value": "value", "label_id": "label"}


def _query(conn: sqlite3.Connection) -> str:
    person = select_optional(conn, "ABPerson", _PERSON)
    value = select_optional(conn, "ABMultiValue", _VALUE)
    if (
        "ABMultiValueLabel" in tables(conn)
        and "label" in columns(conn, "ABMultiValue")
        and "value" in columns(conn, "ABMultiValueLabel")
    ):
        label_expr = "ABMultiValueLabel.value"
        label_join = "LEFT JOIN ABMultiValueLabel ON ABMultiValueLabel.rowid = ABMultiValue.label"
    else:  # label text unknown: the numeric label id is kept instead
        label_expr, label_join = "NULL", ""
    return (
        f"SELECT ABPerson.rowid AS pid, {person}, {value}, {label_expr} AS label_text "
        "FROM ABPerson LEFT JOIN ABMultiValue ON ABMultiValue.record_id = ABPerson.rowid "
        f"AND ABMultiValue.value IS NOT NULL {label_join} "
        "ORDER BY ABPerson.rowid, ABMultiValue.rowid"
    )


def _label(ctx: ParseContext, text: object, label_id: object, row: int | None) -> str | None:
    """Apple's built-in labels are stored as ``_$!<Name>!$_``: keep the name."""
    label = ctx.text(text, row, "ABMultiValueLabel.value")
    if label is None:
        return None if label_id is None else f"label {label_id}"
    if label.startswith("_$!<") and label.endswith(">!$_"):
        return label[4:-4]
    return label


@artifact(
    record=Contact,
    input="sqlite",
    paths=PATHS,
    requires={"ABPerson": ("First", "Last"), "ABMultiValue": ("record_id", "property", "value")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[Contact]:
    """Address book: names, organisations, and each phone number, e-mail address and URL."""
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["uid"] if r["uid"] is not None else None
        where = row if row is not None else r["pid"]
        prop = ctx.integer(r["property"], where, "ABMultiValue.property")
        value = r["value"]
        if value is not None and not isinstance(value, str):
            value = str(value) if isinstance(value, int | float) else ctx.text(value, where)
        kind = None if prop is None else _KINDS.get(prop, f"property_{prop}")
        yield Contact(
            ts=ctx.time(from_cocoa, r["created"], where, "CreationDate"),
            row=row,
            person_id=r["pid"],
            first=ctx.text(r["first"], where, "First"),
            middle=ctx.text(r["middle"], where, "Middle"),
            last=ctx.text(r["last"], where, "Last"),
            organization=ctx.text(r["organization"], where, "Organization"),
            nickname=ctx.text(r["nickname"], where, "Nickname"),
            kind=kind,
            label=_label(ctx, r["label_text"], r["label_id"], where),
            value=value,
            email=value if kind == "email" else None,
            url=value if kind == "url" else None,
            modified=ctx.time(from_cocoa, r["modified"], where, "ModificationDate"),
        )
