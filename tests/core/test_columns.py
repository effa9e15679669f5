"""Records as Arrow columns (issue 12): the schema carries the declaration, every value comes
back, values Arrow cannot hold go through ``_extra``, and matching sees them too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.columns import EXTRA_COLUMN, batch_records, records_batch, schema_of
from tracehound.core.records import Domain, Provenance, Record, Url
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.stix import Indicator, IocKind

PROV = Provenance(
    source="ios_backup",
    path="/p",
    sha256="ab",
    parser="t.col",
    parser_version="1",
    wal_sha256=None,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Col(Record):
    TYPE = "t.col"
    TS_DESC = "Seen"
    EXTRA_TIMES = (("later", "Later"),)

    url: Url | None
    hosts: tuple[Domain, ...]
    count: int | None
    ratio: float | None
    flag: bool | None
    later: datetime | None


def _col(**kw: object) -> Col:
    base: dict[str, object] = {"ts": None, "row": None, "url": None, "hosts": (), "count": None}
    base.update({"ratio": None, "flag": None, "later": None}, **kw)
    return Col(**base)  # type: ignore[arg-type]


def test_schema_carries_kinds_times_and_provenance() -> None:
    schema = schema_of(Col)
    assert schema.field("url").metadata == {b"kind": b"url"}
    assert schema.field("hosts").metadata == {b"kind": b"domain"}
    assert schema.field("ts").metadata == {b"time": b"Seen"}
    assert schema.field("later").metadata == {b"time": b"Later"}
    assert schema.metadata[b"type"] == b"t.col"
    assert schema.names[-7:] == [
        "_source",
        "_path",
        "_sha256",
        "_parser",
        "_parser_version",
        "_wal_sha256",
        EXTRA_COLUMN,
    ]


def test_values_arrow_cannot_hold_are_kept_and_matched() -> None:
    records = [
        _col(row=1, count=2**70, url="https://evil.example/\udcff", hosts=("a.evil.example",)),
        _col(
            ts=datetime(2021, 7, 1, 1, 2, 3, 4, tzinfo=UTC),
            row=2,
            count=-3,
            ratio=0.5,
            flag=False,
            later=datetime(1, 1, 1, tzinfo=UTC),
        ),
    ]
    batch = records_batch(Col, records, PROV)
    assert batch.column("count").to_pylist() == [None, -3]  # the big one is in _extra
    assert batch.column("url").to_pylist() == [None, None]
    assert [r for r, _ in batch_records(Col, batch)] == records
    assert {p for _, p in batch_records(Col, batch)} == {PROV}
    ind = Indicator(
        id="indicator--1",
        kind=IocKind.DOMAIN,
        value="evil.example",
        raw="evil.example",
        object_path="domain-name:value",
        malware=("Spy",),
        source="t",
    )
    hits = IndicatorIndex.build([ind]).match_batch(batch)
    assert sorted(hits) == [0]
    assert [(m.field, m.observed) for m in hits[0]] == [
        ("hosts", "a.evil.example"),
        ("url", "https://evil.example/\udcff"),
    ]


_TEXT = st.one_of(st.none(), st.text(max_size=20))


@given(
    url=_TEXT,
    hosts=st.lists(st.text(max_size=10), max_size=7).map(tuple),
    count=st.one_of(st.none(), st.integers()),
    ratio=st.one_of(st.none(), st.floats(allow_nan=False)),
    flag=st.one_of(st.none(), st.booleans()),
    later=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_any_record_round_trips(
    url: str | None,
    hosts: tuple[str, ...],
    count: int | None,
    ratio: float | None,
    flag: bool | None,
    later: datetime | None,
) -> None:
    record = _col(row=5, url=url, hosts=hosts, count=count, ratio=ratio, flag=flag, later=later)
    batch = records_batch(Col, [record, _col()], PROV)
    assert [r for r, _ in batch_records(Col, batch)] == [record, _col()]
