"""SFAnalytics databases of the Security framework: ``/private/var/Keychains/Analytics/*.db``.

Facts: Apple's Security sources (``SFAnalytics.m``, ``SFAnalyticsSQLiteStore.m``). Database names
include ``ckks_analytics.db``, ``sos_analytics.db``, ``trust_analytics.db``,
``localkeychain.db``. Current schema: ``hard_failures``, ``soft_failures``, ``notes`` (each ``id
INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB``, ring buffers of 1000 rows),
``samples(id, timestamp, name, value)`` and ``success_count(event_type, success_count,
hard_failure_count, soft_failure_count)``; the older SFAnalyticsLogger had ``all_events`` instead
of ``notes``. ``timestamp`` is Unix seconds; ``data`` a binary plist with ``eventType``,
``eventTime`` (Unix ms), ``eventClass`` (0 success, 1 hard failure, 2 soft failure, 3 note),
``build``, ``product``, ``modelid`` plus the event's attributes.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.demo.sqlite_util import write_sqlite

_EVENTS = """
CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB);
CREATE TRIGGER maintain_ring_buffer_{name}_v2 AFTER INSERT ON {name}
BEGIN DELETE FROM {name} WHERE id <= NEW.id - 1000; END;
"""
_OTHER = """
CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, name STRING,
  value REAL);
CREATE TABLE success_count (event_type STRING PRIMARY KEY, success_count INTEGER,
  hard_failure_count INTEGER, soft_failure_count INTEGER);
"""
CLASSES = {"hard_failures": 1, "soft_failures": 2, "notes": 3, "all_events": 3}


def event(
    table: str,
    when: datetime,
    event_type: str,
    build: str = "18F72",
    product: str = "iPhone OS",
    model: str = "iPhone12,1",
    **attributes: Any,
) -> dict[str, Any]:
    """One event row as ``write`` takes it, with the keys SFAnalytics adds to every event."""
    data = {
        **attributes,
        "eventType": event_type,
        "eventTime": when.timestamp() * 1000,
        "eventClass": CLASSES.get(table, 3),
        "build": build,
        "product": product,
        "modelid": model,
    }
    return {"table": table, "timestamp": when, "data": data}


def write(path: Path, events: Sequence[Mapping[str, Any]], legacy: bool = False) -> None:
    """Write one analytics database. Each event has ``table``, ``timestamp`` (aware datetime or
    Unix seconds or None) and ``data`` (a dict written as a binary plist, raw bytes, or None);
    see ``event``. ``legacy`` writes the SFAnalyticsLogger layout with ``all_events``."""
    last = "all_events" if legacy else "notes"
    names = ("hard_failures", "soft_failures", last)
    schema = "".join(_EVENTS.format(name=n) for n in names) + _OTHER
    rows: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for item in events:
        stamp = item.get("timestamp")
        data = item.get("data")
        rows[item["table"]].append(
            {
                "timestamp": stamp.timestamp() if isinstance(stamp, datetime) else stamp,
                "data": plistlib.dumps(data, fmt=plistlib.FMT_BINARY)
                if isinstance(data, dict)
                else data,
            }
        )
    write_sqlite(path, schema, rows)
