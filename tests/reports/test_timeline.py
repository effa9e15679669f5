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


def _things(n: int) -> list[Thing]:
    """Records with times out of order, before and after 1970, ties and hostile text."""
    out = []
    for i in range(n):
        when = datetime(1960 + (i * 7919) % 80, 1 + i % 12, 1 + i % 28, i % 24, tzinfo=UTC)
        text = f'row {i % 5}, "q"\nline' if i % 3 else f"=row {i % 5}"
        out.append(Thing(ts=when, text=text, created=when if i % 4 == 0 else None, row=i))
    return out


def _write(out: Path, things: list[Thing]) -> bytes:
    with TimelineWriter(out) as tl:
        for thing in things:
            tl.add_record(thing, PROV)
    return out.read_bytes()


def test_spilled_runs_give_the_same_file_as_one_sort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The external sort (many run files, merged) writes exactly what one in-memory sort writes,
    whatever order the rows come in, and leaves no staging file behind."""
    import tracehound.reports.timeline as module

    things = _things(500)
    whole = _write(tmp_path / "whole.csv", things)
    monkeypatch.setattr(module, "_RUN_BYTES", 700)
    monkeypatch.setattr(module, "_BLOCK", 3)
    runs: list[Path] = []
    write_run = module._write_run

    def counted(path: Path, rows: object) -> None:
        runs.append(path)
        write_run(path, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_write_run", counted)
    spilled = _write(tmp_path / "spilled.csv", things)
    assert len(runs) > 50  # the rows really went through many run files
    shuffled = _write(tmp_path / "shuffled.csv", things[::-1])
    assert spilled == whole == shuffled
    rows = list(csv.reader((tmp_path / "whole.csv").open(encoding="utf-8", newline="")))
    assert len(rows) == 1 + 500 + 125
    times = [int(r[3]) for r in rows[1:]]
    assert times == sorted(times) and times[0] < 0  # before 1970 sorts first
    assert all(not r[2].startswith("=") for r in rows[1:])


def test_worker_runs_are_absorbed_and_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers detach their sorted rows; the parent merges them with its own into one file."""
    import tracehound.reports.timeline as module

    monkeypatch.setattr(module, "_RUN_BYTES", 1100)
    things = _things(300)
    expected = _write(tmp_path / "one.csv", things)
    out = tmp_path / "merged.csv"
    with TimelineWriter(out) as main:
        for number, share in enumerate((things[0::3], things[1::3])):
            folder = tmp_path / f"w{number}"
            folder.mkdir()
            worker = TimelineWriter(None, staging=folder)
            for thing in share:
                worker.add_record(thing, PROV)
            detached = worker.detach()
            assert list(folder.iterdir()) == [detached]  # its run files are merged into one
            main.absorb(detached)
            assert not detached.exists()
        for thing in things[2::3]:
            main.add_record(thing, PROV)
        assert main.rows == 300 + 75
    assert out.read_bytes() == expected


def test_lone_surrogate_is_escaped_not_fatal(tmp_path: Path) -> None:
    """A damaged string (a lone surrogate) cannot be UTF-8: it is written as a visible escape."""
    out = tmp_path / "timeline.csv"
    with TimelineWriter(out) as tl:
        tl.add_record(Thing(ts=datetime(2021, 1, 1, tzinfo=UTC), text="bad \udc80 text"), PROV)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[1][2] == "text=bad \\udc80 text"


def test_staging_is_removed_when_writing_fails(tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "timeline.csv"
    tl = TimelineWriter(out)
    staging = tl.staging
    tl.add_record(Thing(ts=datetime(2021, 1, 1, tzinfo=UTC), text="x"), PROV)
    with pytest.raises(OSError):
        tl.close()
    assert not staging.exists()


def test_naive_time_is_read_as_utc_not_fatal(tmp_path: Path) -> None:
    """Times are aware UTC; a parser bug that yields a naive one must not stop the timeline."""
    out = tmp_path / "timeline.csv"
    with TimelineWriter(out) as tl:
        tl.add_record(Thing(ts=datetime(2021, 1, 1, 12), text="naive"), PROV)
        tl.add_detection(datetime(2021, 1, 1, 11), "high", "naive detection", "t", "/x", None)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["2021-01-01T11:00:00+00:00", "2021-01-01T12:00:00+00:00"]
    assert rows[2][3] == "1609502400000000"
