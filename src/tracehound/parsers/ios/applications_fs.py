"""Installed App Store apps on a full file system dump: each bundle's iTunesMetadata.plist.

Facts: MVT's ``Applications`` module reads, on file system dumps,
``private/var/containers/Bundle/Application/*/iTunesMetadata.plist`` (the same store metadata a
backup keeps in Info.plist under ``Applications.<id>.iTunesMetadata``); the bundle container
folder is a UUID. The keys and their meaning are those of the backup parser
(``parsers/ios/applications.py``), whose record shape and field extraction are reused here, so
the ``app_source`` detector reads both. The bundle id is ``softwareVersionBundleId``; when the
metadata lacks it, ``bundle_id`` holds the container UUID instead (and ``store_bundle_id`` is
None, which ``app_source`` reports).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import field_names
from tracehound.core.registry import artifact
from tracehound.parsers.ios.applications import Application, application_record

PATHS = ("/private/var/containers/Bundle/Application/*/iTunesMetadata.plist",)

#: Keys every App Store iTunesMetadata.plist carries at least one of.
_STORE_KEYS = ("softwareVersionBundleId", "itemName", "itemId", "bundleVersion", "artistName")
_CONTAINER = re.compile(r"/Bundle/Application/([^/]+)/iTunesMetadata\.plist$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationFs(Application):
    """One installed app from its bundle's iTunesMetadata.plist (file system dumps)."""

    TYPE = "ios.applications_fs"
    MEANING = (
        "The installed apps of a file system dump: the app was installed when the dump was made."
    )
    TS_DESC = "App purchased/installed"

    container: str | None  # the bundle container folder (a UUID on the device)


@artifact(record=ApplicationFs, input="plist", paths=PATHS)
def parse(meta: Any, ctx: ParseContext) -> Iterator[ApplicationFs]:
    """Installed apps (file system dump): store metadata, installer app, purchase date."""
    if not isinstance(meta, dict):
        raise SchemaMismatch(f"top level is {type(meta).__name__}, not a dictionary")
    if not any(key in meta for key in _STORE_KEYS):
        raise SchemaMismatch("missing key " + ", ".join(_STORE_KEYS))
    match = _CONTAINER.search(ctx.path)
    container = match.group(1) if match else None
    store_id = meta.get("softwareVersionBundleId")
    bundle_id = store_id if isinstance(store_id, str) and store_id else container or "unknown"
    app = application_record(bundle_id, {"iTunesMetadata": meta}, True, ctx)
    values = {name: getattr(app, name) for name in field_names(Application)}
    yield ApplicationFs(**values, container=container)
