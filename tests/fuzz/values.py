"""Hypothesis strategies for hostile values: SQLite cells, plist trees, JSON trees, raw bytes.

Everything an acquisition holds is attacker-controlled, so the values lean to the edges: NULLs,
the int64 limits, NaN and infinities, empty and huge strings, invalid UTF-8, bytes where text is
expected, nested containers where scalars are expected.
"""

from __future__ import annotations

import plistlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Integers that sit on a boundary of some epoch, width or sign.
EDGE_INTS = (0, -1, 1, 2**31 - 1, 2**31, 2**32, 2**53, 10**11, 10**15, 10**18, INT64_MAX, INT64_MIN)

#: Text without lone surrogates (neither SQLite nor plistlib can store them).
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
HUGE_TEXT = st.integers(min_value=20_000, max_value=70_000).map(lambda n: "A/." * (n // 3))
INTS = st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=INT64_MIN, max_value=INT64_MAX))
FLOATS = st.one_of(
    st.sampled_from((float("nan"), float("inf"), float("-inf"), -0.0, 1e300, -1e300, 5e-324)),
    st.floats(allow_nan=True, allow_infinity=True),
)
#: Strings that parsers split, strip or convert: numbers, times, paths, URLs, separators.
SHAPED_TEXT = st.sampled_from(
    (
        "",
        " ",
        "\x00",
        "-1",
        "99999999999999999999999",
        "1e309",
        "NaN",
        "0x",
        "2021-13-45 25:61:61",
        "9999-12-31T23:59:59+14:00",
        "0000-00-00 00:00:00",
        "0001-01-01 00:00:00",  # Go's zero time, as device-local text
        "0001-01-01T00:00:00+05:00",
        "9999-12-31 23:59:59",
        "http://",
        "https://[::1",
        "://",
        "/",
        "//../..",
        "a=b=c",
        "key: ",
        "{",
        "[]",
        "\ufeff",
        "\u202e",
    )
)
ANY_TEXT = st.one_of(TEXT, SHAPED_TEXT, HUGE_TEXT)


@dataclass(frozen=True)
class BadText:
    """Bytes to be stored in SQLite as TEXT (``CAST(? AS TEXT)``): invalid UTF-8 in a text cell."""

    raw: bytes


INVALID_UTF8 = st.binary(max_size=24).map(lambda b: b"\xff" + b + b"\xc3")
SQL_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    INTS,
    FLOATS,
    ANY_TEXT,
    st.binary(max_size=64),
    INVALID_UTF8.map(BadText),
    st.deferred(lambda: PLIST_BYTES),
)


def _plist_leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.booleans(),
        st.integers(min_value=INT64_MIN, max_value=2**64 - 1),
        st.sampled_from(EDGE_INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        ANY_TEXT,
        st.binary(max_size=32),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
        st.integers(min_value=0, max_value=2**32).map(plistlib.UID),
    )


PLIST_VALUES: st.SearchStrategy[Any] = st.recursive(
    _plist_leaves(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(TEXT, SHAPED_TEXT), inner, max_size=5),
    ),
    max_leaves=12,
)


def plist_dumps(obj: Any, binary: bool) -> bytes:
    """Serialise ``obj``; XML cannot hold UIDs, so those trees fall back to binary."""
    if not binary:
        try:
            return plistlib.dumps(obj, fmt=plistlib.FMT_XML, sort_keys=False)
        except (TypeError, ValueError, OverflowError):
            pass
    return plistlib.dumps(obj, fmt=plistlib.FMT_BINARY, sort_keys=False)


PLIST_BYTES = st.tuples(PLIST_VALUES, st.booleans()).map(lambda t: plist_dumps(*t))

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), INTS, st.integers(), FLOATS, ANY_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(TEXT, SHAPED_TEXT), inner, max_size=5),
    ),
    max_leaves=12,
)
