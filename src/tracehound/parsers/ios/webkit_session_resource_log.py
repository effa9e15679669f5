"""Per-domain WebKit browsing statistics from full_browsing_session_resourceLog.plist.

Facts: MVT's ``WebkitSessionResourceLog`` module (paths, backup file ``a500ee38...`` =
SHA1("AppDomain-com.apple.mobilesafari-Library/WebKit/WebsiteData/ResourceLoadStatistics/
full_browsing_session_resourceLog.plist"), the redirect alert) and WebKit's
``ResourceLoadStatistics::encode`` and ``ResourceLoadStatisticsStore::createEncoderFromData``:
a binary plist with ``version``, ``endOfGrandfatheringTimestamp``, ``browsingStatistics`` (one
dict per domain) and ``operatingDates``. Each statistics dict has ``PrevalentResourceOrigin``
(older WebKit) or ``PrevalentResourceDomain`` (newer), ``lastSeen`` and
``mostRecentUserInteraction`` as ``WallTime::secondsSinceEpoch()`` (Unix seconds),
``hadUserInteraction``, ``isPrevalentResource``, and lists of dicts whose ``origin`` (older, with
a ``count``) or ``domain`` (newer) names a domain: ``topFrameUniqueRedirectsTo``,
``topFrameUniqueRedirectsFrom``, ``subframeUnderTopFrameOrigins``,
``subresourceUnderTopFrameOrigins``, ``subresourceUniqueRedirectsTo``,
``subresourceUniqueRedirectsFrom``. Newer WebKit keeps these statistics in observations.db and
deletes this file, so it is found on older iOS releases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.records import Domain, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix
from tracehound.parsers.ios.webkit_resource_load_statistics import NEVER, container_of


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitResourceLogEntry(Record):
    """Statistics WebKit kept about one domain: what it redirected to and what it loaded."""

    TYPE = "ios.webkit_session_resource_log"
    MEANING = (
        "WebKit's per-domain statistics (older iOS): pages or resources of this domain were "
        "loaded, or redirected to, in Safari or in an app."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "WebKit domain last seen"
    EXTRA_TIMES = (("last_interaction", "WebKit domain user interaction"),)

    origin: Domain | None
    redirects_to: tuple[Domain, ...]  # topFrameUniqueRedirectsTo
    redirects_from: tuple[Domain, ...]  # topFrameUniqueRedirectsFrom
    subframe_origins: tuple[Domain, ...]  # top frames this domain was a subframe under
    subresource_origins: tuple[Domain, ...]  # top frames this domain was a subresource under
    subresource_redirects_to: tuple[Domain, ...]
    subresource_redirects_from: tuple[Domain, ...]
    had_user_interaction: bool | None
    last_interaction: datetime | None
    is_prevalent: bool | None
    container: str | None  # device folder that holds Library/WebKit (the app's container)
    app: str | None  # container id: bundle id in backups, UUID on a file system dump


PATHS = (
    "/private/var/mobile/**/Library/WebKit/WebsiteData/ResourceLoadStatistics"
    "/full_browsing_session_resourceLog.plist",
    "/private/var/mobile/**/Library/WebKit/WebsiteData/full_browsing_session_resourceLog.plist",
    "/private/var/mobile/Library/WebClips/*/Storage/full_browsing_session_resourceLog.plist",
)

_LISTS = {
    "redirects_to": "topFrameUniqueRedirectsTo",
    "redirects_from": "topFrameUniqueRedirectsFrom",
    "subframe_origins": "subframeUnderTopFrameOrigins",
    "subresource_origins": "subresourceUnderTopFrameOrigins",
    "subresource_redirects_to": "subresourceUniqueRedirectsTo",
    "subresource_redirects_from": "subresourceUniqueRedirectsFrom",
}


def _domains(value: Any, ctx: ParseContext, index: int, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        ctx.warn(f"entry {index}: {key} is not a list")
        return ()
    out: list[str] = []
    for item in value:
        name = item.get("domain", item.get("origin")) if isinstance(item, dict) else item
        if isinstance(name, str) and name:
            out.append(name)
        else:
            ctx.warn(f"entry {index}: {key} holds no domain: {str(item)[:80]!r}")
    return tuple(dict.fromkeys(out))


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _entry(item: dict[str, Any], ctx: ParseContext, index: int) -> dict[str, Any]:
    origin = item.get("PrevalentResourceDomain", item.get("PrevalentResourceOrigin"))
    if origin is not None and not isinstance(origin, str):
        ctx.warn(f"entry {index}: domain is not text: {str(origin)[:80]!r}")
        origin = None
    fields = {name: _domains(item.get(key), ctx, index, key) for name, key in _LISTS.items()}
    return {
        "ts": ctx.time(from_unix, item.get("lastSeen"), None, f"entry {index}: lastSeen", NEVER),
        "origin": origin or None,
        "had_user_interaction": _flag(item.get("hadUserInteraction")),
        "last_interaction": ctx.time(
            from_unix,
            item.get("mostRecentUserInteraction"),
            None,
            f"entry {index}: mostRecentUserInteraction",
            NEVER,
        ),
        "is_prevalent": _flag(item.get("isPrevalentResource")),
        **fields,
    }


@artifact(
    record=WebkitResourceLogEntry,
    input="plist",
    paths=PATHS,
    requires={"": ("browsingStatistics",)},
)
def parse(obj: dict[str, Any], ctx: ParseContext) -> Iterator[WebkitResourceLogEntry]:
    """WebKit per-domain redirects and loads (older iOS), per app and for Safari."""
    container, app = container_of(ctx.path)
    stats = obj["browsingStatistics"]
    if not isinstance(stats, list):
        ctx.warn("browsingStatistics is not a list")
        return
    for index, item in enumerate(stats):
        if not isinstance(item, dict):
            ctx.warn(f"entry {index} is not a dictionary")
            continue
        yield WebkitResourceLogEntry(container=container, app=app, **_entry(item, ctx, index))
