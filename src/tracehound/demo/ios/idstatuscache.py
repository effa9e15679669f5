"""com.apple.identityservices.idstatuscache.plist: iMessage/FaceTime ID status lookups.

Facts: MVT's ``IDStatusCache`` module and plaso's ``ios_identityservices`` plist plugin. A binary
plist whose top level maps a service (``com.apple.madrid`` = iMessage, ``com.apple.ess`` =
FaceTime...) to a dictionary of looked-up URIs (``mailto:user@example.com``, ``tel:+15555550100``)
-> ``{"LookupDate": <Cocoa seconds, real>, "IDStatus": <integer>}``; plaso also skips a top-level
``CacheVersion`` key. ``nested=True`` writes the variant where lookups are grouped under the
local sender URI (service -> from URI -> looked-up URI -> entry), which the parser also reads.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.core.timeutil import to_cocoa


def write(
    path: Path,
    lookups: Sequence[Mapping[str, Any]],
    nested: bool = False,
    cache_version: int | None = None,
) -> None:
    """Write the cache as a binary plist.

    Each lookup is a dict with ``service``, ``user`` (the URI), ``lookup_date`` (aware datetime,
    or a number written as is), ``id_status`` (int), and for ``nested=True`` ``from_user``.
    """
    root: dict[str, Any] = {}
    if cache_version is not None:
        root["CacheVersion"] = cache_version
    for item in lookups:
        when = item["lookup_date"]
        entry = {
            "LookupDate": to_cocoa(when) if isinstance(when, datetime) else when,
            "IDStatus": item.get("id_status", 1),
        }
        service = root.setdefault(item["service"], {})
        if nested:
            service = service.setdefault(item.get("from_user", "mailto:owner@example.com"), {})
        service[item["user"]] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(root, fmt=plistlib.FMT_BINARY, sort_keys=False))
