"""locationd's clients.plist: every app or system bundle that used location services.

Facts: MVT's ``LocationdClients`` module. A binary plist whose keys are clients (a bundle id
such as ``com.apple.Maps``, or ``com.apple.locationd.bundle-/System/Library/LocationBundles/
X.bundle``, sometimes with a trailing ``:``) -> a dictionary with ``BundleId``, ``BundlePath``,
``Executable``, ``Registered`` (a path, sometimes a boolean), ``Authorization`` and nine Cocoa
second timestamps (see ``TIMESTAMP_KEYS``). Some top-level values are not dictionaries
(migration data) and are skipped by readers.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.core.timeutil import to_cocoa

TIMESTAMP_KEYS = (
    "ConsumptionPeriodBegin",
    "ReceivingLocationInformationTimeStopped",
    "VisitTimeStopped",
    "LocationTimeStopped",
    "BackgroundLocationTimeStopped",
    "SignificantTimeStopped",
    "NonPersistentSignificantTimeStopped",
    "FenceTimeStopped",
    "BeaconRegionTimeStopped",
)


def write(
    path: Path,
    clients: Mapping[str, Mapping[str, Any]],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write clients.plist; ``clients`` maps a client key to its dict (Apple's key names).

    Aware datetimes given for the timestamp keys are written as Cocoa seconds, as locationd does.
    ``extra`` adds non-client top-level values.
    """
    root: dict[str, Any] = {}
    for key, info in clients.items():
        root[key] = {
            k: to_cocoa(v) if k in TIMESTAMP_KEYS and isinstance(v, datetime) else v
            for k, v in info.items()
        }
    root.update(extra or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(root, fmt=plistlib.FMT_BINARY, sort_keys=False))
