from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tracehound.core import timeutil as t


def test_cocoa_seconds_keeps_subseconds() -> None:
    assert t.from_cocoa(0) == datetime(2001, 1, 1, tzinfo=UTC)
    assert t.from_cocoa(647_000_000.25) == datetime(2021, 7, 3, 10, 13, 20, 250000, tzinfo=UTC)
    assert t.from_cocoa(-1) == datetime(2000, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_cocoa_ns_and_auto() -> None:
    ns = 647_000_000_123_456_789
    expected = datetime(2021, 7, 3, 10, 13, 20, 123456, tzinfo=UTC)
    assert t.from_cocoa_ns(ns) == expected
    assert t.from_cocoa_s_or_ns(ns) == expected
    assert t.from_cocoa_s_or_ns(647_000_000) == datetime(2021, 7, 3, 10, 13, 20, tzinfo=UTC)


def test_unix_and_webkit() -> None:
    assert t.from_unix(1_600_000_000) == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert t.from_unix_ms(1_600_000_000_123) == datetime(
        2020, 9, 13, 12, 26, 40, 123000, tzinfo=UTC
    )
    when = datetime(2021, 7, 18, 9, 30, 1, 5, tzinfo=UTC)
    assert t.from_webkit(t.to_webkit(when)) == when
    assert t.from_webkit(13_270_000_000_000_000) == datetime(2021, 7, 5, 23, 6, 40, tzinfo=UTC)
    assert t.from_webkit(0) is None


def test_invalid_values_give_none() -> None:
    for bad in (None, "abc", float("nan"), float("inf"), 1e300, True):
        assert t.from_cocoa(bad) is None  # type: ignore[arg-type]
        assert t.from_unix(bad) is None  # type: ignore[arg-type]
    assert t.from_cocoa_ns("x") is None  # type: ignore[arg-type]
    assert t.from_webkit(10**30) is None


def test_as_utc_and_roundtrip() -> None:
    naive = datetime(2021, 1, 1, 12, 0)
    assert t.as_utc(naive) == datetime(2021, 1, 1, 12, 0, tzinfo=UTC)
    when = datetime(2022, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    assert t.from_cocoa(t.to_cocoa(when)) == when
    assert t.iso(when) == "2022-03-04T05:06:07.890000+00:00"


def test_cocoa_s_or_ns_integer_fast_path_matches_the_general_one() -> None:
    """Integers take a shortcut; it must agree with the float path on both sides of 1e11."""
    for seconds in (0, 1, -1, 647_000_000, 10**11, -(10**11)):
        assert t.from_cocoa_s_or_ns(seconds) == t.from_cocoa_s_or_ns(float(seconds))
    for nanoseconds in (10**11 + 1, -(10**11) - 1, 647 * 10**15 + 999):
        assert t.from_cocoa_s_or_ns(nanoseconds) == t.from_cocoa_ns(nanoseconds)
    assert t.from_cocoa_s_or_ns(10**11) == t.from_cocoa(10**11)
    assert t.from_cocoa_s_or_ns(10**11 + 1) == t.from_cocoa_ns(10**11 + 1)
    assert t.from_cocoa_s_or_ns(10**40) is None  # out of range, not an error


def test_iso_text_is_isoformat() -> None:
    """The fast UTC rendering gives isoformat's exact text; other zones use isoformat itself."""
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo

    samples = [
        datetime(2023, 3, 16, 8, 8, 14, 102952, tzinfo=UTC),
        datetime(2023, 3, 16, 8, 8, 14, tzinfo=UTC),  # no fraction
        datetime(2023, 3, 16, 8, 8, 14, 5, tzinfo=UTC),  # leading zeros of the fraction
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=ZoneInfo("Europe/Paris")),  # LMT, +00:09:21
        datetime(2021, 6, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2021, 6, 1, 12),  # naive
    ]
    step = timedelta(days=3, seconds=7_777, microseconds=123_457)
    samples += [datetime(1960, 1, 1, tzinfo=UTC) + step * n for n in range(5000)]
    for value in samples:
        assert t.iso_text(value) == value.isoformat()


def test_cocoa_s_or_ns_infinity_and_nan_are_no_time() -> None:
    """Found by tests/fuzz: a REAL infinity in sms.db's ``date`` raised OverflowError."""
    for value in (float("inf"), float("-inf"), float("nan")):
        assert t.from_cocoa_s_or_ns(value) is None


def test_localize_out_of_range_is_no_time() -> None:
    """Found by tests/fuzz: Go's zero time (0001-01-01 00:00:00) as a local time east of
    Greenwich, or 9999-12-31 23:59 west of it, raised OverflowError."""
    assert t.localize(datetime(1, 1, 1), "Europe/Rome") is None
    assert t.localize(datetime(9999, 12, 31, 23, 59), "America/New_York") is None
    assert t.localize(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), None) is None
    assert t.localize(datetime(1, 1, 1), "America/New_York") == datetime(
        1, 1, 1, 4, 56, 2, tzinfo=UTC
    )
