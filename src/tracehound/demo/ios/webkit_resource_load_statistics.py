"""WebKit ResourceLoadStatistics ``observations.db`` (tables of ResourceLoadStatisticsStore.cpp)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tracehound.demo.sqlite_util import Rows, write_sqlite

_OBSERVED = """
CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY,
  registrableDomain TEXT NOT NULL UNIQUE ON CONFLICT FAIL, lastSeen REAL NOT NULL,
  hadUserInteraction INTEGER NOT NULL, mostRecentUserInteractionTime REAL NOT NULL,
  grandfathered INTEGER NOT NULL, isPrevalent INTEGER NOT NULL, isVeryPrevalent INTEGER NOT NULL,
  dataRecordsRemoved INTEGER NOT NULL,
  timesAccessedAsFirstPartyDueToUserInteraction INTEGER NOT NULL,
  timesAccessedAsFirstPartyDueToStorageAccessAPI INTEGER NOT NULL{extra});
"""
_EXTRA = (
    ", isScheduledForAllButCookieDataRemoval INTEGER NOT NULL, "
    "mostRecentWebPushInteractionTime REAL NOT NULL"
)

_OTHERS = """
CREATE TABLE TopLevelDomains (topLevelDomainID INTEGER PRIMARY KEY, CONSTRAINT fkDomainID
  FOREIGN KEY(topLevelDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE StorageAccessUnderTopFrameDomains (domainID INTEGER NOT NULL,
  topLevelDomainID INTEGER NOT NULL ON CONFLICT FAIL,
  CONSTRAINT fkDomainID FOREIGN KEY(domainID) REFERENCES ObservedDomains(domainID)
  ON DELETE CASCADE,
  FOREIGN KEY(topLevelDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE TopFrameUniqueRedirectsTo (sourceDomainID INTEGER NOT NULL,
  toDomainID INTEGER NOT NULL,
  FOREIGN KEY(sourceDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE,
  FOREIGN KEY(toDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE TopFrameUniqueRedirectsFrom (targetDomainID INTEGER NOT NULL,
  fromDomainID INTEGER NOT NULL,
  FOREIGN KEY(targetDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE,
  FOREIGN KEY(fromDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE SubframeUnderTopFrameDomains (subFrameDomainID INTEGER NOT NULL,
  lastUpdated REAL NOT NULL, topFrameDomainID INTEGER NOT NULL,
  FOREIGN KEY(subFrameDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE,
  FOREIGN KEY(topFrameDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE SubresourceUnderTopFrameDomains (subresourceDomainID INTEGER NOT NULL,
  lastUpdated REAL NOT NULL, topFrameDomainID INTEGER NOT NULL,
  FOREIGN KEY(subresourceDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE,
  FOREIGN KEY(topFrameDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);
CREATE TABLE OperatingDates (year INTEGER NOT NULL, month INTEGER NOT NULL,
  monthDay INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS TopFrameUniqueRedirectsTo_sourceDomainID_toDomainID
  on TopFrameUniqueRedirectsTo ( sourceDomainID, toDomainID );
CREATE UNIQUE INDEX IF NOT EXISTS TopFrameUniqueRedirectsFrom_targetDomainID_fromDomainID
  on TopFrameUniqueRedirectsFrom ( targetDomainID, fromDomainID );
CREATE UNIQUE INDEX IF NOT EXISTS OperatingDates_year_month_monthDay
  on OperatingDates ( year, month, monthDay );
"""

_DEFAULTS = {
    "hadUserInteraction": 0,
    "mostRecentUserInteractionTime": 0.0,
    "grandfathered": 0,
    "isPrevalent": 0,
    "isVeryPrevalent": 0,
    "dataRecordsRemoved": 0,
    "timesAccessedAsFirstPartyDueToUserInteraction": 0,
    "timesAccessedAsFirstPartyDueToStorageAccessAPI": 0,
}


def write(
    path: Path,
    domains: Rows,
    redirects: Sequence[tuple[int, int]] = (),
    *,
    modern: bool = True,
) -> None:
    """Write observations.db.

    ``domains`` are dicts of ObservedDomains columns (``domainID``, ``registrableDomain``,
    ``lastSeen`` in Unix seconds at least; the other NOT NULL columns default to 0).
    ``redirects`` are top-frame redirects as (from domainID, to domainID); WebKit records each
    in both TopFrameUniqueRedirectsTo and TopFrameUniqueRedirectsFrom. ``modern`` adds the
    columns of recent WebKit (isScheduledForAllButCookieDataRemoval, web push time).
    """
    extra = {"isScheduledForAllButCookieDataRemoval": 0, "mostRecentWebPushInteractionTime": 0.0}
    rows = [{**_DEFAULTS, **(extra if modern else {}), **d} for d in domains]
    schema = _OBSERVED.format(extra=_EXTRA if modern else "") + _OTHERS
    write_sqlite(
        path,
        schema,
        {
            "ObservedDomains": rows,
            "TopFrameUniqueRedirectsTo": [
                {"sourceDomainID": a, "toDomainID": b} for a, b in redirects
            ],
            "TopFrameUniqueRedirectsFrom": [
                {"targetDomainID": b, "fromDomainID": a} for a, b in redirects
            ],
        },
    )
