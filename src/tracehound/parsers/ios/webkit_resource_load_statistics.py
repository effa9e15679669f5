"""Domains WebKit observed (Intelligent Tracking Prevention), per app, from observations.db.

Facts: MVT's ``WebkitResourceLoadStatistics`` module (relative path
``Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db`` in every app domain, the
SafariViewService location, Unix times) and WebKit's ``ResourceLoadStatisticsStore`` source
(``observations.db`` in the ResourceLoadStatistics folder): ``ObservedDomains(domainID,
registrableDomain, lastSeen, hadUserInteraction, mostRecentUserInteractionTime, grandfathered,
isPrevalent, isVeryPrevalent, dataRecordsRemoved, timesAccessedAsFirstPartyDueTo...,
isScheduledForAllButCookieDataRemoval, mostRecentWebPushInteractionTime)``; times are
``WallTime::secondsSinceEpoch()``, i.e. Unix seconds (REAL). Top-frame redirects are kept in
``TopFrameUniqueRedirectsTo(sourceDomainID, toDomainID)`` and
``TopFrameUniqueRedirectsFrom(targetDomainID, fromDomainID)``. Domains stay here after history
is cleared, which makes the file useful to find visits to exploit domains.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import Domain, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix
from tracehound.parsers.common.sqlite import columns, select_optional, tables

#: WebKit writes 0 for "never" and MVT's sample file shows -1 for no user interaction.
NEVER = (0, -1)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitObservedDomain(Record):
    """One registrable domain seen by WebKit in one app (or Safari)."""

    TYPE = "ios.webkit_resource_load_statistics"
    MEANING = (
        "WebKit's tracking prevention database saw this domain in Safari or in an app; the "
        "entry survives clearing the browsing history."
    )
    NETWORK_HIT = "loaded"  # the page or resource was loaded on the phone
    TS_DESC = "WebKit domain last seen"
    EXTRA_TIMES = (("last_interaction", "WebKit domain user interaction"),)

    domain: Domain | None
    domain_id: int
    had_user_interaction: bool | None
    last_interaction: datetime | None
    is_prevalent: bool | None  # classified as a tracker
    redirects_to: tuple[Domain, ...]  # top-frame redirects from this domain
    redirects_from: tuple[Domain, ...]  # top-frame redirects to this domain
    container: str | None  # device folder that holds Library/WebKit (the app's container)
    app: str | None  # container id: bundle id in backups, UUID on a file system dump


PATHS = (
    "/private/var/mobile/**/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db",
    "/private/var/mobile/**/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData"
    "/observations.db",
)

_COLUMNS = {
    "id": "domainID",
    "domain": "registrableDomain",
    "seen": "lastSeen",
    "interacted": "hadUserInteraction",
    "interaction": "mostRecentUserInteractionTime",
    "prevalent": "isPrevalent",
}
_SEP = "\x1f"
_REDIRECTS = {
    # alias: (table, column of this domain, column of the other domain)
    "to_list": ("TopFrameUniqueRedirectsTo", "sourceDomainID", "toDomainID"),
    "from_list": ("TopFrameUniqueRedirectsFrom", "targetDomainID", "fromDomainID"),
}
_CONTAINER_PARENTS = (
    "/Containers/Data/Application/",
    "/Containers/Shared/AppGroup/",
    "/Containers/Data/PluginKitPlugin/",
)


def container_of(path: str) -> tuple[str | None, str | None]:
    """(folder holding Library/WebKit, container id) of a WebKit data file's device path."""
    cut = path.find("/Library/WebKit/")
    container = path[:cut] if cut > 0 else path.rsplit("/", 1)[0] or None
    for parent in _CONTAINER_PARENTS:
        if parent in path:
            return container, path.split(parent, 1)[1].split("/", 1)[0] or None
    return container, None


def _query(conn: sqlite3.Connection) -> str:
    present = tables(conn)
    parts = [select_optional(conn, "ObservedDomains", _COLUMNS)]
    for alias, (table, mine, other) in _REDIRECTS.items():
        if table in present and {mine, other} <= columns(conn, table):
            parts.append(
                f"(SELECT group_concat(o.registrableDomain, char(31)) FROM {table} t "
                f"JOIN ObservedDomains o ON o.domainID = t.{other} "
                f"WHERE t.{mine} = ObservedDomains.domainID) AS {alias}"
            )
        else:
            parts.append(f"NULL AS {alias}")
    return f"SELECT {', '.join(parts)} FROM ObservedDomains ORDER BY domainID"


def _domains(value: object) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(dict.fromkeys(d for d in value.split(_SEP) if d))


@artifact(
    record=WebkitObservedDomain,
    input="sqlite",
    paths=PATHS,
    requires={"ObservedDomains": ("domainID", "registrableDomain", "lastSeen")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[WebkitObservedDomain]:
    """Domains WebKit saw in each app or in Safari, kept even after history is cleared."""
    container, app = container_of(ctx.path)
    conn.row_factory = sqlite3.Row
    for r in conn.execute(_query(conn)):
        row = r["id"]
        domain = r["domain"]
        if domain is not None and not isinstance(domain, str):
            ctx.warn(f"registrableDomain is not text: {str(domain)[:80]!r}", row)
            domain = None
        yield WebkitObservedDomain(
            ts=ctx.time(from_unix, r["seen"], row, "lastSeen"),
            row=row,
            domain=domain or None,
            domain_id=row,
            had_user_interaction=None if r["interacted"] is None else bool(r["interacted"]),
            last_interaction=ctx.time(
                from_unix, r["interaction"], row, "mostRecentUserInteractionTime", NEVER
            ),
            is_prevalent=None if r["prevalent"] is None else bool(r["prevalent"]),
            redirects_to=_domains(r["to_list"]),
            redirects_from=_domains(r["from_list"]),
            container=container,
            app=app,
        )
