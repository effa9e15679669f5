"""CFNetwork's HTTP cache database ``Cache.db`` (NSURLCache on disk).

Facts: the schema CFNetwork's ``NSURLStorageURLCacheDB`` creates (also in plaso's Cache.db
schema): ``cfurl_cache_response(entry_ID, version, hash_value, storage_policy, request_key,
time_stamp DEFAULT CURRENT_TIMESTAMP, partition)``, ``cfurl_cache_blob_data(entry_ID,
response_object, request_object, proto_props, user_info)``, ``cfurl_cache_receiver_data(entry_ID,
isDataOnFS, receiver_data)`` and ``cfurl_cache_schema_version``. Older files have no
``partition`` column and no ``isDataOnFS``. No schema version number is written (its value was
not verified). ``response_object`` is a binary plist whose ``Array`` starts with
``{_CFURLString, _CFURLStringType}``. Typical device paths:
``/private/var/mobile/Library/Caches/com.apple.coretelephony/Cache.db`` and
``/private/var/mobile/Containers/Data/Application/<UUID>/Library/Caches/<bundle id>/Cache.db``.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import write_sqlite

_RESPONSE = (
    "CREATE TABLE cfurl_cache_response(entry_ID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, "
    "version INTEGER, hash_value INTEGER, storage_policy INTEGER, request_key TEXT UNIQUE, "
    "time_stamp NOT NULL DEFAULT CURRENT_TIMESTAMP{partition});"
)
_REST = """
CREATE TABLE cfurl_cache_blob_data(entry_ID INTEGER PRIMARY KEY, response_object BLOB,
  request_object BLOB, proto_props BLOB, user_info BLOB);
CREATE TABLE cfurl_cache_receiver_data(entry_ID INTEGER PRIMARY KEY,{on_fs} receiver_data BLOB);
CREATE TABLE cfurl_cache_schema_version(schema_version INTEGER);
CREATE INDEX proto_props_index ON cfurl_cache_blob_data(entry_ID);
CREATE INDEX receiver_data_index ON cfurl_cache_receiver_data(entry_ID);
CREATE INDEX request_key_index ON cfurl_cache_response(request_key);
CREATE INDEX time_stamp_index ON cfurl_cache_response(time_stamp);
"""


def stamp(value: datetime) -> str:
    """An aware datetime as SQLite ``CURRENT_TIMESTAMP`` text (UTC, whole seconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _blob(url: str) -> bytes:
    return plistlib.dumps(
        {"Version": 1, "Array": [{"_CFURLStringType": 15, "_CFURLString": url}, 0.0, 0, 200]},
        fmt=plistlib.FMT_BINARY,
    )


def write(path: Path, responses: Sequence[Mapping[str, Any]], legacy: bool = False) -> None:
    """Write Cache.db. Each response is a dict of ``cfurl_cache_response`` columns; at least
    ``request_key`` (the URL). ``time_stamp`` may be an aware datetime; ``entry_ID`` defaults to
    the position (1-based). ``legacy`` writes the older layout (no ``partition``/``isDataOnFS``).
    """
    schema = _RESPONSE.format(partition="" if legacy else ", partition TEXT") + _REST.format(
        on_fs="" if legacy else " isDataOnFS INTEGER,"
    )
    rows: list[dict[str, Any]] = []
    blobs: list[dict[str, Any]] = []
    receivers: list[dict[str, Any]] = []
    for number, given in enumerate(responses, 1):
        row = {"entry_ID": number, "version": 0, "hash_value": 0, "storage_policy": 0, **given}
        if isinstance(row.get("time_stamp"), datetime):
            row["time_stamp"] = stamp(row["time_stamp"])
        if not legacy:
            row.setdefault("partition", None)
        rows.append(row)
        url = row.get("request_key")
        blob = _blob(url) if isinstance(url, str) else None
        blobs.append({"entry_ID": row["entry_ID"], "response_object": blob})
        receiver = {"entry_ID": row["entry_ID"], "receiver_data": b"{}"}
        receivers.append(receiver if legacy else {**receiver, "isDataOnFS": 0})
    write_sqlite(
        path,
        schema,
        {
            "cfurl_cache_response": rows,
            "cfurl_cache_blob_data": blobs,
            "cfurl_cache_receiver_data": receivers,
        },
    )
