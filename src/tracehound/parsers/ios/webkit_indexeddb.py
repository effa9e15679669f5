"""Origins that stored IndexedDB data in WebKit (Safari and apps' web views), from folder names.

Facts: MVT's ``WebkitIndexedDB`` module lists
``private/var/mobile/Containers/Data/Application/*/Library/WebKit/WebsiteData/IndexedDB`` and
reads each entry named ``http_``/``https_`` as an origin, dated by a folder's mtime
(``mvt/ios/modules/fs/webkit_indexeddb.py``). WebKit keeps IndexedDB per origin in
``IndexedDB/<origin id>`` and, since its v0/v1 layouts, ``IndexedDB/v1/<top origin id>/<frame
origin id>/`` (WebKit ``IDBStorageManager.cpp``); the naming is in parsers/ios/webkit_origin.py.
A visit to an exploit page that used IndexedDB leaves its origin here after history is cleared.
This reads Safari's own data (``/private/var/mobile/Library/WebKit``) and every container's; the
SafariViewService folders are ``ios.webkit_safariviewservice``. Each record is dated by its own
entry's mtime (MVT uses the parent folder's, the same for all entries). WebKit's newer
``WebsiteData/Default/<salted hash>`` layout names folders by hash, not origin: not covered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.registry import artifact
from tracehound.parsers.ios.webkit_origin import WebkitOriginEntry, origin_records


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitIndexedDB(WebkitOriginEntry):
    """One IndexedDB origin folder."""

    TYPE = "ios.webkit_indexeddb"
    MEANING = "WebKit kept IndexedDB data of this web origin: a page of it ran."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "WebKit IndexedDB origin folder modified"


@artifact(
    record=WebkitIndexedDB,
    input="listing",
    paths=("/private/var/mobile/**/WebKit/WebsiteData/IndexedDB/**",),
)
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[WebkitIndexedDB]:
    """Web origins that kept IndexedDB data in WebKit, decoded from folder names (URLs)."""
    yield from origin_records(entries, ctx, WebkitIndexedDB, ("IndexedDB",), False)
