"""Origins that stored LocalStorage data in WebKit (Safari and apps' web views), from file names.

Facts: MVT's ``WebkitLocalStorage`` module lists
``private/var/mobile/Containers/Data/Application/*/Library/WebKit/WebsiteData/LocalStorage/``
and reads each entry named ``http_``/``https_`` as an origin, dated by a folder's mtime
(``mvt/ios/modules/fs/webkit_localstorage.py``). WebKit names each origin's file
``<origin id>.localstorage`` (a SQLite ``ItemTable``), with ``-wal``/``-shm`` siblings, next to
``StorageTracker.db`` (WebKit ``LocalStorageManager.cpp``; naming in webkit_origin.py). This
reads Safari's own data and every container's (the SafariViewService folders are
``ios.webkit_safariviewservice``); each record is dated by its own file's mtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.registry import artifact
from tracehound.parsers.ios.webkit_origin import WebkitOriginEntry, origin_records


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitLocalStorage(WebkitOriginEntry):
    """One LocalStorage origin file."""

    TYPE = "ios.webkit_localstorage"
    MEANING = "WebKit kept LocalStorage data of this web origin: a page of it ran."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "WebKit LocalStorage file modified"


@artifact(
    record=WebkitLocalStorage,
    input="listing",
    paths=("/private/var/mobile/**/WebKit/WebsiteData/LocalStorage/*",),
)
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[WebkitLocalStorage]:
    """Web origins that kept LocalStorage data in WebKit, decoded from file names (URLs)."""
    yield from origin_records(entries, ctx, WebkitLocalStorage, ("LocalStorage",), False)
