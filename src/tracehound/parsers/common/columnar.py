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

Where the ADBC SQLite driver is installed, :func:`batches` reads the rows with it straight into
Arrow (4 times faster than ``fetchmany``, which builds a Python object per value), else with
``fetchmany``. The driver guesses each column's Arrow type from its first batch and silently
changes values of other storage classes (seen with adbc-driver-sqlite 1.13: an integer 7 in a
text column became ``"7"``, a real 1.5 ``"1.500000e+00"``, 2**62 in a double column lost its
low bits). So the query it reads carries a signature of every row's storage classes (``typeof``
of each column, 4 bits each, in integer columns of its own: :func:`_driver_query`), and each
batch's distinct signatures say which classes each column held (:func:`_checked`): a batch is
taken only when every value is of the class its Arrow type stands for, or is an integer below
2**53 in a double column (Core Data's time columns: NUMERIC affinity stores whole seconds as
integers); any other batch takes its rows from ``sqlite3`` (the same query, same order). When
the driver refuses a real in a column it typed from integers, it reads on from that row with
the column as REAL. Each value then reads back as what ``sqlite3`` gives (text as the runner's
``text_factory`` decodes it, invalid UTF-8 replaced), except that doubles read from integers
are not Python ints: a batch whose Python values of such a column are asked for, and any batch
the conversions decline, also takes its rows from ``sqlite3``. Any other error of the driver
sends the table to ``sqlite3``, from the first row not yet given. This replaced a census of
the storage classes before the read (a second pass over the table: 40-80% of the driver's
read time, about 3 s of CPU at benchmark scale 100).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
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


class Column(Sequence[Any]):
    """A column read by the ADBC driver: its Arrow ``array`` for the conversions below, and,
    for a parser's own per-row code, the same Python values ``sqlite3`` would have fetched.

    A REAL column may hold INTEGER values too (Core Data's time columns have NUMERIC affinity:
    a whole number of seconds is stored as an integer); the driver gives doubles for both, the
    same numbers (a batch with an integer from 2**53 on is not taken) but not the same Python
    types, so such a column (``exact`` False) has no Python values: asking for them declines
    the batch (:class:`Unclean`), whose rows are then fetched by ``sqlite3``."""

    __slots__ = ("_values", "array", "exact")

    def __init__(self, array: pa.Array, exact: bool = True) -> None:
        self.array = array
        self.exact = exact
        self._values: list[Any] | None = None

    @property
    def values(self) -> list[Any]:
        if not self.exact:
            raise Unclean
        if self._values is None:
            self._values = self.array.to_pylist()
        return self._values

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, index: Any) -> Any:
        return self.values[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)


@dataclass(frozen=True, slots=True)
class Batch:
    """Fetched rows: ``columns`` by name (tuples from ``sqlite3``, :class:`Column` from ADBC),
    and :meth:`rows`, the same rows named, for the row path (from ``sqlite3``: ``exact``)."""

    names: list[str]
    columns: dict[str, Sequence[Any]]
    exact: Callable[[], list[tuple[Any, ...]]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        if self.exact is not None:
            rows: Any = self.exact()
            first = self.columns[self.names[0]]
            if isinstance(first, Column) and first.exact and [r[0] for r in rows] != first.values:
                raise RuntimeError("sqlite3 and the ADBC driver gave the rows in another order")
        else:
            rows = zip(*[self.columns[name] for name in self.names], strict=True)
        return [dict(zip(self.names, row, strict=True)) for row in rows]


class _Refetch:
    """Rows of the query fetched by ``sqlite3`` at the positions the driver's batches had, for
    the row path of a batch the columns declined: one cursor, moved forward only (batches come
    in order), so a table costs at most one ``sqlite3`` pass."""

    def __init__(self, conn: sqlite3.Connection, query: str) -> None:
        self.conn, self.query = conn, query
        self.cursor: sqlite3.Cursor | None = None
        self.at = 0

    def rows(self, start: int, count: int) -> list[tuple[Any, ...]]:
        if self.cursor is None:
            self.cursor = self.conn.execute(self.query)
        while self.at < start:  # skip the rows of batches the columns took
            skipped = self.cursor.fetchmany(min(start - self.at, FETCH_ROWS))
            if not skipped:
                break
            self.at += len(skipped)
        rows = self.cursor.fetchmany(count)
        self.at += len(rows)
        if len(rows) != count:
            raise RuntimeError("sqlite3 and the ADBC driver gave different rows")
        return rows


def batches(
    conn: sqlite3.Connection,
    query: str,
    key: str | None = None,
    known: Mapping[str, str] | None = None,
) -> Iterator[Batch]:
    """The query's rows in batches, by the ADBC driver where it can (module docstring), else
    by ``sqlite3``. With ``key`` (the query is ordered by that column), a batch never splits
    the rows of one key (a message joined to several media rows). The query must order its
    rows completely (``ORDER BY`` a unique key): if the driver fails part way, ``sqlite3`` runs
    the same query and goes on after the rows already given.

    ``known`` spares the signature of storage classes when the query itself makes every
    column's storage class sure, by a ``CAST`` or a ``WHERE typeof(..)``: column name ->
    ``"text"``, ``"integer"``, ``"real"``, ``"blob"`` (or NULL) or ``"null"``. The guarantee is
    the caller's; a column it does not name, or that the driver reads as another type, makes
    ``sqlite3`` read on."""
    done = 0
    uri = getattr(conn, "arrow_uri", None)
    if uri is not None and ARROW_READER:
        arrow = _arrow_batches(uri, query, key, known)
        refetch = _Refetch(conn, query)
        last: Any = _NO_ROW
        try:
            for names, columns, count in arrow:
                start = done
                done += count
                if columns is None:  # values the driver may have changed: sqlite3's rows
                    rows = refetch.rows(start, count)
                    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
                    yield Batch(names, columns)
                else:
                    yield Batch(names, columns, functools.partial(refetch.rows, start, count))
                last = _last_key(columns[names[0]])
            return
        except _ArrowFailed:
            pass  # sqlite3 reads the table (again, from ``done`` on) and reports its errors
        finally:
            arrow.close()  # the driver's connection, now, also when the caller stops early
    else:
        last = _NO_ROW
    cursor = conn.execute(query)
    names = [d[0] for d in cursor.description]
    fetched = fetch_groups(cursor, names.index(key)) if key else fetch_batches(cursor)
    for rows, values in fetched:
        if done >= len(rows):
            done -= len(rows)
            if done == 0:
                _same_row(last, rows[-1])
            continue
        if done:
            _same_row(last, rows[done - 1])
            rows, done = rows[done:], 0
            values = list(zip(*rows, strict=True))
        yield Batch(names, dict(zip(names, values, strict=True)))


_NO_ROW = object()


def _last_key(column: Sequence[Any]) -> Any:
    """The first column's value in the last row given (``_NO_ROW`` when it is not known as
    sqlite3 gives it: doubles read from integers)."""
    if not len(column):
        return _NO_ROW
    if isinstance(column, Column):
        return column.array[len(column) - 1].as_py() if column.exact else _NO_ROW
    return column[len(column) - 1]


def _same_row(last: Any, row: tuple[Any, ...]) -> None:
    """sqlite3 goes on where the driver stopped: the last row it skips must be the last row
    the driver gave (the query's order is the same for both; this says so)."""
    if last is not _NO_ROW and row[0] != last:
        raise RuntimeError("sqlite3 and the ADBC driver gave the rows in another order")


def read(
    conn: sqlite3.Connection,
    query: str,
    columns: Callable[[dict[str, Sequence[Any]]], pa.RecordBatch],
    record: Callable[[dict[str, Any]], Any],
) -> Iterator[Any]:
    """A bulk parser's loop: each fetched batch as ``columns`` makes it (named columns in,
    Arrow batch out), or, when ``columns`` declines (:class:`Unclean`), that batch's rows as
    ``record`` makes them (one named row in, one record out)."""
    for batch in batches(conn, query):
        try:
            yield columns(batch.columns)
        except Unclean:  # an odd value somewhere in the batch: row by row
            for row in batch.rows():
                yield record(row)


# --- the ADBC reader -----------------------------------------------------------------------

try:  # optional at run time: without it every table goes through sqlite3
    import adbc_driver_sqlite.dbapi as _adbc

    ARROW_READER = True
except ImportError:  # pragma: no cover - the driver is a dependency; a broken install
    ARROW_READER = False


class _ArrowFailed(Exception):
    """The ADBC driver could not read the table, or may not be trusted with it."""


#: The Arrow type the driver gives a column of one storage class (``typeof``).
_ARROW = {
    "integer": pa.int64(),
    "real": pa.float64(),
    "text": pa.string(),
    "blob": pa.binary(),
}
#: Integers from 2**53 on are not all held exactly by a double (IEEE 754: 53 bits).
_BIG = 2**53


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# The storage-class signature (module docstring): per row and column, the first letter of
# ``typeof`` as a code, ``unicode(typeof(x)) % 13``, 4 bits a column, 15 columns an integer.
# n(ull) 110, i(nteger) 105, r(eal) 114, t(ext) 116, b(lob) 98: distinct modulo 13.
_NULL, _INTEGER, _REAL, _TEXT_CODE, _BLOB = 6, 1, 10, 12, 7
_PER_SIGNATURE = 15
#: The class each Arrow type of the driver stands for (a double may also hold integers).
_CLASS_OF = {pa.int64(): _INTEGER, pa.float64(): _REAL, pa.string(): _TEXT_CODE, pa.binary(): _BLOB}
#: "Type mismatch in column 3: expected INT64 but got DOUBLE": a column the driver typed from
#: integers in its first batch and that holds reals later (NUMERIC affinity).
_LATE_REAL = re.compile(r"Type mismatch in column (\d+): expected INT64 but got DOUBLE")
_RETRIES = 4


class _LateReal(Exception):
    def __init__(self, column: int) -> None:
        self.column = column


def _driver_query(query: str, names: list[str], reals: set[int], offset: int) -> str:
    """The query as the driver reads it: the columns of ``reals`` as REAL (integers there
    too), then the signature columns, from row ``offset`` on."""
    columns = []
    for number, name in enumerate(names):
        column = f"q.{_quote(name)}"
        columns.append(f"CAST({column} AS REAL) AS {_quote(name)}" if number in reals else column)
    for first in range(0, len(names), _PER_SIGNATURE):
        part = names[first : first + _PER_SIGNATURE]
        codes = " + ".join(
            f"(unicode(typeof(q.{_quote(n)})) % 13) * {16**k}" for k, n in enumerate(part)
        )
        columns.append(f"{codes} AS {_quote(_signature_name(first))}")
    tail = f" LIMIT -1 OFFSET {offset}" if offset else ""
    return f"SELECT {', '.join(columns)} FROM ({query}) AS q{tail}"


def _signature_name(first: int) -> str:
    return f"\x1ftracehound storage classes {first}"


def _classes(batch: pa.RecordBatch, count: int) -> list[set[int]]:
    """Per column of the query, the storage classes its values have in ``batch`` (NULL left
    out), read from the signature columns."""
    found: list[set[int]] = []
    for first in range(0, count, _PER_SIGNATURE):
        width = min(_PER_SIGNATURE, count - first)
        seen = [set[int]() for _ in range(width)]
        for value in pc.unique(batch.column(_signature_name(first))).to_pylist():
            for k in range(width):
                seen[k].add((value >> (4 * k)) & 15)
        found.extend(classes - {_NULL} for classes in seen)
    return found


def _decoded(array: pa.Array) -> pa.Array:
    """A text column as sqlite3 with the runner's text_factory gives it: invalid UTF-8 (which
    the driver passes through as it is) decoded with replacement characters."""
    if array.type != pa.string():
        return array
    try:
        array.validate(full=True)
        return array
    except pa.ArrowInvalid:
        raw = array.cast(pa.binary())
        return pa.array(
            [None if b is None else b.decode("utf-8", errors="replace") for b in raw.to_pylist()],
            pa.string(),
        )


def _arrow_batches(
    uri: str, query: str, key: str | None, known: Mapping[str, str] | None = None
) -> Generator[tuple[list[str], dict[str, Sequence[Any]] | None, int], None, None]:
    """The ADBC driver's batches as (names, columns, rows); columns None for a batch whose
    values the driver may have changed (its rows come from sqlite3). :class:`_ArrowFailed`
    (before any batch, or part way) when the driver fails or may not be trusted."""
    try:
        conn = _adbc.connect(uri)
    except Exception as exc:  # any driver error: sqlite3 reads the table and names the problem
        raise _ArrowFailed(str(exc)) from exc
    cursor = None
    try:
        try:
            cursor = conn.cursor()
            cursor.execute(f"SELECT * FROM ({query}) LIMIT 0")
            names = [d[0] for d in cursor.description or ()]
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(FETCH_ROWS)})
        except Exception as exc:
            raise _ArrowFailed(str(exc)) from exc
        if known is not None:  # the query's own guarantee (``batches``): no signature
            types = {n: _ARROW.get(c, pa.int64()) for n, c in known.items()}
            reader = _start(cursor, query)
            for batch in _grouped(_following(reader, types), key):
                yield names, _known_columns(batch), batch.num_rows
            return
        done, reals = 0, set[int]()
        for _ in range(_RETRIES):
            reader = _start(cursor, _driver_query(query, names, reals, done))
            try:
                for batch in _grouped(_following(reader, None), key):
                    columns = _checked(batch, names)
                    yield names, columns, batch.num_rows
                    done += batch.num_rows
                return
            except _LateReal as late:  # read on from ``done`` with that column as REAL
                if late.column in reals or late.column >= len(names):
                    raise _ArrowFailed("a column changed type twice") from None
                reals.add(late.column)
        raise _ArrowFailed("too many columns changed type")
    finally:
        if cursor is not None:
            cursor.close()
        conn.close()


def _start(cursor: Any, query: str) -> Any:
    try:
        cursor.execute(query)
        return cursor.fetch_record_batch()
    except Exception as exc:
        raise _ArrowFailed(str(exc)) from exc


def _following(reader: Any, types: dict[str, pa.DataType] | None) -> Iterator[pa.RecordBatch]:
    """The driver's batches; with ``types`` (``known``), each column of that type (a column
    that was NULL in the first batch is int64 there, and the driver refuses its later values:
    sqlite3 reads on). :class:`_LateReal` when an integer column turns out to hold reals."""
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except Exception as exc:  # a damaged page, a type the first batch did not foresee
            late = _LATE_REAL.search(str(exc))
            if late is not None and types is None:
                raise _LateReal(int(late.group(1))) from exc
            raise _ArrowFailed(str(exc)) from exc
        if types is not None:
            for field, column in zip(batch.schema, batch.columns, strict=True):
                expected = types.get(field.name)
                if field.type != expected and column.null_count < len(column):
                    raise _ArrowFailed(f"column {field.name} read as {field.type}")
        if batch.num_rows:
            yield batch


def _grouped(source: Iterator[pa.RecordBatch], key: str | None) -> Iterator[pa.RecordBatch]:
    """The batches; with ``key``, the rows of a batch's last key held back and put in front of
    the next batch, so that no key's rows are split."""
    held: pa.RecordBatch | None = None
    for batch in source:
        if held is not None:
            batch = pa.Table.from_batches([held, batch]).combine_chunks().to_batches()[0]
            held = None
        if key is not None:
            keys = batch.column(key)
            last = keys[len(keys) - 1]
            cut = len(keys)
            while cut > 0 and keys[cut - 1] == last:
                cut -= 1
            held = batch.slice(cut)
            if cut == 0:  # one key fills the batch: it may go on in the next one
                continue
            batch = batch.slice(0, cut)
        yield batch
    if held is not None:
        yield held


def _known_columns(batch: pa.RecordBatch) -> dict[str, Sequence[Any]]:
    return {name: Column(_decoded(batch.column(name))) for name in batch.schema.names}


def _checked(batch: pa.RecordBatch, names: list[str]) -> dict[str, Sequence[Any]] | None:
    """The batch's columns, each as its signature says it may be used, or None when a value
    is not what the driver's column type stands for (the driver would have changed it: an
    integer as text, a real as text, text as bytes) or is an integer a double cannot hold."""
    columns: dict[str, Sequence[Any]] = {}
    for number, (name, classes) in enumerate(zip(names, _classes(batch, len(names)), strict=True)):
        array = batch.column(number)
        kind = _CLASS_OF.get(array.type)
        if not classes or classes == {kind}:
            columns[name] = Column(_decoded(array))
        elif kind == _REAL and classes <= {_INTEGER, _REAL}:
            # Integers read as doubles: the same numbers below 2**53 (not the same Python type).
            biggest = pc.max(pc.abs(array)).as_py()
            if biggest is not None and biggest >= _BIG:
                return None
            columns[name] = Column(array, exact=False)
        else:
            return None
    return columns


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
    if isinstance(values, Column):
        if pc.count_distinct(values.array, mode="all").as_py() != len(values):
            raise Unclean
    elif len(set(values)) != len(values):
        raise Unclean


def any_contains(columns: Sequence[pa.Array], pattern: str) -> list[int]:
    """The rows where any of these string columns contains ``pattern``."""
    mask = None
    for column in columns:
        found = pc.fill_null(pc.match_substring(column, pattern), False)
        mask = found if mask is None else pc.or_(mask, found)
    return [] if mask is None else pc.indices_nonzero(mask).to_pylist()


# The Python type sqlite3 gives for the values of an Arrow column the driver read.
_PYTHON = {pa.int64(): int, pa.float64(): float, pa.string(): str, pa.binary(): bytes}


def storage(values: Sequence[Any]) -> set[type]:
    """The Python types of a column's values (``{bytes, NoneType}`` for a BLOB column)."""
    if isinstance(values, Column):
        array = values.array
        found: set[type] = {_NONE} if array.null_count else set()
        if array.null_count < len(array):
            found.add(_PYTHON.get(array.type, object))
        return found
    return set(map(type, values))


def _only(values: Sequence[Any], allowed: frozenset[type]) -> None:
    if not storage(values) <= allowed:
        raise Unclean


def _arrow(values: Sequence[Any], arrow_type: pa.DataType) -> pa.Array:
    """The values (already checked by ``_only``) as an Arrow array of ``arrow_type``: a
    :class:`Column`'s own array cast (a lossy cast raises, as ``pa.array`` does), else built."""
    if isinstance(values, Column):
        return values.array.cast(arrow_type)
    return pa.array(values, arrow_type)


_TEXT: frozenset[type] = frozenset({str, _NONE})
_INT: frozenset[type] = frozenset({int, _NONE})
_NUMBER: frozenset[type] = frozenset({int, float, _NONE})


def text(values: Sequence[Any]) -> pa.Array:
    """A string column: every value text or NULL (``ParseContext.text`` without a warning),
    and valid Unicode (a lone surrogate goes through the row path and ``_extra``)."""
    _only(values, _TEXT)
    try:
        return _arrow(values, pa.string())
    except (pa.ArrowException, UnicodeError) as exc:
        raise Unclean from exc


def integers(values: Sequence[Any]) -> pa.Array:
    """An int64 column: every value an integer or NULL (``ParseContext.integer``)."""
    _only(values, _INT)
    try:
        return _arrow(values, pa.int64())
    except (pa.ArrowException, OverflowError) as exc:
        raise Unclean from exc


def numbers(values: Sequence[Any]) -> pa.Array:
    """A float64 column: every value an integer, a float or NULL (``ParseContext.number``);
    an integer a float cannot hold exactly goes row by row."""
    _only(values, _NUMBER)
    try:
        return _arrow(values, pa.float64())
    except (pa.ArrowException, OverflowError) as exc:
        raise Unclean from exc


def first_number(first: Sequence[Any], second: Sequence[Any]) -> Sequence[Any]:
    """Per row ``first if first is not None else second``, for number columns (REAL or
    INTEGER); Unclean if either holds another type."""
    if isinstance(first, Column) and isinstance(second, Column):
        _only(first, _NUMBER)
        _only(second, _NUMBER)
        try:
            merged = pc.coalesce(first.array.cast(pa.float64()), second.array.cast(pa.float64()))
        except (pa.ArrowException, OverflowError) as exc:
            raise Unclean from exc
        return Column(merged, exact=False)
    return [a if a is not None else b for a, b in zip(first, second, strict=True)]


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
        numbers = _arrow(values, pa.float64())
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
