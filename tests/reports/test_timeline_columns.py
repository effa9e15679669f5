"""The columnar timeline rows equal, byte for byte, the rows ``add_record`` writes (issue 12):
on every record of the demo phones, and on hostile values (formulas, quotes, line breaks,
long multi-byte text, doubles, booleans, lists, microseconds); so do the Timesketch JSON lines
staged with them (``jsonl=True``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.columns import records_batch
from tracehound.core.records import Provenance, Record, Url
from tracehound.core.registry import record_types
from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check
from tracehound.reports.timeline import TimelineWriter
from tracehound.reports.timeline_columns import timeline_lines
from tracehound.store.records import read_records, record_files

PROV = Provenance(
    source="ios_backup", path="=/odd,path\n", sha256="ab", parser="t.hostile", parser_version="1"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hostile(Record):
    TYPE = "t.hostile"
    TS_DESC = 'Time, "quoted"'
    EXTRA_TIMES = (("other", "Other time"),)

    text: str | None
    url: Url | None
    number: int | None
    ratio: float | None
    flag: bool | None
    items: tuple[str, ...]
    other: datetime | None


def _python_rows(
    records: list[Record], prov: Provenance, severities: list[str], jsonl: bool = False
) -> list[bytes]:
    writer = TimelineWriter(None, staging=Path("/nonexistent"), jsonl=jsonl)
    for record, severity in zip(records, severities, strict=True):
        writer.add_record(record, prov, severity)
    return sorted(writer._pending)


def _column_rows(
    records: list[Record], prov: Provenance, severities: list[str], jsonl: bool = False
) -> list[bytes]:
    batch = records_batch(type(records[0]), records, prov)
    return sorted(timeline_lines(type(records[0]), batch, severities, prov.path, (), jsonl))


@pytest.mark.parametrize("jsonl", [False, True])
def test_hostile_values_are_written_as_the_row_writer_writes_them(jsonl: bool) -> None:
    when = datetime(2021, 7, 12, 9, 14, 3, 120, tzinfo=UTC)
    records: list[Record] = [
        Hostile(
            ts=when,
            row=1,
            text='=cmd|" /C calc"!A0, with "quotes"\r\nand lines \\ \x00\x1b\x7f\u2028',
            url="https://example.org/a,b",
            number=-5,
            ratio=1e16,
            flag=False,
            items=("a", "b", "c", "d", "e", "f"),
            other=datetime(1, 1, 1, tzinfo=UTC),
        ),
        Hostile(
            ts=None,
            row=None,
            text="é" * 1200,
            url="",
            number=0,
            ratio=0.1,
            flag=True,
            items=(),
            other=datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        ),
        Hostile(
            ts=when,
            row=3,
            text="-1+1",
            url=None,
            number=None,
            ratio=100.0,
            flag=None,
            items=("only",),
            other=None,
        ),
        Hostile(
            ts=None,
            row=4,
            text=None,
            url=None,
            number=None,
            ratio=None,
            flag=None,
            items=(),
            other=None,
        ),
    ]
    severities = ["high", "", "", ""]
    rows = _column_rows(records, PROV, severities, jsonl)
    assert rows == _python_rows(records, PROV, severities, jsonl)
    assert len(rows) == 4
    if jsonl:  # each row ends in its JSON line and that line's length
        first = min(rows)
        size = int(first[-10:])
        line = json.loads(first[-10 - size : -10])
        assert line["message"].startswith('text==cmd|" /C calc"!A0, with "quotes"\r\nand lines')
        assert line["t_hostile__text"] == records[0].text  # type: ignore[attr-defined]
        assert line["t_hostile__items"] == ["a", "b", "c", "d", "e", "f"]
        assert line["t_hostile__ratio"] == 1e16 and line["t_hostile__flag"] is False
        assert line["detection"] == "high" and line["device_path"] == "=/odd,path\n"


@pytest.mark.parametrize("jsonl", [False, True])
@pytest.mark.parametrize("kind", ["backup", "ffs", "sysdiagnose-folder", "androidqf", "bugreport"])
def test_demo_records_give_the_same_rows(kind: str, jsonl: bool, tmp_path: Path) -> None:
    target = write_demo(tmp_path / "acq", kind)
    run_check(CheckOptions(target=target, output=tmp_path / "out"))
    classes = record_types()
    compared = 0
    for name, path in record_files(tmp_path / "out" / "records").items():
        by_prov: dict[Provenance, list[Record]] = {}
        for record, prov in read_records(path, classes[name]):
            assert prov is not None
            by_prov.setdefault(prov, []).append(record)
        for prov, records in by_prov.items():
            severities = [""] * len(records)
            assert _column_rows(records, prov, severities, jsonl) == _python_rows(
                records, prov, severities, jsonl
            ), name
            compared += len(records)
    assert compared > 20
