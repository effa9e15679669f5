"""URLs fetched through the system HTTP cache: every CFNetwork ``Cache.db`` on the device.

Facts: MVT's ``CacheFiles`` module walks the whole dump for files named ``Cache.db`` and reads
``cfurl_cache_response(entry_ID, version, hash_value, storage_policy, request_key, time_stamp)``;
``request_key`` is the URL and ``time_stamp`` SQLite's ``CURRENT_TIMESTAMP`` text
(``YYYY-MM-DD HH:MM:SS``, UTC). The schema (CFNetwork ``NSURLStorageURLCacheDB``, also plaso's
Cache.db schema) gained a ``partition`` column in later iOS versions; older files lack it.
Amnesty's 2021 methodology notes that Pegasus made HTTP requests under system identities such as
``com.apple.coretelephony``, so the folder that holds the database is kept (``cache_folder``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Record, Url
from tracehound.core.registry import artifact
from tracehound.parsers.common.sqlite import select_optional


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheResponse(Record):
    """One cached HTTP response: its URL, when it was stored and which cache holds it."""

    TYPE = "ios.cache_files"
    MEANING = "CFNetwork's HTTP cache of an app: the app received a response from this URL."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "HTTP response cached"

    url: Url | None
    cache_folder: str | None  # folder holding Cache.db, e.g. com.apple.coretelephony
    entry_id: int | None
    version: int | None
    hash_value: int | None
    storage_policy: int | None
    partition: str | None


PATHS = ("/private/var/**/Cache.db",)

_COLUMNS = {
    "entry_id": "entry_ID",
    "version": "version",
    "hash_value": "hash_value",
    "storage_policy": "storage_policy",
    "url": "request_key",
    "stamp": "time_stamp",
    "partition": "partition",
}

_STAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def from_sqlite_timestamp(value: object) -> datetime | None:
    """SQLite ``CURRENT_TIMESTAMP`` text (``YYYY-MM-DD HH:MM:SS``, always UTC) to aware UTC."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in _STAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def cache_folder(device_path: str) -> str | None:
    """The name of the folder that holds the database (the cache's owner, usually)."""
    parts = [p for p in device_path.split("/") if p]
    return parts[-2] if len(parts) >= 2 else None


@artifact(
    record=CacheResponse,
    input="sqlite",
    paths=PATHS,
    requires={"cfurl_cache_response": ("entry_ID", "request_key")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[CacheResponse]:
    """URLs of HTTP responses kept in every CFNetwork Cache.db, with the time they were cached."""
    conn.row_factory = sqlite3.Row
    folder = cache_folder(ctx.path)
    select = select_optional(conn, "cfurl_cache_response", _COLUMNS)
    for r in conn.execute(f"SELECT {select} FROM cfurl_cache_response ORDER BY entry_ID"):
        row = ctx.integer(r["entry_id"], None, "entry_ID")
        url = ctx.text(r["url"], row, "request_key")
        yield CacheResponse(
            ts=ctx.time(from_sqlite_timestamp, r["stamp"], row, "time_stamp"),
            row=row,
            url=url or None,
            cache_folder=folder,
            entry_id=row,
            version=ctx.integer(r["version"], row, "version"),
            hash_value=ctx.integer(r["hash_value"], row, "hash_value"),
            storage_policy=ctx.integer(r["storage_policy"], row, "storage_policy"),
            partition=ctx.text(r["partition"], row, "partition"),
        )
