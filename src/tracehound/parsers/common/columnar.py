"""Columnar conversion of SQLite rows: a batch of fetched rows becomes Arrow columns at once.

The bulk SQLite parsers (sms.db, WhatsApp, Safari, interactionC, ...) fetch rows in batches
(``fetch_columns``: ``fetchmany`` then one C-level transposition) and convert whole columns with
Arrow compute instead of building one Python object per row. This is the fast path, and only
that: it accepts a batch only when every value is of the expected storage class and every
time is in range, that is exactly when the row-by-row conversions (``ParseContext.text``,
``.integer``, ``.time`` with ``core.timeutil``) would give the same values and no warning.
Any other value raises :class:`Unclean`, and the parser converts that batch row by row with
its ordinary code, so warnings, their order and every edge case stay as they are. Tests
compare both paths on the same rows (tests/parsers/test_columnar.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.columns import TIMESTAMP
from tracehound.core.timeutil import COCOA_EPOCH, COCOA_NS_THRESHOLD, UNIX_EPOCH, WEBKIT_EPOCH

#: Rows fetched and converted at once (the engine's batch size).
FETCH_ROWS = 8192
_NONE = type(None)
_MICRO = timedelta(microseconds=1)
# datetime's range in Unix microseconds, and the epochs of core.timeutil's converters.
_MIN_US = (datetime.min.replace(tzinfo=UTC) - UNIX_EPOCH) // _MICRO
_MAX_US = (datetime.max.replace(tzinfo=UTC) - UNIX_EPOCH) // _MICRO
_COCOA_US = (COCOA_EPOCH - UNIX_EPOCH) // _MICRO
_WEBKIT_US = (WEBKIT_EPOCH - UNIX_EPOCH) // _MICRO


class Unclean(Exception):
    """A batch holds a value the columnar path does not convert; convert it row by row."""


def fetch_batches(
    cursor: sqlite3.Cursor, size: int = FETCH_ROWS
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """``(rows, columns)`` per batch of ``size`` rows: the rows as fetched and the same values
    transposed into one tuple per column."""
    while rows := cursor.fetchmany(size):
        yield rows, list(zip(*rows, strict=True))


def read(
    cursor: sqlite3.Cursor,
    columns: Callable[[dict[str, Sequence[Any]]], pa.RecordBatch],
    record: Callable[[dict[str, Any]], Any],
) -> Iterator[Any]:
    """A bulk parser's loop: each fetched batch as ``columns`` makes it (named columns in,
    Arrow batch out), or, when ``columns`` declines (:class:`Unclean`), that batch's rows as
    ``record`` makes them (one named row in, one record out)."""
    names = [d[0] for d in cursor.description]
    for rows, values in fetch_batches(cursor):
        try:
            yield columns(dict(zip(names, values, strict=True)))
        except Unclean:  # an odd value somewhere in the batch: row by row
            for row in rows:
                yield record(dict(zip(names, row, strict=True)))


def fetch_groups(
    cursor: sqlite3.Cursor, key: int, size: int = FETCH_ROWS
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """As :func:`fetch_batches` for a query ordered by column ``key`` whose rows may come in
    groups (a message joined to several media rows): a batch never splits a group, so a
    parser can group within each batch."""
    pending: list[tuple[Any, ...]] = []
    while True:
        rows = pending + cursor.fetchmany(max(size - len(pending), 1))
        pending = []
        if not rows:
            return
        while True:  # read on while the next rows continue the batch's last group
            following = cursor.fetchone()
            if following is None:
                break
            if following[key] != rows[-1][key]:
                pending = [following]
                break
            rows.append(following)
        yield rows, list(zip(*rows, strict=True))


def unique(values: Sequence[Any]) -> None:
    """Unclean unless the values (a batch's keys) are distinct."""
    if len(set(values)) != len(values):
        raise Unclean


def any_contains(columns: Sequence[pa.Array], pattern: str) -> list[int]:
    """The rows where any of these string columns contains ``pattern``."""
    mask = None
    for column in columns:
        found = pc.fill_null(pc.match_substring(column, pattern), False)
        mask = found if mask is None else pc.or_(mask, found)
    return [] if mask is None else pc.indices_nonzero(mask).to_pylist()


def _only(values: Sequence[Any], allowed: frozenset[type]) -> None:
    if not set(map(type, values)) <= allowed:
        raise Unclean


_TEXT: frozenset[type] = frozenset({str, _NONE})
_INT: frozenset[type] = frozenset({int, _NONE})
_NUMBER: frozenset[type] = frozenset({int, float, _NONE})


def text(values: Sequence[Any]) -> pa.Array:
    """A string column: every value text or NULL (``ParseContext.text`` without a warning),
    and valid Unicode (a lone surrogate goes through the row path and ``_extra``)."""
    _only(values, _TEXT)
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowException, UnicodeError) as exc:
        raise Unclean from exc


def integers(values: Sequence[Any]) -> pa.Array:
    """An int64 column: every value an integer or NULL (``ParseContext.integer``)."""
    _only(values, _INT)
    try:
        return pa.array(values, pa.int64())
    except (pa.ArrowException, OverflowError) as exc:
        raise Unclean from exc


def numbers(values: Sequence[Any]) -> pa.Array:
    """A float64 column: every value an integer, a float or NULL (``ParseContext.number``);
    an integer a float cannot hold exactly goes row by row."""
    _only(values, _NUMBER)
    try:
        return pa.array(values, pa.float64())
    except (pa.ArrowException, OverflowError) as exc:
        raise Unclean from exc


def equals_one(values: Sequence[Any], null: bool | None = False) -> pa.Array:
    """``value == 1`` per row for integer columns (``null`` where the value is NULL)."""
    flags = pc.equal(integers(values), 1)
    return flags if null is None else pc.fill_null(flags, null)


def truthy(values: Sequence[Any]) -> pa.Array:
    """``None if v is None else bool(v)`` for integer columns."""
    return pc.not_equal(integers(values), 0)


def _timestamps(micros: pa.Array) -> pa.Array:
    """Unix microseconds as UTC timestamps; Unclean if one is outside datetime's years."""
    if len(micros) and micros.null_count < len(micros):
        low, high = pc.min_max(micros).values()
        if low.as_py() < _MIN_US or high.as_py() > _MAX_US:
            raise Unclean
    return micros.cast(TIMESTAMP)


def unix_seconds(values: Sequence[Any]) -> pa.Array:
    """``ctx.time(from_unix, v)`` for a column of integer Unix seconds (exact: an integer of
    datetime's years is a whole number of seconds, as ``timedelta(seconds=float(v))`` gives)."""
    seconds = integers(values)
    if seconds.null_count < len(seconds):  # outside datetime's years: row path (a warning)
        low, high = pc.min_max(seconds).values()
        if low.as_py() < _MIN_US // 1_000_000 or high.as_py() > _MAX_US // 1_000_000:
            raise Unclean
    return _timestamps(pc.multiply(seconds, 1_000_000))


def _floor_div(values: pa.Array, divisor: int) -> pa.Array:
    """Integer division rounding down, as Python's ``//`` (Arrow's truncates toward zero)."""
    quotient = pc.divide(values, divisor)
    negative = pc.less(pc.subtract(values, pc.multiply(quotient, divisor)), 0)
    return pc.subtract(quotient, pc.cast(negative, pa.int64()))


def cocoa_s_or_ns(values: Sequence[Any], unset_zero: bool = True) -> pa.Array:
    """``ctx.time(from_cocoa_s_or_ns, v, unset=(0,))`` for a column of integers: seconds up to
    1e11 in magnitude, nanoseconds (floored to microseconds) above; 0 is no time."""
    ints = integers(values)
    seconds = pc.less_equal(pc.abs(ints), COCOA_NS_THRESHOLD)
    # Each branch is computed on the values of the other too: clamp them so none overflows.
    as_s = pc.multiply(pc.if_else(seconds, ints, 0), 1_000_000)
    as_ns = _floor_div(pc.if_else(seconds, 0, ints), 1000)
    micros = pc.add(pc.if_else(seconds, as_s, as_ns), _COCOA_US)
    if unset_zero:
        micros = pc.if_else(pc.equal(ints, 0), pa.scalar(None, pa.int64()), micros)
    return _timestamps(micros)


def cocoa_seconds(values: Sequence[Any]) -> pa.Array:
    """``ctx.time(from_cocoa, v)`` for a column of Cocoa seconds (REAL or INTEGER): the same
    microseconds as ``timedelta(seconds=v)``, which keeps the whole seconds exactly and rounds
    the fraction's microseconds half to even."""
    _only(values, _NUMBER)
    try:
        numbers = pa.array(values, pa.float64())
    except (pa.ArrowException, OverflowError) as exc:
        raise Unclean from exc
    if numbers.null_count < len(numbers):
        low, high = pc.min_max(numbers).values()
        # NaN and infinities give no time (a warning on the row path); values beyond 1e12 s
        # (year 33,700) overflow datetime there and int64 microseconds here.
        if not (-1e12 < low.as_py() < 1e12 and -1e12 < high.as_py() < 1e12):
            raise Unclean
        if pc.any(pc.is_nan(numbers)).as_py():
            raise Unclean
    whole = pc.trunc(numbers)
    fraction = pc.round(
        pc.multiply(pc.subtract(numbers, whole), 1e6), ndigits=0, round_mode="half_to_even"
    )
    micros = pc.add(
        pc.add(pc.multiply(pc.cast(whole, pa.int64()), 1_000_000), pc.cast(fraction, pa.int64())),
        _COCOA_US,
    )
    return _timestamps(micros)


def webkit(values: Sequence[Any]) -> pa.Array:
    """``ctx.time(from_webkit, v)`` for a column of WebKit/Chrome microseconds since 1601 (0,
    "unset", is a warning there: row by row)."""
    ints = integers(values)
    if pc.any(pc.equal(ints, 0)).as_py():
        raise Unclean
    if ints.null_count < len(ints):
        low, high = pc.min_max(ints).values()
        if low.as_py() < _MIN_US - _WEBKIT_US or high.as_py() > _MAX_US - _WEBKIT_US:
            raise Unclean
    return _timestamps(pc.add(ints, _WEBKIT_US))


def constant(value: Any, count: int, arrow_type: pa.DataType) -> pa.Array:
    """``value`` on every row."""
    return pa.array([value] * count, arrow_type)


def record_batch(record: type, arrays: dict[str, pa.Array]) -> pa.RecordBatch:
    """A batch of the record's fields (in declaration order) from named columns; the engine
    adds the provenance columns."""
    from tracehound.core.columns import schema_of
    from tracehound.core.records import field_names

    schema = schema_of(record)
    names = field_names(record)
    fields = [schema.field(name) for name in names]
    return pa.RecordBatch.from_arrays(
        [arrays[name] for name in names], schema=pa.schema(fields, metadata=schema.metadata)
    )
