from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.records import Provenance, Record
from tracehound.reports.timeline import COLUMNS, TimelineWriter, max_severity, safe_cell


@dataclass(frozen=True, slots=True, kw_only=True)
class Thing(Record):
    TYPE = "test.thing"
    TS_DESC = "Thing happened"
    EXTRA_TIMES = (("created", "Thing created"),)
    text: str
    created: datetime | None = None


PROV = Provenance(
    source="test", path="/x", sha256="0" * 64, parser="test.thing", parser_version="1"
)


def test_formula_cells_are_neutralised() -> None:
    for payload in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(payload).startswith("'")
    assert safe_cell("plain") == "plain"
    assert safe_cell(None) == ""


def test_sorted_with_extra_times_and_detections(tmp_path: Path) -> None:
    out = tmp_path / "timeline.csv"
    with TimelineWriter(out) as tl:
        tl.add_record(
            Thing(
                ts=datetime(2021, 1, 2, tzinfo=UTC),
                text="=cmd|' /C calc'!A0",
                created=datetime(2021, 1, 1, tzinfo=UTC),
                row=7,
            ),
            PROV,
            "high",
        )
        tl.add_record(Thing(ts=None, text="no time"), PROV)
        tl.add_detection(
            datetime(2021, 1, 1, 12, tzinfo=UTC), "critical", "bad thing", "test.thing", "/x", 7
        )
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == COLUMNS
    assert [r[1] for r in rows[1:]] == ["Thing created", "Detection", "Thing happened"]
    assert rows[1][0] == "2021-01-01T00:00:00+00:00" and rows[1][3] == "1609459200000000"
    assert rows[3][5] == "high" and rows[3][7] == "7"
    assert rows[3][2].startswith("text==cmd")  # the message starts with the field name
    assert max_severity(["low", "critical", "medium"]) == "critical" and max_severity([]) == ""


def test_message_cell_starting_with_formula_is_quoted(tmp_path: Path) -> None:
    out = tmp_path / "timeline.csv"
    with TimelineWriter(out) as tl:
        tl.add_detection(datetime(2021, 1, 1, tzinfo=UTC), "high", "=2+2", "a", "-path", None)
    row = list(csv.reader(out.open(encoding="utf-8")))[1]
    assert row[2] == "'=2+2" and row[6] == "'-path"


@pytest.mark.parametrize(
    "cell", ["plain", "a,b", 'q"q', "line\nbreak", "cr\rx", "", " lead", "'=1", "ünï,cödé"]
)
def test_staged_lines_are_what_csv_writer_writes(cell: str) -> None:
    """Rows are rendered to CSV text in the workers; they must equal the csv module's output."""
    import csv
    import io

    from tracehound.reports.timeline import _csv_text

    expected = io.StringIO()
    csv.writer(expected).writerow(["x", cell, "y"])
    assert f"x,{_csv_text(cell)},y\r\n" == expected.getvalue()
