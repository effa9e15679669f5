"""Apps and system bundles that used location services, from locationd's clients.plist.

Facts: MVT's ``LocationdClients`` module. The binary plist maps a client key (a bundle id, or
``com.apple.locationd.bundle-/System/Library/LocationBundles/X.bundle``; MVT strips a trailing
``:``) to a dictionary with ``BundleId``, ``BundlePath``, ``Executable``, ``Registered`` (a path,
sometimes a boolean), ``Authorization`` and nine Cocoa second timestamps (``TIMESTAMPS``).
Top-level values that are not dictionaries are migration data and are skipped. MVT matches the
last path component of the key and ``BundleId`` against process indicators, and ``BundlePath``,
``Executable`` and ``Registered`` against file path indicators.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import AppId, ExecPath, ProcessName, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa

#: (plist key, record field, timeline description)
TIMESTAMPS = (
    ("ConsumptionPeriodBegin", "consumption_period_begin", "Location consumption period began"),
    (
        "ReceivingLocationInformationTimeStopped",
        "receiving_location_information_time_stopped",
        "Stopped receiving location information",
    ),
    ("VisitTimeStopped", "visit_time_stopped", "Visit monitoring stopped"),
    ("LocationTimeStopped", "location_time_stopped", "Location use stopped"),
    (
        "BackgroundLocationTimeStopped",
        "background_location_time_stopped",
        "Background location use stopped",
    ),
    ("SignificantTimeStopped", "significant_time_stopped", "Significant-change monitoring stopped"),
    (
        "NonPersistentSignificantTimeStopped",
        "non_persistent_significant_time_stopped",
        "Non-persistent significant-change monitoring stopped",
    ),
    ("FenceTimeStopped", "fence_time_stopped", "Geofence monitoring stopped"),
    ("BeaconRegionTimeStopped", "beacon_region_time_stopped", "Beacon region monitoring stopped"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationdClient(Record):
    """One location services client and the times it last used location features."""

    TYPE = "ios.locationd_clients"
    MEANING = (
        "Programs that used location services: an entry means the program ran and asked for the"
        " phone's location."
    )
    TS_DESC = "Latest location activity"
    EXTRA_TIMES = tuple((field, desc) for _, field, desc in TIMESTAMPS)

    key: str  # the client key as stored
    bundle_id: AppId | None
    process: ProcessName | None  # last path component of the key, else BundleId
    bundle_path: ExecPath | None
    executable: ExecPath | None
    registered: ExecPath | None
    authorization: int | None
    consumption_period_begin: datetime | None
    receiving_location_information_time_stopped: datetime | None
    visit_time_stopped: datetime | None
    location_time_stopped: datetime | None
    background_location_time_stopped: datetime | None
    significant_time_stopped: datetime | None
    non_persistent_significant_time_stopped: datetime | None
    fence_time_stopped: datetime | None
    beacon_region_time_stopped: datetime | None


PATHS = (
    "/private/var/root/Library/Caches/locationd/clients.plist",
    "/private/var/mobile/Library/Caches/locationd/clients.plist",
)


def _text(info: dict[str, Any], name: str, key: str, ctx: ParseContext) -> str | None:
    value = info.get(name)
    if value is None or isinstance(value, bool):  # Registered is sometimes a boolean
        return None
    if isinstance(value, str):
        return value or None
    ctx.warn(f"{name} of {key!r:.60} is not text: {value!r:.60}")
    return None


def _client(key: str, info: dict[str, Any], ctx: ParseContext) -> LocationdClient:
    times = {
        field: ctx.time(from_cocoa, info.get(name), None, f"{name} of {key[:60]!r}")
        for name, field, _ in TIMESTAMPS
    }
    present = [t for t in times.values() if t is not None]
    bundle_id = _text(info, "BundleId", key, ctx)
    last = key.rstrip(":").rstrip("/").rsplit("/", 1)[-1]
    auth = info.get("Authorization")
    if auth is not None and (isinstance(auth, bool) or not isinstance(auth, int)):
        ctx.warn(f"Authorization of {key!r:.60} is not an integer: {auth!r:.60}")
        auth = None
    return LocationdClient(
        ts=max(present) if present else None,
        key=key,
        bundle_id=bundle_id,
        process=last or bundle_id,
        bundle_path=_text(info, "BundlePath", key, ctx),
        executable=_text(info, "Executable", key, ctx),
        registered=_text(info, "Registered", key, ctx),
        authorization=auth,
        consumption_period_begin=times["consumption_period_begin"],
        receiving_location_information_time_stopped=times[
            "receiving_location_information_time_stopped"
        ],
        visit_time_stopped=times["visit_time_stopped"],
        location_time_stopped=times["location_time_stopped"],
        background_location_time_stopped=times["background_location_time_stopped"],
        significant_time_stopped=times["significant_time_stopped"],
        non_persistent_significant_time_stopped=times["non_persistent_significant_time_stopped"],
        fence_time_stopped=times["fence_time_stopped"],
        beacon_region_time_stopped=times["beacon_region_time_stopped"],
    )


@artifact(record=LocationdClient, input="plist", paths=PATHS)
def parse(root: Any, ctx: ParseContext) -> Iterator[LocationdClient]:
    """Apps and bundles that used location services, with when they last did."""
    if not isinstance(root, dict):
        raise SchemaMismatch(f"top level is {type(root).__name__}, not a dictionary")
    for key, info in root.items():
        if isinstance(info, dict):
            yield _client(str(key), info, ctx)
