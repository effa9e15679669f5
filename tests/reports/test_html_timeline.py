"""The report's pass over timeline.csv (reports/windows.py ``TimelineScan``): it must show what
the pass over records/ showed, read hostile CSV right, and decode records/ only for redaction."""

from __future__ import annotations

import csv
import json
import random
import shutil
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.records import Provenance, record_json
from tracehound.core.registry import record_types
from tracehound.parsers.ios.datausage import DataUsage
from tracehound.reports import windows
from tracehound.reports.charts import overview_chart
from tracehound.reports.derived import iter_csv_blocks
from tracehound.reports.detections import Detections, timeline_keys
from tracehound.reports.html import Limits, build_report, render_report, write_report
from tracehound.reports.jsonl import record_line
from tracehound.reports.redact import NOT_FOUND
from tracehound.reports.timeline import COLUMNS, TimelineWriter
from tracehound.reports.windows import RecordScan, TimelineScan, build_windows, scan_records
from tracehound.store.records import iter_record_dicts, record_files

DAY = 86_400_000_000
HOUR = 3_600_000_000
T0 = 1_700_000_000_000_000  # 2023-11-14 22:13:20 UTC
PROV = Provenance(
    source="ios_backup",
    path="/private/var/wireless/Library/Databases/DataUsage.sqlite",
    sha256="0" * 64,
    parser="ios.datausage",
    parser_version="1",
)


def at(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def window_rows(context: dict[str, Any]) -> list[list[tuple[Any, ...]]]:
    """What each window shows, but the text; rows of one time in a fixed order (the timeline
    orders them by their line, records/ by field: both are sorted by time)."""
    return [
        sorted(
            (r.us, r.desc, r.artifact, r.path, r.row, r.severity, r.anchor, r.redacted)
            for r in w.rows
        )
        for w in context["windows"]
    ]


def without_timeline(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "no-timeline"
    shutil.copytree(folder, copy)
    (copy / "timeline.csv").unlink()
    return copy


@pytest.mark.parametrize("redact", [False, True])
def test_timeline_pass_shows_what_the_records_pass_showed(
    demo_results: Path, tmp_path: Path, redact: bool
) -> None:
    new = build_report(demo_results, redact)
    old = build_report(without_timeline(demo_results, tmp_path), redact)
    assert new["records"] == old["records"] > 0
    assert new["overview"] == old["overview"]
    assert [(w.title, w.total, w.hidden, w.lanes) for w in new["windows"]] == [
        (w.title, w.total, w.hidden, w.lanes) for w in old["windows"]
    ]
    assert window_rows(new) == window_rows(old)
    assert [[r.us for r in w.rows] for w in new["windows"]] == [
        [r.us for r in w.rows] for w in old["windows"]
    ]
    old_rows = {
        (r.us, r.desc, r.artifact, r.path, r.row): r for w in old["windows"] for r in w.rows
    }
    rows = [
        (a, old_rows[(a.us, a.desc, a.artifact, a.path, a.row)])
        for w in new["windows"]
        for a in w.rows
    ]
    assert any(a.redacted for a, _ in rows) == redact and any(a.anchor for a, _ in rows)
    for a, b in rows:
        if a.redacted or "more characters]" not in b.text + a.text:
            assert a.text == b.text  # redacted summaries are made from the record itself
    assert "fields redacted" in render_report(new) if redact else True


def test_timeline_keys_name_the_rows_the_timeline_writer_wrote(demo_results: Path) -> None:
    """Every record of records/ is recognised in timeline.csv by its artifact, path, row, time
    and message (``describe()``): the report relies on it to find the detections' records."""
    with (demo_results / "timeline.csv").open(encoding="utf-8", newline="") as handle:
        written = Counter(
            (row[4], row[6], row[7], int(row[3]), row[2])
            for row in csv.reader(handle)
            if row[1] not in ("Detection", "timestamp_desc")
        )
    made: Counter[tuple[Any, ...]] = Counter()
    classes = record_types()
    for name, path in record_files(demo_results / "records").items():
        assert path.suffix == ".parquet"
        for rec in iter_record_dicts(path, classes[name]):
            keys, message = timeline_keys(
                path.stem, rec["_provenance"]["path"], rec, classes[path.stem]
            )
            assert message is not None or not keys
            made.update((*key, message) for key in keys)
    assert made == written and len(written) > 1000


def test_records_folder_is_read_only_for_redaction(demo_results: Path, tmp_path: Path) -> None:
    folder = tmp_path / "results"
    shutil.copytree(demo_results, folder)
    full = write_report(folder, output=tmp_path / "with.html").read_text(encoding="utf-8")
    redacted = build_report(folder, redact=True)
    shutil.rmtree(folder / "records")
    without = write_report(folder, output=tmp_path / "without.html").read_text(encoding="utf-8")
    assert without == full
    blind = build_report(folder, redact=True)
    assert window_rows(blind) == window_rows(redacted)
    texts = [r.text for w in blind["windows"] for r in w.rows if r.redacted]
    assert texts and set(texts) == {NOT_FOUND}


def write_results(
    folder: Path, demo_results: Path, records: list[DataUsage], detections: list[int]
) -> None:
    """A results folder of ``records`` (the real record, timeline and detection formats), with
    a critical detection on each record of index ``detections``."""
    (folder / "records").mkdir(parents=True)
    shutil.copy(demo_results / "run.json", folder)
    dets = []
    with TimelineWriter(folder / "timeline.csv") as timeline:
        for n, record in enumerate(records):
            severity = "critical" if n in detections else ""
            if severity:
                dets.append(
                    {
                        "type": "heuristic",
                        "detector": "test",
                        "severity": severity,
                        "artifact": record.TYPE,
                        "ts": record.ts.isoformat() if record.ts else None,
                        "message": f"finding {n}",
                        "evidence": {"path": PROV.path, "row": record.row},
                        "record": record_json(record),
                    }
                )
                timeline.add_detection(
                    record.ts, severity, f"finding {n}", record.TYPE, PROV.path, record.row
                )
            timeline.add_record(record, PROV, severity)
    lines = [record_line(record, PROV) + "\n" for record in records]
    (folder / "records" / "ios.datausage.jsonl").write_text("".join(lines), encoding="utf-8")
    (folder / "detections.jsonl").write_text("".join(json.dumps(d) + "\n" for d in dets))


def usage(us: int, name: str, row: int | None = None, raw: str = "x") -> DataUsage:
    return DataUsage(
        ts=at(us),
        row=row,
        first_seen=None,
        process_name=name,
        process_raw=raw,
        bundle_id=None,
        process_pk=None,
        usage_pk=None,
        process_missing=False,
        wifi_in=1.5,
        wifi_out=None,
        wwan_in=None,
        wwan_out=None,
    )


def test_the_detection_record_is_told_from_its_twins(demo_results: Path, tmp_path: Path) -> None:
    """Records of one file without row id at the same time differ by their fields only: only
    the detection's record is involved (shown in full when redacting, anchored)."""
    records = [usage(T0, "bh"), usage(T0, "alice-secret"), usage(T0 + HOUR // 2, "bob-secret")]
    folder = tmp_path / "results"
    write_results(folder, demo_results, records, detections=[0])
    for context in (
        build_report(folder, True),
        build_report(without_timeline(folder, tmp_path), True),
    ):
        (window,) = context["windows"]
        detection = [r for r in window.rows if r.is_detection]
        involved = [r for r in window.rows if r.severity and not r.is_detection]
        others = [r for r in window.rows if not r.severity]
        assert [(r.anchor, r.text) for r in detection] == [("det-1", "critical: finding 0")]
        assert [(r.severity, r.anchor, r.redacted) for r in involved] == [
            ("critical", "det-1", False)
        ]
        assert "process_name=bh" in involved[0].text
        assert [(r.redacted, r.text) for r in others] == [
            (True, "process_missing=False [3 fields redacted]")
        ] * 2
        assert len(window.rows) == 4


def test_formula_guarded_paths_are_shown_as_they_are(tmp_path: Path, demo_results: Path) -> None:
    folder = tmp_path / "results"
    prov_path = "=HYPERLINK(1)/DataUsage.sqlite"
    records = [usage(T0, "bh", row=7)]
    write_results(folder, demo_results, records, detections=[0])
    text = (folder / "timeline.csv").read_text(encoding="utf-8")
    (folder / "timeline.csv").write_text(text.replace(PROV.path, "'" + prov_path))
    dets = (folder / "detections.jsonl").read_text().replace(PROV.path, prov_path)
    (folder / "detections.jsonl").write_text(dets)
    (window,) = build_report(folder)["windows"]
    assert window.rows[0].path == prov_path and window.rows[0].anchor == "det-1"


# ------------------------------------------------------------------------------------------
# Hostile and damaged timeline.csv, checked against a plain csv.reader of the whole file
# ------------------------------------------------------------------------------------------

FAKE_ROW = "2023-11-14T22:13:20+00:00,Time,x,1700000000000000,ios.sms,,/p,1"


def timeline_rows(seed: int, count: int) -> list[list[str]]:
    """Sorted rows over a few weeks, dense and sparse, with hostile cells and detections."""
    rng = random.Random(seed)
    us = T0 - 10 * DAY
    rows = []
    for n in range(count):
        us += rng.choice((1, 1_000_000, 60_000_000, HOUR, 3 * HOUR, 2 * DAY))
        when = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()
        message = rng.choice(
            (
                f"text=plain {n}",
                f'text=with, comma and "quotes" {n}',
                f"text=line one\n{FAKE_ROW}\nline three {n}",
                f"text=crlf\r\n{FAKE_ROW[:11]}x,Detection,\r\n{n}",
                f"text=a row start in a cell\n{when},Time,x,{us},ios.sms,,/p,{n}",
                "",
            )
        )
        desc = "Detection" if rng.random() < 0.03 else rng.choice(("Time", "Visit, first"))
        path = rng.choice(("/private/var/x.db", "/p,with comma", "'=cmd|x"))
        rows.append([when, desc, message, str(us), "ios.sms", "", path, str(n)])
    return rows


def write_timeline(path: Path, rows: list[list[str]], extra: str = "") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        handle.write(extra)


def reference(path: Path, spans: list[tuple[int, int]]) -> tuple[Counter[int], list[int]]:
    """Timestamps per day and per window, by the csv module over the whole file."""
    days: Counter[int] = Counter()
    totals = [0] * len(spans)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if len(row) != 8 or row[1] == "Detection" or not row[3].lstrip("-").isdigit():
                continue
            us = int(row[3][:30])
            if not -62_135_596_800_000_000 <= us <= 253_402_300_799_999_999:  # years 1 to 9999
                continue
            days[us // DAY] += 1
            totals = [t + (lo <= us <= hi) for t, (lo, hi) in zip(totals, spans, strict=True)]
    return days, totals


def scan(path: Path, spans: list[tuple[int, int]], block: int, monkeypatch: Any) -> TimelineScan:
    monkeypatch.setattr(TimelineScan, "block_size", block)
    found = [
        windows.Window(start=lo, end=hi, marks=[(lo + HOUR, "high", "m", "")]) for lo, hi in spans
    ]
    pass_ = TimelineScan(found, Detections(Limits()).index, Limits(), redact=False)
    assert pass_.run(path)
    pass_.finish()
    return pass_


@pytest.mark.parametrize("block", [64, 1000, 1 << 17])
def test_hostile_timeline_is_counted_like_the_csv_module_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    path = tmp_path / "timeline.csv"
    rows = timeline_rows(seed=block, count=3000)
    write_timeline(path, rows)
    spans = [(int(rows[i][3]) - HOUR, int(rows[i][3]) + HOUR) for i in (100, 1500, 2990)]
    spans = sorted(set(spans))
    days, totals = reference(path, spans)
    result = scan(path, spans, block, monkeypatch)
    assert result.days == days and result.total == sum(days.values())
    assert [w.total for w in result.windows] == totals
    assert result.timeline_bad == [0]
    shown = [r for w in result.windows for r in w.rows if not r.is_detection]
    assert shown and all(r.path in ("/private/var/x.db", "/p,with comma", "=cmd|x") for r in shown)
    assert any("\n" in r.text for r in shown)


def test_rows_out_of_order_are_still_counted_per_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "timeline.csv"
    rows = timeline_rows(seed=7, count=2000)
    random.Random(1).shuffle(rows)
    write_timeline(path, rows)
    days, _ = reference(path, [])
    assert scan(path, [], 4096, monkeypatch).days == days


def test_damaged_rows_are_counted_and_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "timeline.csv"
    rows = timeline_rows(seed=3, count=500)
    rows[10][0] = rows[10][3] = "not a time"
    rows[20][0] = rows[20][3] = "9" * 5000  # beyond int()'s digit limit
    rows[30][0], rows[30][3] = "+33658-09-27T01:46:40+00:00", str(10**18)  # after 9999
    write_timeline(path, rows, extra='\r\n2023-11-20T00:00:00+00:00,Time,"never closed,1,x\r\n')
    result = scan(path, [], 1000, monkeypatch)
    days, _ = reference(path, [])
    assert result.days == days
    assert result.timeline_bad == [4]
    chart = overview_chart(result.days, [], 0, result.timeline_bad[0])
    assert chart is not None and "4 rows of timeline.csv could not be read" in chart.note


def test_csv_blocks_hold_whole_rows_and_stop_at_endless_cells() -> None:
    data = b'a,"b\nc",d\r\n' * 50 + b'e,"never closed\n' + b"x" * 5000
    errors = [0]
    blocks = list(iter_csv_blocks(BytesIO(data), errors, size=7, limit=1000))
    assert b"".join(b.data for b in blocks) == b'a,"b\nc",d\r\n' * 50
    assert all(b.data.endswith(b"d\r\n") and b.parts == b.data.split(b'"') for b in blocks)
    assert errors == [1]


def test_other_layouts_fall_back_to_records(demo_results: Path, tmp_path: Path) -> None:
    folder = without_timeline(demo_results, tmp_path)
    (folder / "timeline.csv").write_text("time,what\r\n1,2\r\n")
    det = Detections(Limits())
    det.read(folder / "detections.jsonl")
    found, _ = build_windows(det.index, Limits())
    assert isinstance(scan_records(folder, found, det.index, Limits(), False), RecordScan)


def test_big_timeline_in_bounded_memory_without_records(tmp_path: Path, demo_results: Path) -> None:
    """60,000 timeline rows of 1 KB around the demo's detections, no records/ at all."""
    folder = tmp_path / "big"
    folder.mkdir()
    shutil.copy(demo_results / "run.json", folder)
    shutil.copy(demo_results / "detections.jsonl", folder)
    det = Detections(Limits())
    det.read(folder / "detections.jsonl")
    start = min(us for us, *_ in det.index.times) - 2 * HOUR
    rows = []
    for n in range(60_000):
        us = start + n * 200_000
        sms = "/private/var/mobile/Library/SMS/sms.db"
        rows.append([at(us).isoformat(), "Time", "text=" + "x" * 1000, str(us), "ios.sms"])
        rows[-1].extend(["", sms, str(n)])
    write_timeline(folder / "timeline.csv", rows)
    assert (folder / "timeline.csv").stat().st_size > 60_000_000
    tracemalloc.start()
    try:
        report = write_report(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, peak
    html = report.read_text(encoding="utf-8")
    assert len(html) < 3_000_000
    assert "Left out of this window:" in html
