"""One named converter per epoch; every result is an aware UTC datetime.

Epochs (facts):
- Cocoa / Core Data / Mac absolute time: seconds since 2001-01-01 00:00:00 UTC
  (Apple, "NSDate timeIntervalSinceReferenceDate").
- Unix: seconds since 1970-01-01 UTC.
- WebKit / Chrome: microseconds since 1601-01-01 UTC (Chromium ``base::Time``).

Converters return None for values that cannot be a time (None, NaN, out of range) so that one
bad value never stops a parser; callers count such values as warnings where it matters.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WEBKIT_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

# Cocoa nanosecond values (sms.db since iOS 11) are above this; second values stay far below it
# (1e11 s after 2001 is the year 5170). Used only by ``from_cocoa_s_or_ns``.
COCOA_NS_THRESHOLD = 100_000_000_000


def _add(epoch: datetime, seconds: float | int | None) -> datetime | None:
    if seconds is None or isinstance(seconds, bool):
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    try:
        return epoch + timedelta(seconds=value)
    except OverflowError:
        return None


def from_cocoa(seconds: float | int | None) -> datetime | None:
    """Cocoa seconds (since 2001-01-01 UTC) to aware UTC."""
    return _add(COCOA_EPOCH, seconds)


def from_cocoa_ns(nanoseconds: int | None) -> datetime | None:
    """Cocoa nanoseconds (since 2001-01-01 UTC) to aware UTC, keeping microseconds."""
    if nanoseconds is None or isinstance(nanoseconds, bool):
        return None
    try:
        micro = int(nanoseconds) // 1000
    except (TypeError, ValueError):
        return None
    try:
        return COCOA_EPOCH + timedelta(microseconds=micro)
    except OverflowError:
        return None


def from_cocoa_s_or_ns(value: float | int | None) -> datetime | None:
    """Cocoa time stored as seconds (before iOS 11) or nanoseconds (iOS 11+), as in sms.db.

    The unit is chosen by magnitude: values above 1e11 are nanoseconds.
    """
    if type(value) is int:  # the common case, without the float round trip
        if -COCOA_NS_THRESHOLD <= value <= COCOA_NS_THRESHOLD:
            return from_cocoa(value)
        return from_cocoa_ns(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):  # int() of an infinity raises OverflowError
        return None
    if abs(number) > COCOA_NS_THRESHOLD:
        return from_cocoa_ns(int(value) if isinstance(value, int) else int(number))
    return from_cocoa(number)


def from_unix(seconds: float | int | None) -> datetime | None:
    """Unix seconds to aware UTC."""
    return _add(UNIX_EPOCH, seconds)


def from_unix_ms(milliseconds: float | int | None) -> datetime | None:
    """Unix milliseconds to aware UTC."""
    if milliseconds is None or isinstance(milliseconds, bool):
        return None
    try:
        return _add(UNIX_EPOCH, float(milliseconds) / 1000.0)
    except (TypeError, ValueError):
        return None


def from_unix_ns(nanoseconds: int | None) -> datetime | None:
    """Unix nanoseconds to aware UTC (microsecond precision, as datetime keeps)."""
    if nanoseconds is None or isinstance(nanoseconds, bool):
        return None
    seconds, rest = divmod(int(nanoseconds), 1_000_000_000)
    moment = _add(UNIX_EPOCH, seconds)
    try:
        return None if moment is None else moment + timedelta(microseconds=rest // 1000)
    except OverflowError:
        return None


def from_webkit(microseconds: int | None) -> datetime | None:
    """WebKit/Chrome microseconds since 1601-01-01 UTC to aware UTC (0 means unset)."""
    if microseconds is None or isinstance(microseconds, bool) or microseconds == 0:
        return None
    try:
        return WEBKIT_EPOCH + timedelta(microseconds=int(microseconds))
    except (OverflowError, TypeError, ValueError):
        return None


def as_utc(value: datetime | None) -> datetime | None:
    """A datetime from plistlib (naive, meaning UTC) or elsewhere, as aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_cocoa(value: datetime) -> float:
    """Aware datetime to Cocoa seconds (used by the demo generator and tests)."""
    return (value - COCOA_EPOCH).total_seconds()


def to_webkit(value: datetime) -> int:
    """Aware datetime to WebKit microseconds (used by the demo generator and tests)."""
    delta = value - WEBKIT_EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_text(value: datetime) -> str:
    """``value.isoformat()``; for a UTC time (every record time) orjson writes the same text
    about three times faster (RFC 3339, microseconds only when non-zero, ``+00:00``). Other zones
    use ``isoformat`` itself: orjson drops the seconds of an offset such as LMT's +00:09:21."""
    if value.tzinfo is UTC:
        return orjson.dumps(value)[1:-1].decode("ascii")
    return value.isoformat()


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``-free ``+00:00`` offset, or None."""
    if value is None:
        return None
    return iso_text(value.astimezone(UTC))


def localize(naive: datetime | None, timezone: str | None) -> datetime | None:
    """A device-local wall-clock time (no zone) in the device's IANA zone, as aware UTC.

    Android writes several times in local time (dumpsys, getprop-era logs, androidqf files.json
    of old versions). With no zone known the time is taken as UTC; callers must then say so in
    the run report (ParseContext.warn once). An unknown zone name is treated the same way.
    A time whose UTC value falls outside datetime's years 1-9999 (Go's zero time
    ``0001-01-01 00:00:00`` east of Greenwich) is None, as for the other converters.
    """
    if naive is None:
        return None
    try:
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
        zone = _zone(timezone)
        if zone is None:
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it: no UTC datetime
        return None


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def known_zone(name: str | None) -> bool:
    """True if ``name`` is an IANA time zone this machine knows."""
    return _zone(name) is not None
