"""The columnar fast path gives exactly what the row path gives, or hands the batch back.

``parsers/common/columnar.py`` converts whole columns only when every value is one the row
path converts without a warning; these tests compare the two on the same values (hypothesis)
and check that every other value raises ``Unclean`` (so the batch goes row by row).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.columns import records_at, records_batch
from tracehound.core.context import ParseContext
from tracehound.core.records import Provenance
from tracehound.core.timeutil import from_cocoa, from_cocoa_s_or_ns, from_webkit
from tracehound.parsers.common import columnar
from tracehound.parsers.ios import sms

PROV = Provenance(
    source="ios_backup", path="/p/sms.db", sha256="0" * 64, parser="ios.sms", parser_version="1"
)


def _same(cls: Any, make_columns: Any, made: list[Any], ctx: ParseContext) -> None:
    """The contract: the fast path may always decline; when it accepts, the row path saw no
    odd value (no warning) and made the same records."""
    from tracehound.core.columns import with_provenance

    try:
        fields = make_columns()
    except columnar.Unclean:
        return
    assert ctx.warnings == 0
    got = records_at(cls, with_provenance(cls, fields, PROV), range(len(made)))
    assert got == made


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
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.sms", path="/p/sms.db")
    made = [sms._record(r, ctx) for r in rows]
    _same(sms.SmsMessage, lambda: sms._columns(columns, ctx), made, ctx)


def test_columns_with_provenance_have_the_records_schema() -> None:
    from tracehound.core.columns import with_provenance

    row = {
        "rid": 1, "guid": "g", "text": "hi https://example.com/", "service": "SMS",
        "account": None, "date": 1, "date_read": 0, "date_delivered": 0, "is_from_me": 0,
        "is_read": 0, "has_att": 0, "body": None, "h_id": "+1",
    }  # fmt: skip
    ctx = ParseContext(artifact="ios.sms", path="/p/sms.db")
    fields = sms._columns({k: [v] for k, v in row.items()}, ctx)
    batch = records_batch(sms.SmsMessage, [sms._record(row, ctx)], PROV)
    assert with_provenance(sms.SmsMessage, fields, PROV).equals(batch)


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
    from tracehound.parsers.ios import whatsapp

    rows = [{"pk": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.whatsapp", path="/p/ChatStorage.sqlite")
    made = [whatsapp._record(ctx, r["pk"], [r]) for r in rows]
    _same(whatsapp.WhatsAppMessage, lambda: whatsapp._columns(columns), made, ctx)


def test_whatsapp_message_with_joined_rows_goes_row_by_row() -> None:
    from tracehound.parsers.ios import whatsapp

    with pytest.raises(columnar.Unclean):
        whatsapp._columns({"pk": [1, 1]})


_IDS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "+12025550123",
            "a@example.com\x1fb@example.com\x1fa@example.com",
            "x@s.whatsapp.net\x1f\x1f+4477009000",
            "\x1f",
        ]
    ),
)
_IC_ROW = st.fixed_dictionaries(
    {
        # Within 285 years of the creation dates (beyond, the fast path declines: below).
        "start": st.one_of(st.none(), st.floats(-8e9, 8e9), st.integers(-(10**9), 10**9)),
        "end": st.sampled_from([None, 0.0, 650_000_000.5]),
        "created": st.one_of(
            st.none(), st.floats(6e8, 6.0001e8), st.sampled_from([650_000_000.5, 1.0])
        ),
        "bundle": st.sampled_from([None, "com.apple.MobileSMS"]),
        "target": st.sampled_from([None, "net.whatsapp.WhatsApp"]),
        "account": st.sampled_from([None, "acc"]),
        "direction": st.sampled_from([None, 0, 1]),
        "response": st.sampled_from([None, 0, 1, 3]),
        "mechanism": st.sampled_from([None, 4]),
        "rcount": st.sampled_from([None, 2]),
        "domain": st.sampled_from([None, "d"]),
        "group_name": st.sampled_from([None, "g"]),
        "content_url": st.sampled_from([None, "https://example.com/"]),
        "s_name": st.sampled_from([None, "Ana"]),
        "s_id": st.sampled_from([None, "", "ana@example.com", "+1202", "x@lid"]),
        "s_person": st.sampled_from([None, "p"]),
        "r_ids": _IDS,
        "r_names": _IDS,
        "a_urls": _IDS,
        "a_texts": _IDS,
        "a_utis": _IDS,
    }
)


@given(st.lists(_IC_ROW, min_size=1, max_size=20))
def test_interaction_c_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    from tracehound.parsers.ios import interaction_c

    rows = [{"pk": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.interaction_c", path="/p/interactionC.db")
    made = [interaction_c._record(ctx, r) for r in rows]
    _same(interaction_c.Interaction, lambda: interaction_c._columns(columns), made, ctx)


def test_interaction_c_unknown_direction_goes_row_by_row() -> None:
    from tracehound.parsers.ios import interaction_c

    with pytest.raises(columnar.Unclean):
        interaction_c._columns({"pk": [1], "direction": [7]})
    row = {name: [None] for name in ("pk", "direction", "end", "response")}
    row.update(start=[-1e10], created=[1e10])  # 634 years apart
    with pytest.raises(columnar.Unclean):
        interaction_c._columns(row)


_CHROME_ROW = st.fixed_dictionaries(
    {
        "v_url": st.sampled_from([None, 1, 7]),
        "v_time": st.one_of(
            st.none(),
            st.integers(1, 2**63 - 1),
            st.integers(-(2**62), -1).filter(lambda v: from_webkit(v) is not None),
            st.just(13_270_000_000_000_000),
        ),
        "v_from": st.sampled_from([None, 0, 3]),
        "v_transition": st.one_of(
            st.none(),
            st.sampled_from([0, 1, 0x80000000 | 1, 0x40000000, -(2**31) + 5, 0x30000008]),
        ),
        "v_duration": st.one_of(st.none(), st.integers(-(10**12), 10**12), st.just(0)),
        "u_url": st.sampled_from([None, "https://example.com/"]),
        "u_title": st.sampled_from([None, "t"]),
    }
)


@given(st.lists(_CHROME_ROW, min_size=1, max_size=20))
def test_chrome_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    from tracehound.parsers.ios import chrome_history

    rows = [{"v_id": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.chrome_history", path="/p/History")
    made = [chrome_history._record(ctx, r) for r in rows]
    _same(chrome_history.ChromeVisit, lambda: chrome_history._columns(columns), made, ctx)


@pytest.mark.parametrize("column,value", [("v_time", 0), ("v_transition", 11), ("v_id", None)])
def test_chrome_odd_values_go_row_by_row(column: str, value: Any) -> None:
    from tracehound.parsers.ios import chrome_history

    row: dict[str, list[Any]] = {
        "v_id": [1], "v_url": [1], "v_time": [1], "v_from": [None], "v_transition": [0],
        "v_duration": [None], "u_url": [None], "u_title": [None],
    }  # fmt: skip
    row[column] = [value]
    with pytest.raises(columnar.Unclean):
        chrome_history._columns(row)


_CALL_ROW = st.fixed_dictionaries(
    {
        "date": _SECONDS,
        "duration": st.one_of(st.none(), st.floats(0, 1e5), st.integers(0, 10**6)),
        "address": st.sampled_from([None, "+12025550123", b"+4477009\xff00", "a@example.com"]),
        "name": st.sampled_from([None, "Ana"]),
        "location": st.sampled_from([None, "UK"]),
        "country": st.sampled_from([None, "gb"]),
        "provider": st.sampled_from([None, "com.apple.Telephony"]),
        "originated": st.sampled_from([None, 0, 1, 2]),
        "answered": st.sampled_from([None, 0, 1]),
        "call_type": st.sampled_from([None, 0, 1, 8, 16, 3]),
        "unique_id": st.sampled_from([None, "U"]),
        "read": st.sampled_from([None, 0, 1]),
        "junk": st.sampled_from([None, 0, 5]),
    }
)


@given(st.lists(_CALL_ROW, min_size=1, max_size=20))
def test_calls_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    from tracehound.parsers.ios import calls

    rows = [{"pk": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.calls", path="/p/CallHistory.storedata")
    made = [calls._record(ctx, r) for r in rows]
    _same(calls.Call, lambda: calls._columns(columns), made, ctx)


def _mbfile(meta: dict[str, Any] | None) -> bytes | None:
    """A Manifest.db ``file`` blob: an NSKeyedArchiver binary plist whose root is an MBFile
    (the layout iOS writes; see ``parsers/ios/manifest.py``)."""
    import plistlib

    if meta is None:
        return None
    root = {**meta, "$class": plistlib.UID(2)}
    archive = {
        "$version": 100000,
        "$archiver": "NSKeyedArchiver",
        "$top": {"root": plistlib.UID(1)},
        "$objects": ["$null", root, {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]}],
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


_META_VALUE = st.one_of(
    st.integers(0, 2_000_000_000),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(2**63, 2**64 - 1),  # a 16-byte plist integer: plistlib's path
    st.datetimes(datetime(1990, 1, 1), datetime(2030, 1, 1)),  # a plist date: plistlib's path
)
_META = st.dictionaries(
    st.sampled_from(
        [
            "Birth",
            "LastModified",
            "LastStatusChange",
            "Mode",
            "Size",
            "UserID",
            "GroupID",
            "InodeNumber",
            "ProtectionClass",
            "Flags",
        ]
    ),
    _META_VALUE,
)
_MANIFEST_ROW = st.fixed_dictionaries(
    {
        "fid": st.one_of(st.text(alphabet="0123456789abcdef", min_size=40, max_size=40), st.none()),
        "dom": st.one_of(
            st.sampled_from(["HomeDomain", "AppDomain-com.example.app", "RootDomain", ""]),
            st.none(),
            st.integers(),
        ),
        "rel": st.one_of(
            st.sampled_from(
                [
                    "Library/SMS/sms.db",
                    "",
                    "/",
                    "Library/WebKit/https_evil.example.com_0/x",
                    "Media/DCIM/100APPLE/IMG_0001.HEIC",
                ]
            ),
            st.text(max_size=20),
            st.none(),
        ),
        "flags": st.one_of(st.sampled_from([1, 2, 4]), st.none(), st.floats(0, 3)),
        "f": st.one_of(st.none(), st.just(b""), st.just(b"garbage"), _META.map(_mbfile)),
    }
)


@given(st.lists(_MANIFEST_ROW, min_size=1, max_size=20))
def test_manifest_columns_equal_the_row_records(rows: list[dict[str, Any]]) -> None:
    from tracehound.parsers.ios import manifest

    rows = [{"rowid": n + 1, **row} for n, row in enumerate(rows)]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.manifest", path="/p/Manifest.db")
    made = [manifest._record(r, ctx, {}) for r in rows]
    _same(manifest.ManifestFile, lambda: manifest._columns(columns), made, ctx)


def test_manifest_typical_rows_take_the_fast_path() -> None:
    """Rows as iOS writes them are converted as columns (the fast path is not always declining),
    equal to the row path's records."""
    from tracehound.parsers.ios import manifest

    meta = {
        "Birth": 1_600_000_000,
        "LastModified": 1_650_000_000,
        "LastStatusChange": 1_650_000_001,
        "Mode": 0o100644,
        "Size": 123_456,
        "UserID": 501,
        "GroupID": 501,
        "InodeNumber": 987_654,
        "ProtectionClass": 3,
    }
    rows = [
        {
            "rowid": 1,
            "fid": "a" * 40,
            "dom": "HomeDomain",
            "rel": "Library/SMS/sms.db",
            "flags": 1,
            "f": _mbfile(meta),
        },
        {
            "rowid": 2,
            "fid": "b" * 40,
            "dom": "HomeDomain",
            "rel": "Library/WebKit/https_evil.example.com_0",
            "flags": 2,
            "f": _mbfile({**meta, "Size": 0}),
        },
        {"rowid": 3, "fid": "c" * 40, "dom": "RootDomain", "rel": "", "flags": None, "f": None},
    ]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    ctx = ParseContext(artifact="ios.manifest", path="/p/Manifest.db")
    made = [manifest._record(r, ctx, {}) for r in rows]
    batch = manifest._columns(columns)  # no Unclean
    from tracehound.core.columns import with_provenance

    got = records_at(
        manifest.ManifestFile, with_provenance(manifest.ManifestFile, batch, PROV), range(3)
    )
    assert got == made and ctx.warnings == 0
    assert got[1].url_hosts == ("evil.example.com",) and got[0].size == 123_456


_USAGE_ROW = st.fixed_dictionaries(
    {
        "p_pk": st.one_of(st.integers(1, 10**6), st.none()),
        "p_name": st.one_of(
            st.sampled_from(["bh/com.apple.bh", "CommCenter", "/", "", "x/"]),
            st.none(),
            st.integers(),
        ),
        "p_bundle": st.one_of(st.sampled_from(["com.apple.x", ""]), st.none(), st.integers()),
        "p_first": st.one_of(st.none(), _SECONDS, st.just("12")),
        "p_ts": st.one_of(st.none(), _SECONDS),
        "u_pk": st.one_of(st.integers(1, 10**6), st.none()),
        "u_proc": st.one_of(st.integers(1, 10**6), st.none(), st.text(max_size=3)),
        "u_ts": st.one_of(st.none(), _SECONDS, st.just(float("nan"))),
        "wifi_in": st.one_of(
            st.none(), st.integers(0, 10**12), st.floats(0, 1e12), st.text(max_size=2)
        ),
        "wifi_out": st.one_of(st.none(), st.integers(0, 10**6)),
        "wwan_in": st.one_of(st.none(), st.floats(0, 1e9)),
        "wwan_out": st.one_of(st.none(), st.integers(0, 10**6)),
    }
)


@pytest.mark.parametrize("name", ["datausage", "netusage"])
@given(rows=st.lists(_USAGE_ROW, min_size=1, max_size=20))
def test_datausage_columns_equal_the_row_records(name: str, rows: list[dict[str, Any]]) -> None:
    from tracehound.parsers.ios import datausage, netusage

    cls = datausage.DataUsage if name == "datausage" else netusage.NetUsage
    ctx = ParseContext(artifact=cls.TYPE, path="/p/DataUsage.sqlite")
    made = [datausage._record(r, ctx, cls) for r in rows]
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    _same(cls, lambda: datausage._columns(columns, cls), made, ctx)


def test_datausage_typical_rows_take_the_fast_path() -> None:
    from tracehound.core.columns import with_provenance
    from tracehound.parsers.ios import datausage

    rows = [
        {
            "p_pk": 1,
            "p_name": "bh/com.apple.bh",
            "p_bundle": "com.apple.bh",
            "p_first": 600_000_000.5,
            "p_ts": 600_000_100,
            "u_pk": 7,
            "u_proc": 1,
            "u_ts": 600_000_200.25,
            "wifi_in": 10,
            "wifi_out": 2.5,
            "wwan_in": None,
            "wwan_out": 0,
        },
        {
            "p_pk": None,
            "p_name": None,
            "p_bundle": None,
            "p_first": None,
            "p_ts": None,
            "u_pk": 8,
            "u_proc": 99,
            "u_ts": 600_000_300,
            "wifi_in": None,
            "wifi_out": None,
            "wwan_in": 1.0,
            "wwan_out": 3,
        },
    ]
    ctx = ParseContext(artifact="ios.datausage", path="/p/DataUsage.sqlite")
    made = [datausage._record(r, ctx, datausage.DataUsage) for r in rows]
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    batch = datausage._columns(columns, datausage.DataUsage)
    got = records_at(
        datausage.DataUsage, with_provenance(datausage.DataUsage, batch, PROV), range(2)
    )
    assert got == made and ctx.warnings == 0
    assert got[1].process_missing and got[1].row == 8 and got[1].process_pk == 99
    assert got[0].process_name == "bh" and got[0].row == 1
