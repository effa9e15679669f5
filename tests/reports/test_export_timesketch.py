"""``tracehound export timesketch`` writes the timeline of ``export timeline`` as Timesketch JSON
lines: the same rows in the same order, each line one JSON object with Timesketch's required
keys (google/timesketch, docs/guides/user/import-from-json-csv.md)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.core.records import Provenance, Record
from tracehound.demo.generate import write_demo
from tracehound.pipeline import CheckOptions, run_check
from tracehound.reports.timeline import TimelineWriter

from .conftest import FORMULA, IFRAME, RLO, SCRIPT, SVG

_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$")


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[1:]


def _lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]


def _export(kind: str, folder: Path, target: Path) -> None:
    done = CliRunner().invoke(main, ["export", kind, str(folder), "-o", str(target)])
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("kind", ["backup", "androidqf"])
def test_the_jsonl_holds_the_csv_rows_in_the_csv_order(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_check(CheckOptions(target=write_demo(tmp_path / "acq", kind), output=out))
    _export("timeline", out, tmp_path / "t.csv")
    _export("timesketch", out, tmp_path / "t.jsonl")
    rows, lines = _csv_rows(tmp_path / "t.csv"), _lines(tmp_path / "t.jsonl")
    assert len(lines) == len(rows) > 50
    for row, line in zip(rows, lines, strict=True):
        assert isinstance(line["message"], str) and isinstance(line["timestamp_desc"], str)
        assert isinstance(line["timestamp"], int) and not isinstance(line["timestamp"], bool)
        assert _ISO_WITH_OFFSET.match(line["datetime"]), line["datetime"]
        when = datetime.fromisoformat(line["datetime"])
        assert (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) == line[
            "timestamp"
        ]
        assert [
            line["datetime"],
            line["timestamp_desc"],
            str(line["timestamp"]),
            line["artifact"],
            line["detection"],
            line["device_path"],
            "" if line["row"] is None else str(line["row"]),
        ] == [row[0], row[1], row[3], row[4], row[5], row[6], row[7]]
        # The CSV's message is the same text, guarded for spreadsheets when it starts with = + - @
        assert row[2] in (line["message"], "'" + line["message"])
    detections = [line for line in lines if line["timestamp_desc"] == "Detection"]
    assert detections and all(line["detection"] for line in detections)
    marked = [line for line in lines if line["timestamp_desc"] != "Detection" and line["detection"]]
    assert marked, "records with a detection carry its severity"
    assert (tmp_path / "t.jsonl").stat().st_mode & 0o777 == 0o600


def test_a_line_carries_the_record_fields_under_its_artifact(demo_results: Path) -> None:
    done = CliRunner().invoke(main, ["export", "timesketch", str(demo_results)])
    assert done.exit_code == 0, done.output
    lines = _lines(demo_results / "timeline.jsonl")
    sms = [line for line in lines if line["artifact"] == "ios.sms" and line["detection"]]
    assert sms
    hit = next(line for line in sms if "urlpush.net" in line.get("ios_sms__text", ""))
    assert hit["ios_sms__links"] == ["https://urlpush.net/n8Kd2xq"]
    assert hit["ios_sms__direction"] == "received" and hit["row"] == 503
    assert "ios_sms__read_at" not in hit  # a null field is left out


def test_hostile_values_survive_as_json_strings(hostile_results: Path, tmp_path: Path) -> None:
    _export("timesketch", hostile_results, tmp_path / "h.jsonl")
    _export("timeline", hostile_results, tmp_path / "h.csv")
    lines = _lines(tmp_path / "h.jsonl")
    assert len(lines) == len(_csv_rows(tmp_path / "h.csv"))
    texts = [line["ios_sms__text"] for line in lines if "ios_sms__text" in line]
    assert (
        f"Hi {SCRIPT} pay here https://urlpush.net/<script>window.__pwned=6</script>"
        in " ".join(texts)
    )
    assert f"{FORMULA} {SVG}" in texts  # as on the phone: no spreadsheet guard in JSON
    assert f"{RLO} {IFRAME}" in texts
    assert any(t.startswith("-2+3 @SUM(A1) \t=cmd|") for t in texts)
    assert any("\ufffd" in t for t in texts)  # the invalid UTF-8, decoded with replacement


@dataclass(frozen=True, slots=True, kw_only=True)
class _Odd(Record):
    TYPE = "t.odd"
    TS_DESC = "Odd time"

    text: str | None


def test_a_lone_surrogate_and_control_characters_stay_one_json_string(tmp_path: Path) -> None:
    """Text UTF-8 cannot hold (a lone surrogate from a damaged plist) is written as the JSON
    escape ``\\udcxx``, and reads back as the same string."""
    target = tmp_path / "odd.jsonl"
    hostile = "a\udc80b\r\n\x00\x1b\u2028\"\\ =cmd|' /C calc'!A0"
    prov = Provenance(source="t", path="/p\n=x", sha256="", parser="t", parser_version="1")
    with TimelineWriter(target, jsonl=True) as writer:
        writer.add_record(_Odd(ts=datetime(2024, 1, 2, tzinfo=UTC), row=7, text=hostile), prov)
    raw = target.read_bytes()
    assert raw.count(b"\n") == 1 and b"\\udc80" in raw
    (line,) = _lines(target)
    assert line["t_odd__text"] == hostile and line["device_path"] == "/p\n=x"
    assert line["datetime"] == "2024-01-02T00:00:00+00:00" and line["timestamp"] == 1704153600000000


def test_a_damaged_records_file_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_check(CheckOptions(target=write_demo(tmp_path / "acq", "backup"), output=out))
    damaged = out / "records" / "ios.sms.parquet"
    damaged.write_bytes(damaged.read_bytes()[:200])
    done = CliRunner().invoke(main, ["export", "timesketch", str(out), "-o", str(tmp_path / "t")])
    # As `export timeline`: a timeline without a damaged file's rows would read as complete, so
    # nothing is written and the exit code says it could not run.
    assert done.exit_code == 4, done.output
    assert "cannot write the timeline" in done.output and "Traceback" not in done.output
    assert len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "t").exists() and not list(tmp_path.glob(".t.*"))


def test_a_folder_without_a_store_is_refused(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["export", "timesketch", str(tmp_path)])
    assert done.exit_code == 4 and "no records/*.parquet" in done.output
    assert not (tmp_path / "timeline.jsonl").exists()
