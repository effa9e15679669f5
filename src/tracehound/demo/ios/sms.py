"""sms.db of the Messages app (SMS, MMS and iMessage), in Apple's iOS 16/17 schema.

Facts: the table and column names are those of ``/private/var/mobile/Library/SMS/sms.db`` as used
by MVT's ``SMS`` and ``SMSAttachments`` modules and iLEAPP's SMS/iMessage artifacts: ``message``,
``handle``, ``chat``, ``chat_message_join``, ``chat_handle_join``, ``attachment``,
``message_attachment_join``. ``message.date``/``date_read``/``date_delivered`` are Cocoa
nanoseconds since iOS 11 (Cocoa seconds before); ``attachment.created_date`` is Cocoa seconds.

The builder fills Apple's NOT NULL columns with plausible defaults and links each message to a
one-to-one chat of its handle, so the file looks like a real database to any reader.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import Rows, write_sqlite

SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
CREATE TABLE sync_deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
  guid TEXT NOT NULL, recordID TEXT);
CREATE TABLE sync_deleted_chats (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
  guid TEXT NOT NULL, recordID TEXT, timestamp INTEGER);
CREATE TABLE sync_deleted_attachments (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
  guid TEXT NOT NULL, recordID TEXT);
CREATE TABLE kvtable (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, key TEXT UNIQUE NOT NULL,
  value BLOB NOT NULL);
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL,
  country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT,
  UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT,
  service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0,
  last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0,
  successful_query INTEGER, engram_id TEXT, server_change_token TEXT,
  ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT,
  last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT,
  last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0,
  syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0,
  is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0,
  subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0,
  type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0,
  date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0,
  is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
  is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0,
  is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0,
  is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0,
  is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0,
  was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0,
  cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT,
  was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0,
  is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER,
  item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT,
  group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0,
  share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0,
  expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0,
  message_source INTEGER DEFAULT 0, associated_message_guid TEXT,
  associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB,
  expressive_send_style_id TEXT, associated_message_range_location INTEGER DEFAULT 0,
  associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER,
  message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT,
  ck_record_change_tag TEXT, destination_caller_id TEXT, sr_ck_sync_state INTEGER DEFAULT 0,
  sr_ck_record_id TEXT, sr_ck_record_change_tag TEXT, is_corrupt INTEGER DEFAULT 0,
  reply_to_guid TEXT, sort_id INTEGER, is_spam INTEGER DEFAULT 0,
  has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT,
  thread_originator_part TEXT, syndication_ranges TEXT DEFAULT NULL,
  was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0,
  synced_syndication_ranges TEXT DEFAULT NULL, date_retracted INTEGER DEFAULT 0,
  date_edited INTEGER DEFAULT 0, was_detonated INTEGER DEFAULT 0, part_count INTEGER,
  is_stewie INTEGER DEFAULT 0, is_kt_verified INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0,
  is_critical INTEGER DEFAULT 0, bia_reference_id TEXT DEFAULT NULL,
  fallback_hash TEXT DEFAULT NULL);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT,
  mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0,
  user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0,
  sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0,
  ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB, ck_record_id TEXT,
  original_guid TEXT UNIQUE NOT NULL, sr_ck_sync_state INTEGER DEFAULT 0,
  sr_ck_server_change_token_blob BLOB, sr_ck_record_id TEXT,
  is_commsafety_sensitive INTEGER DEFAULT 0, emoji_image_content_identifier TEXT DEFAULT NULL,
  emoji_image_short_description TEXT DEFAULT NULL, preview_generation_state INTEGER DEFAULT 0);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
  message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
  attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
  UNIQUE(message_id, attachment_id));
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_is_read ON message(is_read, is_from_me, is_finished);
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
"""


def _guid(kind: str, row: Any) -> str:
    """A stable, upper-case UUID string, as Messages writes in ``guid`` columns."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tracehound-demo-sms-{kind}-{row}")).upper()


def write(
    path: Path,
    messages: Rows,
    handles: Rows = (),
    attachments: Rows = (),
    properties: Mapping[str, str] | None = None,
) -> None:
    """Write sms.db from column dicts (Apple's column names).

    ``handles``: handle rows (``ROWID``, ``id``, optional ``service``, ``country``).
    ``messages``: message rows (``ROWID``, ``text``, ``handle_id``, ``date``, ``is_from_me``...);
    a missing ``guid`` is generated. Each message with a handle joins that handle's chat.
    ``attachments``: attachment rows; the extra key ``message_id`` (int or list of ints) is not a
    column: it makes the ``message_attachment_join`` rows. Missing guids are generated.
    """
    handle_rows = [{"service": "iMessage", "country": "us", **h} for h in handles]
    chats, chat_handles = _chats(handle_rows)
    chat_of_handle = {row["handle_id"]: row["chat_id"] for row in chat_handles}
    message_rows: list[dict[str, Any]] = []
    chat_messages: list[dict[str, Any]] = []
    for index, m in enumerate(messages):
        row = {"guid": _guid("message", m.get("ROWID", f"n{index}")), "service": "iMessage", **m}
        message_rows.append(row)
        chat = chat_of_handle.get(row.get("handle_id"))
        if chat is not None and row.get("ROWID") is not None:
            chat_messages.append(
                {"chat_id": chat, "message_id": row["ROWID"], "message_date": row.get("date") or 0}
            )
    attachment_rows, joins = _attachments(attachments)
    props = properties or {"counter_in_all": str(len(message_rows)), "_ClientVersion": "17007"}
    write_sqlite(
        path,
        SCHEMA,
        {
            "_SqliteDatabaseProperties": [{"key": k, "value": v} for k, v in props.items()],
            "handle": handle_rows,
            "chat": chats,
            "chat_handle_join": chat_handles,
            "message": message_rows,
            "chat_message_join": chat_messages,
            "attachment": attachment_rows,
            "message_attachment_join": joins,
        },
    )


def _chats(
    handles: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    chats: list[dict[str, Any]] = []
    joins: list[dict[str, Any]] = []
    for index, h in enumerate(handles, start=1):
        if h.get("ROWID") is None:
            continue
        service = h.get("service") or "iMessage"
        chats.append(
            {
                "ROWID": index,
                "guid": f"{service};-;{h.get('id')}",
                "style": 45,  # one-to-one chat
                "state": 3,
                "chat_identifier": h.get("id"),
                "service_name": service,
                "account_login": "E:",
            }
        )
        joins.append({"chat_id": index, "handle_id": h["ROWID"]})
    return chats, joins


def _attachments(attachments: Rows) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    joins: list[dict[str, Any]] = []
    for index, a in enumerate(attachments):
        row = dict(a)
        linked = row.pop("message_id", None)
        guid = row.get("guid") or _guid("attachment", row.get("ROWID", f"n{index}"))
        rows.append({**row, "guid": guid, "original_guid": row.get("original_guid") or guid})
        ids = linked if isinstance(linked, list | tuple) else [linked]
        joins.extend({"message_id": m, "attachment_id": row["ROWID"]} for m in ids if m is not None)
    return rows, joins
