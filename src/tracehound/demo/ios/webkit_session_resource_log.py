"""WebKit ``full_browsing_session_resourceLog.plist`` (binary plist, as KeyedEncoderCF writes it).

Keys follow ``ResourceLoadStatistics::encode``: the newer style names a domain
``PrevalentResourceDomain`` and lists ``{"domain": ...}``; the older style
``PrevalentResourceOrigin`` and ``{"origin": ..., "count": n}``. Times are Unix seconds.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DomainStats:
    """What WebKit knows about one domain (times are aware datetimes)."""

    domain: str
    last_seen: datetime
    had_user_interaction: bool = False
    last_interaction: datetime | None = None
    prevalent: bool = False
    redirects_to: Sequence[str] = ()
    redirects_from: Sequence[str] = ()
    subframe_under: Sequence[str] = ()
    subresource_under: Sequence[str] = ()
    subresource_redirects_to: Sequence[str] = ()
    subresource_redirects_from: Sequence[str] = ()


def _items(domains: Sequence[str], old_style: bool) -> list[dict[str, Any]]:
    if old_style:
        return [{"origin": d, "count": 1} for d in domains]
    return [{"domain": d} for d in domains]


def _encode(s: DomainStats, old_style: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "PrevalentResourceOrigin" if old_style else "PrevalentResourceDomain": s.domain,
        "lastSeen": s.last_seen.timestamp(),
        "hadUserInteraction": s.had_user_interaction,
        "mostRecentUserInteraction": s.last_interaction.timestamp() if s.last_interaction else 0.0,
        "grandfathered": False,
        "isPrevalentResource": s.prevalent,
        "isVeryPrevalentResource": False,
        "dataRecordsRemoved": 0,
        "timesAccessedAsFirstPartyDueToUserInteraction": 0,
        "timesAccessedAsFirstPartyDueToStorageAccessAPI": 0,
    }
    lists = {
        "topFrameUniqueRedirectsTo": s.redirects_to,
        "topFrameUniqueRedirectsFrom": s.redirects_from,
        "subframeUnderTopFrameOrigins": s.subframe_under,
        "subresourceUnderTopFrameOrigins": s.subresource_under,
        "subresourceUniqueRedirectsTo": s.subresource_redirects_to,
        "subresourceUniqueRedirectsFrom": s.subresource_redirects_from,
    }
    for key, domains in lists.items():
        if domains:  # WebKit leaves empty sets out
            out[key] = _items(domains, old_style)
    return out


def write(
    path: Path,
    stats: Sequence[DomainStats | Mapping[str, Any]],
    *,
    old_style: bool = False,
    operating_dates: Sequence[datetime] = (),
) -> None:
    """Write the plist; ``stats`` items are DomainStats, or raw dicts written as they are
    (to build damaged fixtures)."""
    entries = [_encode(s, old_style) if isinstance(s, DomainStats) else s for s in stats]
    top = {
        "version": 15 if old_style else 17,
        "endOfGrandfatheringTimestamp": 0.0,
        "browsingStatistics": entries,
        "operatingDates": [{"date": d.timestamp()} for d in operating_dates],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(top, fmt=plistlib.FMT_BINARY))
