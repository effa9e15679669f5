"""Security framework analytics events (SFAnalytics) from ``/private/var/Keychains/Analytics``.

Facts: Apple's Security sources (``SFAnalytics.m``, ``SFAnalyticsSQLiteStore.m``): each client
(``ckks_analytics``, ``sos_analytics``, ``trust_analytics``, ``localkeychain``...) keeps
``Analytics/<name>.db`` in the keychain directory with tables ``hard_failures``,
``soft_failures`` and, depending on the version, ``all_events`` (the older SFAnalyticsLogger) or
``notes`` (newer code drops ``all_events``), each ``(id, timestamp REAL, data BLOB)``.
``timestamp`` is Unix seconds (``timeIntervalSince1970``); ``data`` is a binary plist of the
event: ``eventType``, ``eventTime`` (Unix milliseconds), ``eventClass``, ``build``, ``product``,
``modelid`` and the event's attributes (``errorDomain``, ``errorCode``...).
MVT's ``Analytics`` module checks every string value as a process, then as a domain. Here string
values are sorted by shape to avoid noise: name-like strings go to ``names`` (process
indicators), URLs to ``urls``, host names (not reverse-DNS identifiers) to ``hosts``.
Rows come in time order, and ``first_of_build`` marks the earliest event of each OS build in the
database: a cheap timeline of the iOS builds the phone ran (MVT ``AnalyticsIOSVersions``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError
from tracehound.core.records import Domain, ProcessName, Record, Url
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix, from_unix_ms
from tracehound.parsers.common import plist
from tracehound.parsers.common.sqlite import columns


@dataclass(frozen=True, slots=True, kw_only=True)
class KeychainAnalyticsEvent(Record):
    """One SFAnalytics event row and the strings found in its decoded plist."""

    TYPE = "ios.keychain_analytics"
    TS_DESC = "Security analytics event"

    table: str  # hard_failures, soft_failures, all_events or notes
    event_type: str | None
    event_class: int | None
    build: str | None
    product: str | None
    first_of_build: bool  # earliest event of this build in this database
    names: tuple[ProcessName, ...]
    urls: tuple[Url, ...]
    hosts: tuple[Domain, ...]


PATHS = ("/private/var/Keychains/Analytics/*.db",)
_TABLES = ("hard_failures", "soft_failures", "all_events", "notes")
_MAX_STRINGS = 200
_NAME = re.compile(r"[A-Za-z0-9][\w.+:@/-]{0,254}")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")
#: First labels of reverse-DNS identifiers (com.apple.security...), which look like host names.
_REVERSE_DNS = frozenset({"com", "org", "net", "edu", "gov", "io", "de", "fr", "uk", "ch"})


def _strings(value: Any, out: list[str], depth: int = 0) -> None:
    """Every string value (not key) of a decoded plist, depth-first, at most _MAX_STRINGS."""
    if len(out) >= _MAX_STRINGS or depth > 16:
        return
    if isinstance(value, str):
        if value and value not in out:
            out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _strings(item, out, depth + 1)


def classify(values: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Split strings into (process-like names, URLs, host names)."""
    names: list[str] = []
    urls: list[str] = []
    hosts: list[str] = []
    for text in values:
        text = text.strip()
        if _URL.fullmatch(text):
            urls.append(text)
        elif _HOST.fullmatch(text.lower()) and text.split(".", 1)[0].lower() not in _REVERSE_DNS:
            hosts.append(text)
        elif _NAME.fullmatch(text) and not text.isdigit():
            names.append(text)
    return tuple(names), tuple(urls), tuple(hosts)


def _decode(blob: Any, row: int, table: str, ctx: ParseContext) -> dict[str, Any]:
    if blob is None:
        return {}
    if not isinstance(blob, bytes):
        ctx.warn(f"{table}.data is not a blob", row)
        return {}
    try:
        data = plist.load(blob)
    except InputError as exc:
        ctx.warn(f"{table}.data: {exc}", row)
        return {}
    if not isinstance(data, dict):
        ctx.warn(f"{table}.data is a {type(data).__name__}, not a dictionary", row)
        return {}
    return data


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


@artifact(
    record=KeychainAnalyticsEvent,
    input="sqlite",
    paths=PATHS,
    requires={"hard_failures": ("timestamp", "data"), "soft_failures": ("timestamp", "data")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[KeychainAnalyticsEvent]:
    """Keychain/Security analytics events: failures and notes, with the strings they carry."""
    present = [t for t in _TABLES if {"timestamp", "data"} <= columns(conn, t)]
    union = " UNION ALL ".join(f"SELECT '{t}', rowid, timestamp, data FROM {t}" for t in present)
    builds: set[str] = set()
    for table, row, stamp, blob in conn.execute(f"{union} ORDER BY timestamp, id"):
        data = _decode(blob, row, table, ctx)
        ts = ctx.time(from_unix, stamp, row, f"{table}.timestamp")
        if ts is None and "eventTime" in data:  # milliseconds, set by SFAnalytics
            ts = ctx.time(from_unix_ms, data["eventTime"], row, f"{table}.eventTime")
        found: list[str] = []
        _strings(data, found)
        names, urls, hosts = classify(found)
        build = _text(data, "build")
        first = build is not None and ts is not None and build not in builds
        if first and build is not None:
            builds.add(build)
        event_class = data.get("eventClass")
        yield KeychainAnalyticsEvent(
            ts=ts,
            row=row,
            table=table,
            event_type=_text(data, "eventType"),
            event_class=event_class if type(event_class) is int else None,
            build=build,
            product=_text(data, "product"),
            first_of_build=first,
            names=names,
            urls=urls,
            hosts=hosts,
        )
