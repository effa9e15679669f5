"""Messages, calls and shares that apps donated to CoreDuet (interactionC.db).

Facts: MVT's ``InteractionC`` module (backup file ``1f5a5212...`` =
SHA1("HomeDomain-Library/CoreDuet/People/interactionC.db"), queries taken from APOLLO) and
iLEAPP. ``ZINTERACTIONS`` (Z_PK, ZSTARTDATE, ZENDDATE, ZCREATIONDATE in Cocoa seconds,
ZBUNDLEID, ZTARGETBUNDLEID, ZACCOUNT, ZDIRECTION 0 incoming / 1 outgoing, ZISRESPONSE,
ZMECHANISM, ZRECIPIENTCOUNT, ZDOMAINIDENTIFIER, ZGROUPNAME, ZCONTENTURL, ZDERIVEDINTENTIDENTIFIER,
ZSENDER -> ZCONTACTS.Z_PK); ``ZCONTACTS`` (ZDISPLAYNAME, ZIDENTIFIER, ZPERSONID...); recipients
through ``Z_2INTERACTIONRECIPIENT(Z_2RECIPIENTS, Z_3INTERACTIONRECIPIENT)``; ``ZATTACHMENT``
(ZCONTENTTEXT, ZCONTENTURL, ZUTI...) through ``Z_1INTERACTIONS(Z_1ATTACHMENTS, Z_3INTERACTIONS)``.
MVT tries four queries, newest first, because columns and link tables differ between iOS
versions; here every column is optional and the Core Data link tables are found by name pattern
(the numbers in ``Z_<n>...`` are entity numbers that change when the model changes).
MVT puts an interaction's creation date on the timeline only when it is 3600 s or more away from
its start date (a record created long after the event, e.g. backfilled), or when there is no
start date: ``created_divergent`` holds it then, and is None otherwise.
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
from tracehound.core.records import AppId, Email, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import columns, select_optional, tables

#: MVT's divergence threshold between creation and start dates, in seconds.
DIVERGENCE_SECONDS = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Interaction(Record):
    """One interaction (message, call, share...) an app reported; ``ts`` is its start."""

    TYPE = "ios.interaction_c"
    MEANING = "CoreDuet's interaction log: an app exchanged messages or calls with this account."
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    PUBLIC_FIELDS = ("direction",)
    TS_DESC = "Interaction started"
    EXTRA_TIMES = (("created_divergent", "Interaction record created long after or before it"),)

    bundle_id: AppId | None
    target_bundle_id: AppId | None
    account: str | None
    direction: str | None  # "incoming", "outgoing", or "unknown_<n>"
    is_response: bool | None
    mechanism: int | None
    recipient_count: int | None
    domain_identifier: str | None  # the conversation, e.g. a WhatsApp JID
    group_name: str | None
    content_url: Url | None
    sender_name: str | None
    sender_id: str | None  # phone number, e-mail address or app handle
    sender_person_id: str | None
    recipient_names: tuple[str, ...]
    recipient_ids: tuple[str, ...]
    emails: tuple[Email, ...]  # sender and recipient ids that are e-mail addresses
    attachment_urls: tuple[Url, ...]
    attachment_texts: tuple[str, ...]
    attachment_utis: tuple[str, ...]
    ended: datetime | None
    created: datetime | None
    creation_delta: float | None  # seconds from start to record creation
    created_divergent: datetime | None  # ``created`` if |delta| >= 3600 s or no start, else None


PATHS = ("/private/var/mobile/Library/CoreDuet/People/interactionC.db",)

_INTERACTION = {
    "pk": "Z_PK", "start": "ZSTARTDATE", "end": "ZENDDATE", "created": "ZCREATIONDATE",
    "bundle": "ZBUNDLEID", "target": "ZTARGETBUNDLEID", "account": "ZACCOUNT",
    "direction": "ZDIRECTION", "response": "ZISRESPONSE", "mechanism": "ZMECHANISM",
    "rcount": "ZRECIPIENTCOUNT", "domain": "ZDOMAINIDENTIFIER", "group_name": "ZGROUPNAME",
    "content_url": "ZCONTENTURL",
}  # fmt: skip
_SENDER = {"s_name": "ZDISPLAYNAME", "s_id": "ZIDENTIFIER", "s_person": "ZPERSONID"}
_RCP = {"r_ids": "ZIDENTIFIER", "r_names": "ZDISPLAYNAME"}
_ATT = {"a_urls": "ZCONTENTURL", "a_texts": "ZCONTENTTEXT", "a_utis": "ZUTI"}
_SEP = "\x1f"  # unit separator: joins values inside one SQL string
_NOT_EMAIL = ("@s.whatsapp.net", "@lid", "@g.us", "@c.us")


def _link_table(conn: sqlite3.Connection, name: str, other: str) -> tuple[str, str, str] | None:
    """(table, column to the other entity, column to ZINTERACTIONS) of a Core Data link table."""
    for table in sorted(tables(conn)):
        if not re.fullmatch(rf"Z_\d+{name}", table):
            continue
        cols = columns(conn, table)
        to_other = [c for c in cols if re.fullmatch(rf"Z_\d+{other}", c)]
        to_self = [c for c in cols if re.fullmatch(r"Z_\d+INTERACTION(?:S|RECIPIENT)", c)]
        to_self = [c for c in to_self if c not in to_other]
        if len(to_other) == 1 and len(to_self) == 1:
            return table, to_other[0], to_self[0]
    return None


def _grouped(
    conn: sqlite3.Connection, link: str, other: str, table: str, wanted: dict[str, str]
) -> tuple[str, str]:
    """Select-list and LEFT JOIN giving, per interaction, ``wanted`` columns of the linked rows
    of ``table`` joined with the unit separator (NULL when the link table is absent)."""
    have = columns(conn, table)  # empty when the table is absent
    found = _link_table(conn, link, other) if "Z_PK" in have else None
    if found is None:  # no link table, or a linked table without the key the join needs
        return ", ".join(f"NULL AS {alias}" for alias in wanted), ""
    link_table, to_other, to_self = found
    concat = ", ".join(
        (f'group_concat(t."{column}", char(31))' if column in have else "NULL") + f" AS {alias}"
        for alias, column in wanted.items()
    )
    join = (
        f'LEFT JOIN (SELECT j."{to_self}" AS iid, {concat} FROM "{link_table}" AS j '
        f'JOIN {table} AS t ON t.Z_PK = j."{to_other}" GROUP BY j."{to_self}") AS {other} '
        f"ON {other}.iid = ZINTERACTIONS.Z_PK"
    )
    return ", ".join(f"{other}.{alias} AS {alias}" for alias in wanted), join


def _query(conn: sqlite3.Connection) -> str:
    inter = select_optional(conn, "ZINTERACTIONS", _INTERACTION)
    sender = select_optional(conn, "ZCONTACTS", _SENDER)
    sender_join = ""
    if "ZSENDER" in columns(conn, "ZINTERACTIONS"):
        sender_join = "LEFT JOIN ZCONTACTS ON ZCONTACTS.Z_PK = ZINTERACTIONS.ZSENDER"
    r_cols, r_join = _grouped(conn, "INTERACTIONRECIPIENT", "RECIPIENTS", "ZCONTACTS", _RCP)
    a_cols, a_join = _grouped(conn, "INTERACTIONS", "ATTACHMENTS", "ZATTACHMENT", _ATT)
    return (
        f"SELECT {inter}, {sender}, {r_cols}, {a_cols} FROM ZINTERACTIONS {sender_join} "
        f"{r_join} {a_join} ORDER BY ZINTERACTIONS.Z_PK"
    )


def _split(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value:
        return ()
    return tuple(dict.fromkeys(v for v in value.split(_SEP) if v))


def _emails(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(i for i in ids if "@" in i and not i.lower().endswith(_NOT_EMAIL))


def _direction(value: int | None) -> str | None:
    if value is None:
        return None
    return {0: "incoming", 1: "outgoing"}.get(value, f"unknown_{value}")


@artifact(
    record=Interaction,
    input="sqlite",
    paths=PATHS,
    requires={"ZINTERACTIONS": ("Z_PK",), "ZCONTACTS": ("Z_PK",)},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[Interaction | pa.RecordBatch]:
    """CoreDuet interactions: which app talked to whom and when, with attachments (interactionC)."""
    conn.row_factory = None
    yield from columnar.read(conn, _query(conn), _columns, lambda r: _record(ctx, r))


def _record(ctx: ParseContext, r: dict[str, Any]) -> Interaction:
    row = r["pk"]
    start = ctx.time(from_cocoa, r["start"], row, "ZSTARTDATE")
    created = ctx.time(from_cocoa, r["created"], row, "ZCREATIONDATE")
    delta = (created - start).total_seconds() if start and created else None
    divergent = delta is None or abs(delta) >= DIVERGENCE_SECONDS
    sender_id = ctx.text(r["s_id"], row, "ZCONTACTS.ZIDENTIFIER")
    recipient_ids = _split(r["r_ids"])
    response = ctx.integer(r["response"], row, "ZISRESPONSE")
    return Interaction(
        ts=start,
        row=row,
        bundle_id=ctx.text(r["bundle"], row, "ZBUNDLEID"),
        target_bundle_id=ctx.text(r["target"], row, "ZTARGETBUNDLEID"),
        account=ctx.text(r["account"], row, "ZACCOUNT"),
        direction=_direction(ctx.integer(r["direction"], row, "ZDIRECTION")),
        is_response=None if response is None else response != 0,
        mechanism=ctx.integer(r["mechanism"], row, "ZMECHANISM"),
        recipient_count=ctx.integer(r["rcount"], row, "ZRECIPIENTCOUNT"),
        domain_identifier=ctx.text(r["domain"], row, "ZDOMAINIDENTIFIER"),
        group_name=ctx.text(r["group_name"], row, "ZGROUPNAME"),
        content_url=ctx.text(r["content_url"], row, "ZCONTENTURL"),
        sender_name=ctx.text(r["s_name"], row, "ZCONTACTS.ZDISPLAYNAME"),
        sender_id=sender_id,
        sender_person_id=ctx.text(r["s_person"], row, "ZCONTACTS.ZPERSONID"),
        recipient_names=_split(r["r_names"]),
        recipient_ids=recipient_ids,
        emails=_emails(((sender_id,) if sender_id else ()) + recipient_ids),
        attachment_urls=_split(r["a_urls"]),
        attachment_texts=_split(r["a_texts"]),
        attachment_utis=_split(r["a_utis"]),
        ended=ctx.time(from_cocoa, r["end"], row, "ZENDDATE"),
        created=created,
        creation_delta=delta,
        created_divergent=created if divergent else None,
    )


_LIST = pa.list_(pa.string())


def _split_column(values: Sequence[Any]) -> tuple[pa.Array, list[tuple[str, ...]]]:
    """``_split`` of every value, as a list column and as tuples (for ``emails``)."""
    column = columnar.text(values)
    split: list[tuple[str, ...]] = [(v,) if v else () for v in values]
    for number in columnar.any_contains([column], _SEP):
        split[number] = _split(values[number])
    return pa.array(split, _LIST), split


def _columns(c: dict[str, Sequence[Any]]) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each row (columnar.py)."""
    count = len(c["pk"])
    direction = columnar.integers(c["direction"])
    if not set(direction.unique().to_pylist()) <= {0, 1, None}:
        raise columnar.Unclean  # "unknown_<n>": rare, row by row
    start = columnar.cocoa_seconds(c["start"])
    created = columnar.cocoa_seconds(c["created"])
    micros = pc.subtract(created.cast(pa.int64()), start.cast(pa.int64()))
    if micros.null_count < count:  # beyond 2**53 a float division rounds twice: row by row
        low, high = pc.min_max(micros).values()
        if max(abs(low.as_py()), abs(high.as_py())) > 2**53:
            raise columnar.Unclean
    # total_seconds() divides the integer microseconds by 10**6, correctly rounded: so does
    # one float division of an exactly converted integer.
    delta = pc.divide(pc.cast(micros, pa.float64()), 1e6)
    divergent = pc.fill_null(pc.greater_equal(pc.abs(delta), DIVERGENCE_SECONDS), True)
    sender = columnar.text(c["s_id"])
    recipient_ids, recipients = _split_column(c["r_ids"])
    emails: list[tuple[str, ...]] = [()] * count
    for number in columnar.any_contains([sender, columnar.text(c["r_ids"])], "@"):
        sender_id = c["s_id"][number]
        emails[number] = _emails(((sender_id,) if sender_id else ()) + recipients[number])
    response = columnar.integers(c["response"])
    return columnar.record_batch(
        Interaction,
        {
            "ts": start,
            "row": columnar.integers(c["pk"]),
            "bundle_id": columnar.text(c["bundle"]),
            "target_bundle_id": columnar.text(c["target"]),
            "account": columnar.text(c["account"]),
            "direction": pc.if_else(pc.equal(direction, 0), "incoming", "outgoing"),
            "is_response": pc.not_equal(response, 0),
            "mechanism": columnar.integers(c["mechanism"]),
            "recipient_count": columnar.integers(c["rcount"]),
            "domain_identifier": columnar.text(c["domain"]),
            "group_name": columnar.text(c["group_name"]),
            "content_url": columnar.text(c["content_url"]),
            "sender_name": columnar.text(c["s_name"]),
            "sender_id": sender,
            "sender_person_id": columnar.text(c["s_person"]),
            "recipient_names": _split_column(c["r_names"])[0],
            "recipient_ids": recipient_ids,
            "emails": pa.array(emails, _LIST),
            "attachment_urls": _split_column(c["a_urls"])[0],
            "attachment_texts": _split_column(c["a_texts"])[0],
            "attachment_utis": _split_column(c["a_utis"])[0],
            "ended": columnar.cocoa_seconds(c["end"]),
            "created": created,
            "creation_delta": delta,
            "created_divergent": pc.if_else(divergent, created, pa.scalar(None, created.type)),
        },
    )
