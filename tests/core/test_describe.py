"""``Record.describe``: the timeline's one-line text of a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tracehound.core.records import Record, Url


@dataclass(frozen=True, slots=True, kw_only=True)
class Many(Record):
    TYPE = "test.many"
    TS_DESC = "When"
    name: str = ""
    url: Url | None = None
    count: int = 0
    flag: bool = False
    links: tuple[str, ...] = ()
    seen: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class One(Record):
    TYPE = "test.one"
    TS_DESC = "When"
    text: str


def test_fields_in_order_and_empty_ones_left_out() -> None:
    record = Many(
        ts=datetime(2021, 1, 1, tzinfo=UTC),
        row=7,
        name="a b",
        count=0,
        links=tuple("abcdefg"),
        seen=datetime(2021, 7, 12, 9, 14, 3, 120000, tzinfo=UTC),
    )
    assert record.describe() == (
        "name=a b count=0 flag=False links=a, b, c, d, e ... seen=2021-07-12T09:14:03.120000+00:00"
    )
    assert Many(ts=None).describe() == "count=0 flag=False"


def test_single_field_and_length_cap() -> None:
    assert One(ts=None, text="x").describe() == "text=x"
    assert len(One(ts=None, text="y" * 5000).describe()) == 1000
