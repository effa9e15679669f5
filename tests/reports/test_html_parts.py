"""The parts of report.html on their own: redaction, timeline windows, the record scan, charts
and the verdict (the whole page is tested in test_html.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracehound.reports.charts import LANE_BINS, lane_chart
from tracehound.reports.detections import DetectionIndex, Detections, record_key, sections
from tracehound.reports.limits import Limits
from tracehound.reports.redact import (
    REDACTED,
    acquisition_fact,
    indicator_path,
    record_summary,
)
from tracehound.reports.runfacts import verdict
from tracehound.reports.windows import build_windows, scan_records

HOUR = 3_600_000_000
T0 = 1_700_000_000_000_000  # 2023-11-14 22:13:20 UTC


def iso(us: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")


def test_record_summary_keeps_only_kinds_of_event_when_redacting() -> None:
    rec = {"type": "ios.sms", "ts": "x", "text": "meet at 5", "direction": "in", "read": True}
    assert record_summary(rec, False, 400) == "text=meet at 5 direction=in read=True"
    assert record_summary(rec, True, 400) == "direction=in read=True [1 fields redacted]"


def test_acquisition_facts_and_indicator_paths_when_redacting() -> None:
    assert acquisition_fact("device_name", "Alice's iPhone", True, 100) == REDACTED
    assert acquisition_fact("device_name", "Alice's iPhone", False, 100) == "Alice's iPhone"
    assert acquisition_fact("os_version", "17.4", True, 100) == "17.4"
    assert indicator_path("/home/alice/iocs/pegasus.stix2", True) == "pegasus.stix2"
    assert indicator_path("C:\\iocs\\x.stix2", True) == "x.stix2"
    assert indicator_path("bundled:pegasus.stix2", True) == "bundled:pegasus.stix2"
    assert indicator_path("/home/alice/x.stix2", False) == "/home/alice/x.stix2"


def test_windows_merge_nearby_detections_and_keep_the_most_severe() -> None:
    index = DetectionIndex(
        times=[
            (T0 + 30 * 60_000_000, "high", "b", "det-2"),
            (T0, "medium", "a", "det-1"),
            (T0 + 10 * HOUR, "critical", "c", "det-3"),
            (T0 + 20 * HOUR, "low", "d", ""),  # below medium: marked, no window of its own
        ]
    )
    windows, left_out = build_windows(index, Limits(max_windows=1))
    assert left_out == 1
    assert [(w.start, w.end, w.severity) for w in windows] == [
        (T0 + 9 * HOUR, T0 + 11 * HOUR, "critical")
    ]
    assert [m[3] for m in windows[0].marks] == ["det-3"]
    windows, left_out = build_windows(index, Limits())
    assert left_out == 0
    assert [(w.start, w.end, w.severity) for w in windows] == [
        (T0 - HOUR, T0 + 90 * 60_000_000, "high"),
        (T0 + 9 * HOUR, T0 + 11 * HOUR, "critical"),
    ]
    assert [m[3] for m in windows[0].marks] == ["det-1", "det-2"]


def _five_messages(tmp_path: Path) -> tuple[dict[str, Any], str]:
    """records/ios.sms.jsonl of five messages; the one with a detection and its key."""
    prov = {"path": "/private/var/mobile/Library/SMS/sms.db"}
    involved = {"type": "ios.sms", "ts": iso(T0), "row": 7, "text": "x", "_provenance": prov}
    others = [
        {"type": "ios.sms", "ts": iso(T0 + m * 60_000_000), "row": m, "_provenance": prov}
        for m in (-50, 3, 20, 40)
    ]
    write_jsonl(tmp_path / "records" / "ios.sms.jsonl", [involved, *others])
    return involved, record_key("ios.sms", prov["path"], involved)


def test_scan_keeps_the_rows_closest_to_a_detection(tmp_path: Path) -> None:
    _, key = _five_messages(tmp_path)
    index = DetectionIndex(by_key={key: ("high", "det-1")}, times=[(T0, "high", "m", "det-1")])
    limits = Limits(rows_per_window=3)
    windows, _ = build_windows(index, limits)
    scan = scan_records(tmp_path, windows, index, limits, redact=True)
    assert scan.records == 5 and sum(scan.days.values()) == 5
    rows = windows[0].rows
    assert [(r.row, r.severity, r.redacted) for r in rows] == [
        ("7", "high", False),
        ("", "high", False),  # the detection itself
        ("3", "", True),
        ("20", "", True),
    ]
    assert rows[1].is_detection and rows[1].anchor == "det-1"
    assert rows[0].text == "text=x" and rows[2].text == ""
    assert windows[0].hidden == 2  # 5 timestamps, 3 rows kept
    assert windows[0].chart is not None
    assert sum(windows[0].lanes["ios.sms"]) == 5


def test_lane_chart_draws_one_lane_per_artifact() -> None:
    lanes = {"b": [0] * LANE_BINS, "a": [0] * LANE_BINS}
    lanes["a"][0] = 1
    lanes["b"][LANE_BINS - 1] = 30
    chart = lane_chart(T0, T0 + 2 * HOUR, lanes, [(T0 + HOUR, "high", "x", "det-1")])
    assert chart.height == 6 + 32 + 24
    assert [(s.x, s.y, s.cls) for s in chart.shapes] == [
        (250.0, 8.0, "cell d1"),
        (250.0 + 119 * 700 / 120, 24.0, "cell d4"),
    ]
    assert [(m.x, m.cls) for m in chart.marks] == [(600.0, "mark sev-high")]
    assert [label.text for label in chart.labels[:2]] == ["a", "b"]
    assert len(chart.labels) == 2 + 7


def test_detections_group_by_indicator_and_give_the_verdict(tmp_path: Path) -> None:
    ind = {"kind": "domain", "value": "evil.example", "id": "i1", "malware": ["Pegasus"]}
    dets = [
        {"type": "indicator", "indicator": ind, "severity": "critical", "ts": iso(T0)},
        {"type": "indicator", "indicator": ind, "severity": "high", "ts": iso(T0 + HOUR)},
        {"type": "heuristic", "detector": "odd_process", "severity": "low"},
    ]
    write_jsonl(tmp_path / "detections.jsonl", dets)
    det = Detections(Limits(hits_per_group=1))
    det.read(tmp_path / "detections.jsonl")
    found = sections(det)
    assert [(s.title, s.count, s.severity) for s in found] == [
        ("Pegasus", 2, "critical"),
        ("Heuristics", 1, "low"),
    ]
    group = found[0].groups[0]
    assert (group.title, group.hidden, group.first, group.last) == (
        "domain evil.example",
        1,
        T0,
        T0 + HOUR,
    )
    assert det.index.untimed == 1 and len(det.index.times) == 2
    result = verdict({"exit_code": 1}, det, [])
    assert (result.level, result.headline) == (
        "infected",
        "Indicators of known spyware found: Pegasus (2)",
    )
    assert not result.incomplete and result.reasons == []


def test_counts_agree_in_number_and_a_missing_time_is_no_time(tmp_path: Path) -> None:
    """One detection, without a time, from one indicator file: "1 detection", "no time" (not
    "1 detections", "no time UTC")."""
    from tracehound import OUTPUT_FORMAT_VERSION
    from tracehound.reports.html import build_report, render_report

    run = {
        "output_format_version": OUTPUT_FORMAT_VERSION,
        "exit_code": 1,
        "indicators": {"total": 1, "files": [{"path": "x.stix2", "indicators": 1}]},
        "artifacts": {},
    }
    (tmp_path / "run.json").write_text(json.dumps(run), encoding="utf-8")
    ind = {"kind": "domain", "value": "evil.example", "id": "i1", "malware": ["Pegasus"]}
    write_jsonl(tmp_path / "detections.jsonl", [{"type": "indicator", "indicator": ind}])
    text = " ".join(re.sub(r"<[^>]+>", " ", render_report(build_report(tmp_path))).split())
    assert "1 detection " in text and "1 detections" not in text
    assert "Malware: Pegasus (1 detection)" in text
    assert "Indicator domain evil.example (1 detection)" in text
    assert "1 indicator from 1 file " in text and "1 files" not in text
    assert "In no window, having no time: 1 detection." in text
    assert "Seen no time in" in text and "no time UTC" not in text
    assert "0 records read" in text
    assert "1 detection: 1 indicator match and 0 heuristic findings." in text


def test_only_records_at_a_detections_row_are_hashed(tmp_path: Path) -> None:
    """``key_rows`` (filled as detections are read): a record is looked up in ``by_key`` only
    when its artifact, path and row are a detection's; the windows are the same."""
    from tracehound.reports.detections import key_token

    involved, key = _five_messages(tmp_path)
    found = []
    path = involved["_provenance"]["path"]
    for rows in (None, {key_token("ios.sms", path, involved)}, set()):
        index = DetectionIndex(
            by_key={key: ("high", "det-1")}, key_rows=rows, times=[(T0, "high", "m", "det-1")]
        )
        limits = Limits(rows_per_window=3)
        windows, _ = build_windows(index, limits)
        scan_records(tmp_path, windows, index, limits, redact=True)
        found.append([(r.row, r.severity, r.redacted) for r in windows[0].rows])
    assert found[0] == found[1] and found[0][0] == ("7", "high", False)
    assert found[2][0] != ("7", "high", False)  # the token decides whether a record is looked up
