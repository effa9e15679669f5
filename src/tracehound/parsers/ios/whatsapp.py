"""WhatsApp messages from ChatStorage.sqlite, with the links found in them.

Facts: MVT's ``Whatsapp`` module (backup file ``7c7fba66...`` = SHA1("AppDomainGroup-group.net.
whatsapp.WhatsApp.shared-ChatStorage.sqlite")) reads ``ZWAMESSAGE`` (Z_PK, ZMESSAGEDATE in Cocoa
seconds, ZFROMJID, ZTOJID, ZTEXT...) left-joined with ``ZWAMEDIAITEM`` (ZMESSAGE -> message,
ZMEDIAURL, ZAUTHORNAME) and ``ZWAMESSAGEDATAITEM`` (ZMESSAGE, ZCONTENT1, ZCONTENT2, ZMATCHEDTEXT,
ZTITLE, ZSUMMARY: link previews), extracts links from ZTEXT, ZMATCHEDTEXT, ZMEDIAURL, ZCONTENT1
and ZCONTENT2, and drops WhatsApp's own media links (``https://mmg.whatsapp.net/`` and
``https://mmg-fna.whatsapp.net/``; here any ``mmg*.whatsapp.net`` host). ``ZISFROMME`` is 1 for
sent messages; ``ZCHATSESSION`` -> ``ZWACHATSESSION`` (ZCONTACTJID, ZPARTNERNAME) names the chat.
Links are cut with the SMS parser's ``extract_links`` (``https?://`` up to white space).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa
from tracehound.iocs.normalise import split_url
from tracehound.parsers.common import columnar
from tracehound.parsers.common.sqlite import columns, select_optional, tables
from tracehound.parsers.ios.sms import extract_links


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsAppMessage(Record):
    """One WhatsApp message and the links in its text, media and link preview."""

    TYPE = "ios.whatsapp"
    MEANING = (
        "A WhatsApp message held this link or came from this account; a received link shows an "
        "attempt, browser traces near the same time show whether it was opened."
    )
    NETWORK_HIT = "received"  # a link arrived or was stored: not proof it was opened
    PUBLIC_FIELDS = ("direction",)
    TS_DESC = "WhatsApp message"

    direction: str | None  # "sent" or "received"
    from_jid: str | None
    to_jid: str | None
    chat_jid: str | None
    chat_name: str | None
    push_name: str | None
    text: str | None
    message_type: int | None
    stanza_id: str | None
    media_url: str | None  # as stored (WhatsApp media links included)
    links: tuple[Url, ...]  # without WhatsApp media links
    sent_at: datetime | None


PATHS = ("/private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite",)

_MESSAGE = {
    "pk": "Z_PK",
    "date": "ZMESSAGEDATE",
    "sent": "ZSENTDATE",
    "from_me": "ZISFROMME",
    "from_jid": "ZFROMJID",
    "to_jid": "ZTOJID",
    "text": "ZTEXT",
    "push": "ZPUSHNAME",
    "mtype": "ZMESSAGETYPE",
    "stanza": "ZSTANZAID",
}
_JOINS = (  # table, link column, join condition column on ZWAMESSAGE, wanted columns
    ("ZWAMEDIAITEM", "ZMESSAGE", "Z_PK", {"media_url": "ZMEDIAURL"}),
    (
        "ZWAMESSAGEDATAITEM",
        "ZMESSAGE",
        "Z_PK",
        {"content1": "ZCONTENT1", "content2": "ZCONTENT2", "matched": "ZMATCHEDTEXT"},
    ),
    ("ZWACHATSESSION", "Z_PK", "ZCHATSESSION", {"chat_jid": "ZCONTACTJID", "chat": "ZPARTNERNAME"}),
)
_LINK_FIELDS = ("text", "matched", "media_url", "content1", "content2")


def _query(conn: sqlite3.Connection) -> str:
    parts = [select_optional(conn, "ZWAMESSAGE", _MESSAGE)]
    joins: list[str] = []
    present = tables(conn)
    message_columns = columns(conn, "ZWAMESSAGE")
    for table, link, own, wanted in _JOINS:
        if table in present and link in columns(conn, table) and own in message_columns:
            parts.append(select_optional(conn, table, wanted))
            joins.append(f"LEFT JOIN {table} ON {table}.{link} = ZWAMESSAGE.{own}")
        else:
            parts.append(", ".join(f"NULL AS {alias}" for alias in wanted))
    return f"SELECT {', '.join(parts)} FROM ZWAMESSAGE {' '.join(joins)} ORDER BY ZWAMESSAGE.Z_PK"


def is_whatsapp_media(url: str) -> bool:
    """True for WhatsApp's own media links (``mmg*.whatsapp.net``), which MVT leaves out."""
    parts = split_url(url)
    return bool(parts and parts.host.endswith(".whatsapp.net") and parts.host.startswith("mmg"))


def _links(ctx: ParseContext, rows: list[dict[str, Any]], pk: int) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for r in rows:
        for name in _LINK_FIELDS:
            value = r[name]
            if isinstance(value, str):
                found.update(dict.fromkeys(extract_links(value)))
            elif value is not None and name not in ("text", "media_url"):  # those warn once
                ctx.warn(f"{name} is not text: {str(value)[:80]!r}", pk)
    return tuple(url for url in found if not is_whatsapp_media(url))


@artifact(
    record=WhatsAppMessage,
    input="sqlite",
    paths=PATHS,
    requires={"ZWAMESSAGE": ("Z_PK", "ZMESSAGEDATE", "ZTEXT")},
)
def parse(
    conn: sqlite3.Connection, ctx: ParseContext
) -> Iterator[WhatsAppMessage | pa.RecordBatch]:
    """WhatsApp messages: time, sender and receiver JIDs, direction, text and links."""
    conn.row_factory = None
    for batch in columnar.batches(conn, _query(conn), key="pk"):
        try:
            yield _columns(batch.columns)
        except columnar.Unclean:  # joined rows of one message, or an odd value: row by row
            for pk, group in itertools.groupby(batch.rows(), key=lambda r: r["pk"]):
                yield _record(ctx, pk, list(group))


def _record(ctx: ParseContext, pk: Any, rows: list[dict[str, Any]]) -> WhatsAppMessage:
    r = rows[0]
    text = ctx.text(r["text"], pk, "ZTEXT")
    from_me = ctx.integer(r["from_me"], pk, "ZISFROMME")
    return WhatsAppMessage(
        ts=ctx.time(from_cocoa, r["date"], pk, "ZMESSAGEDATE"),
        row=pk,
        direction=None if from_me is None else ("sent" if from_me else "received"),
        from_jid=ctx.text(r["from_jid"], pk, "ZFROMJID"),
        to_jid=ctx.text(r["to_jid"], pk, "ZTOJID"),
        chat_jid=ctx.text(r["chat_jid"], pk, "ZWACHATSESSION.ZCONTACTJID"),
        chat_name=ctx.text(r["chat"], pk, "ZWACHATSESSION.ZPARTNERNAME"),
        push_name=ctx.text(r["push"], pk, "ZPUSHNAME"),
        text=text,
        message_type=ctx.integer(r["mtype"], pk, "ZMESSAGETYPE"),
        stanza_id=ctx.text(r["stanza"], pk, "ZSTANZAID"),
        media_url=ctx.text(r["media_url"], pk, "ZMEDIAURL"),
        links=_links(ctx, rows, pk),
        sent_at=ctx.time(from_cocoa, r["sent"], pk, "ZSENTDATE"),
    )


def _columns(c: dict[str, Sequence[Any]]) -> pa.RecordBatch:
    """The batch as columns, exactly as ``_record`` would make each message (columnar.py):
    only when every message is one row (no joined media or data items repeat it)."""
    columnar.unique(c["pk"])
    texts = {name: columnar.text(c[name]) for name in _LINK_FIELDS}
    links: list[tuple[str, ...]] = [()] * len(c["pk"])
    for number in columnar.any_contains(list(texts.values()), "://"):
        found: dict[str, None] = {}
        for name in _LINK_FIELDS:
            value = c[name][number]
            if isinstance(value, str):
                found.update(dict.fromkeys(extract_links(value)))
        links[number] = tuple(url for url in found if not is_whatsapp_media(url))
    from_me = columnar.integers(c["from_me"])
    return columnar.record_batch(
        WhatsAppMessage,
        {
            "ts": columnar.cocoa_seconds(c["date"]),
            "row": columnar.integers(c["pk"]),
            "direction": pc.if_else(pc.not_equal(from_me, 0), "sent", "received"),
            "from_jid": columnar.text(c["from_jid"]),
            "to_jid": columnar.text(c["to_jid"]),
            "chat_jid": columnar.text(c["chat_jid"]),
            "chat_name": columnar.text(c["chat"]),
            "push_name": columnar.text(c["push"]),
            "text": texts["text"],
            "message_type": columnar.integers(c["mtype"]),
            "stanza_id": columnar.text(c["stanza"]),
            "media_url": texts["media_url"],
            "links": pa.array(links, pa.list_(pa.string())),
            "sent_at": columnar.cocoa_seconds(c["sent"]),
        },
    )
