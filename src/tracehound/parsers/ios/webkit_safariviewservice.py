"""Origins with website data in apps' SafariViewService (in-app Safari), from entry names.

Facts: MVT's ``WebkitSafariViewService`` module lists
``private/var/mobile/Containers/Data/Application/*/SystemData/com.apple.SafariViewService/
Library/WebKit/WebsiteData/`` and reads entries named ``http_``/``https_`` as origins, dated by
the folder's mtime (``mvt/ios/modules/fs/webkit_safariviewservice.py``). A link opened inside an
app (a messenger, a mail client) is rendered by SafariViewService, whose WebKit data lives in the
app's container. This reads the folder's direct entries (as MVT) and also its ``IndexedDB`` and
``LocalStorage`` stores (``store`` says which), with the naming in webkit_origin.py; each
record is dated by its own entry's mtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.registry import artifact
from tracehound.parsers.ios.webkit_origin import WebkitOriginEntry, origin_records

PATH = (
    "/private/var/mobile/Containers/Data/Application/*/SystemData/com.apple.SafariViewService"
    "/Library/WebKit/WebsiteData/**"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitSafariViewService(WebkitOriginEntry):
    """One origin entry of an app's SafariViewService website data."""

    TYPE = "ios.webkit_safariviewservice"
    MEANING = "An app's in-app Safari view kept data of this web origin: a page of it was loaded."
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "SafariViewService website data entry modified"


@artifact(record=WebkitSafariViewService, input="listing", paths=(PATH,))
def parse(entries: Iterable[FileEntry], ctx: ParseContext) -> Iterator[WebkitSafariViewService]:
    """Web origins with data in apps' in-app Safari (SafariViewService), from names (URLs)."""
    yield from origin_records(entries, ctx, WebkitSafariViewService, None, True)
