"""The columnar fast path gives exactly what the row path gives, or hands the batch back.

``parsers/common/columnar.py`` converts whole columns only when every value is one the row
path converts without a warning; these tests compare the two on the same values (hypothesis)
and check that every other value raises ``Unclean`` (so the batch goes row by row).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.columns import records_at, records_batch
from tracehound.core.context import ParseContext
from tracehound.core.records import Provenance
from tracehound.core.timeutil import from_cocoa, from_cocoa_s_or_ns
from tracehound.parsers.common import columnar
from tracehound.parsers.ios import sms

PROV = Provenance(
    source="ios_backup", path="/p/sms.db", sha256="0" * 64, parser="ios.sms", parser_version="1"
)


def _row_times(convert: Any, values: list[Any], unset: tuple[int, ...] = ()) -> list[Any]:
    ctx = ParseContext(artifact="t", path="/t")
    out = [ctx.time(convert, v, 0, "t", unset=unset) for v in values]
    assert ctx.warnings == 0
    return out


# Seconds and nanoseconds, both signs, the 1e11 boundary, and the ends of datetime's range.
_S_OR_NS = st.one_of(
    st.none(),
    st.integers(-(10**11), 10**11),
    st.integers(10**11, 2**63 - 1),
    st.integers(-(2**63) + 1, -(10**11)).filter(lambda v: v > -63_113_904_000 * 10**9),
    st.sampled_from([0, 10**11, 10**11 + 1, -(10**11), -(10**11) - 1, 1, -1, 999, -999]),
)


@given(st.lists(_S_OR_NS, max_size=40))
def test_cocoa_s_or_ns_matches_the_row_converter(values: list[int | None]) -> None:
    try:
        column = columnar.cocoa_s_or_ns(values).to_pylist()
    except columnar.Unclean:  # only when a value is outside datetime's range
        assert any(v is not None and v != 0 and from_cocoa_s_or_ns(v) is None for v in values)
        return
    assert column == _row_times(from_cocoa_s_or_ns, values, unset=(0,))


_SECONDS = st.one_of(
    st.none(),
    st.floats(-6.3e10, 2.5e11, allow_nan=False, allow_infinity=False),
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    st.integers(-6 * 10**10, 2 * 10**11),
    # Fractions that sit on a half microsecond, where rounding must be half to even.
    st.integers(0, 10**9).map(lambda n: n + 0.5e-6),
    st.integers(0, 10**6).map(lambda n: n * 1e-6 + 0.5e-6),
)


@given(st.lists(_SECONDS, max_size=40))
def test_cocoa_seconds_matches_timedelta(values: list[float | int | None]) -> None:
    try:
        column = columnar.cocoa_seconds(values).to_pylist()
    except columnar.Unclean:
        assert any(v is not None and from_cocoa(v) is None for v in values)
        return
    assert column == _row_times(from_cocoa, values)


@pytest.mark.parametrize(
    "values",
    [
        [1.0, math.nan],
        [1.0, math.inf],
        [1.0, "700000000"],  # numeric text: the row path converts it, the fast path does not
        [True, 1.0],
        [1e300],
    ],
)
def test_cocoa_seconds_hands_back_odd_values(values: list[Any]) -> None:
    with pytest.raises(columnar.Unclean):
        columnar.cocoa_seconds(values)


@pytest.mark.parametrize(
    "values",
    [[1, "2"], [1, 2.0], [True], [2**70], [-(10**11)]],  # last: before year 1
)
def test_integer_columns_hand_back_odd_values(values: list[Any]) -> None:
    with pytest.raises(columnar.Unclean):
        columnar.cocoa_s_or_ns(values)


def test_text_hands_back_bytes_and_lone_surrogates() -> None:
    assert columnar.text(["a", None]).to_pylist() == ["a", None]
    with pytest.raises(columnar.Unclean):
        columnar.text(["a", b"b"])
    with pytest.raises(columnar.Unclean):
        columnar.text(["a\udcff"])


_TEXT = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "see https://example.com/x).",
            "two http://a.example/ https://b.example/q?x=1,",
            "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone",
            "://",
            "",
        ]
    ),
)
_ROW = st.fixed_dictionaries(
    {
        "rid": st.integers(1, 10**6),
        "guid": st.one_of(st.none(), st.uuids().map(str)),
        "text": _TEXT,
        "service": st.sampled_from([None, "SMS", "iMessage"]),
        "account": st.sampled_from([None, "e:a@example.com"]),
        "date": _S_OR_NS.filter(lambda v: v is None or from_cocoa_s_or_ns(v) is not None),
        "date_read": st.sampled_from([None, 0, 700_000_000, 700_000_000_123_456_789]),
        "date_delivered": st.sampled_from([None, 0, 5]),
        "is_from_me": st.sampled_from([None, 0, 1, 2]),
        "is_read": st.sampled_from([None, 0, 1]),
        "has_att": st.sampled_from([None, 0, 1]),
        "body": st.none(),
        "h_id": st.sampled_from([None, "+12025550123", "a@example.com", "@", ""]),
    }
)


@given(st.lists(_ROW, min_size=1, max_size=30))
def test_sms_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    columns = {name: [row[name] for row in rows] for name in names}
    ctx = ParseContext(artifact="ios.sms", path="/p/sms.db")
    fields = sms._columns(columns, ctx)
    batch = records_batch(sms.SmsMessage, [sms._record(r, ctx) for r in rows], PROV)
    assert ctx.warnings == 0
    got = records_at(sms.SmsMessage, _with_prov(fields, batch), range(len(rows)))
    assert got == records_at(sms.SmsMessage, batch, range(len(rows)))


def _with_prov(fields: pa.RecordBatch, like: pa.RecordBatch) -> pa.RecordBatch:
    from tracehound.core.columns import with_provenance

    out = with_provenance(sms.SmsMessage, fields, PROV)
    assert out.schema == like.schema
    return out


def test_sms_batch_with_an_odd_value_goes_row_by_row() -> None:
    ctx = ParseContext(artifact="ios.sms", path="/p/sms.db")
    row = {
        "rid": 1, "guid": "g", "text": b"not text", "service": "SMS", "account": None,
        "date": 1, "date_read": 0, "date_delivered": 0, "is_from_me": 0, "is_read": 0,
        "has_att": 0, "body": None, "h_id": "+1",
    }  # fmt: skip
    with pytest.raises(columnar.Unclean):
        sms._columns({k: [v] for k, v in row.items()}, ctx)
    record = sms._record(row, ctx)
    assert record.text is None and ctx.warnings == 1
    assert record.ts == datetime(2001, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_fetch_groups_never_splits_a_group() -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER, v INTEGER)")
    keys = [1, 2, 3, 3, 3, 4, 5, 5, 6]
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(k, n) for n, k in enumerate(keys)])
    batches = [
        rows
        for rows, _ in columnar.fetch_groups(
            conn.execute("SELECT k, v FROM t ORDER BY v"), 0, size=3
        )
    ]
    assert [r for rows in batches for r in rows] == [(k, n) for n, k in enumerate(keys)]
    assert [[k for k, _ in rows] for rows in batches] == [[1, 2, 3, 3, 3], [4, 5, 5], [6]]
    for rows in batches[1:]:
        assert rows[0][0] != batches[batches.index(rows) - 1][-1][0]


_WA_TEXT = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "hi",
            "look https://example.com/a, and http://b.example/",
            "https://mmg.whatsapp.net/d/f/x.enc",
            "https://example.com/a",
        ]
    ),
)
_WA_ROW = st.fixed_dictionaries(
    {
        "date": _SECONDS.filter(lambda v: v is None or from_cocoa(v) is not None),
        "sent": st.sampled_from([None, 0, 700_000_000.25]),
        "from_me": st.sampled_from([None, 0, 1, 5]),
        "from_jid": st.sampled_from([None, "12025550123@s.whatsapp.net"]),
        "to_jid": st.sampled_from([None, "x@g.us"]),
        "text": _WA_TEXT,
        "push": st.sampled_from([None, "Ana"]),
        "mtype": st.sampled_from([None, 0, 7]),
        "stanza": st.sampled_from([None, "ABC"]),
        "media_url": _WA_TEXT,
        "content1": _WA_TEXT,
        "content2": _WA_TEXT,
        "matched": _WA_TEXT,
        "chat_jid": st.sampled_from([None, "x@g.us"]),
        "chat": st.sampled_from([None, "Group"]),
    }
)


@given(st.lists(_WA_ROW, min_size=1, max_size=20))
def test_whatsapp_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    from tracehound.core.columns import with_provenance
    from tracehound.parsers.ios import whatsapp

    rows = [{"pk": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.whatsapp", path="/p/ChatStorage.sqlite")
    made = [whatsapp._record(ctx, r["pk"], [r]) for r in rows]
    assert ctx.warnings == 0
    cls = whatsapp.WhatsAppMessage
    fields = with_provenance(cls, whatsapp._columns(columns), PROV)
    assert records_at(cls, fields, range(len(rows))) == made


def test_whatsapp_message_with_joined_rows_goes_row_by_row() -> None:
    from tracehound.parsers.ios import whatsapp

    with pytest.raises(columnar.Unclean):
        whatsapp._columns({"pk": [1, 1]})
