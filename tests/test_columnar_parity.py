"""The columnar fast path changes nothing a check writes.

Each check below runs twice on the same acquisition: as shipped, and with the fast path
refusing every batch (so every bulk SQLite parser goes row by row, the code it had before it
had columns). Detections (every field, ids included), every records file (column by column)
and the timeline must be identical. The acquisitions: the demo backup and filesystem dump
(every planted trace), and the benchmark's generated backup at scale 1 (12,000 rows across
sms.db, WhatsApp, Safari, Chrome, interactionC, calls, DataUsage and the Manifest).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tracehound.demo import generate
from tracehound.parsers.common import columnar
from tracehound.pipeline import CheckOptions, run_check
from tracehound.reports.timeline_export import write_timeline

ROOT = Path(__file__).resolve().parents[1]


def _refuse(*_: Any) -> None:
    raise columnar.Unclean


def _check(acquisition: Path, out: Path) -> Path:
    run_check(CheckOptions(target=acquisition, output=out, jobs=1))
    return out


def _same(a: Path, b: Path, tmp: Path) -> None:
    da = (a / "detections.jsonl").read_text("utf-8")
    db = (b / "detections.jsonl").read_text("utf-8")
    assert [json.loads(x) for x in da.splitlines()] == [json.loads(x) for x in db.splitlines()]
    names = sorted(p.name for p in (a / "records").glob("*.parquet"))
    assert names == sorted(p.name for p in (b / "records").glob("*.parquet"))
    for name in names:
        ta, tb = pq.read_table(a / "records" / name), pq.read_table(b / "records" / name)
        assert ta.schema == tb.schema, name
        assert ta.equals(tb), name
    write_timeline(a, tmp / "a.csv")
    write_timeline(b, tmp / "b.csv")
    assert (tmp / "a.csv").read_bytes() == (tmp / "b.csv").read_bytes()


def _scale1(tmp: Path) -> Path:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_backup.py"), "--scale", "1", "--out",
         str(tmp / "gen")],
        check=True, capture_output=True,
    )  # fmt: skip
    return tmp / "gen" / "backup"


@pytest.mark.parametrize("kind", ["backup", "ffs", "scale1"])
def test_columnar_and_row_paths_write_the_same(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "scale1":
        acquisition = _scale1(tmp_path)
    else:
        write = generate.write_demo_backup if kind == "backup" else generate.write_demo_ffs
        acquisition = write(tmp_path / "acq")
    fast = _check(acquisition, tmp_path / "fast")
    used = {p.stem for p in (fast / "records").glob("*.parquet")}
    assert {"ios.sms", "ios.safari_history"} <= used
    monkeypatch.setattr(columnar, "_only", _refuse)
    rows = _check(acquisition, tmp_path / "rows")
    _same(fast, rows, tmp_path)


@pytest.mark.parametrize("kind", ["backup", "ffs", "scale1"])
def test_adbc_and_sqlite3_readers_write_the_same(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ADBC driver's batches (checked by the storage-class signature) and sqlite3's give
    the same results; the driver really read the bulk tables (counted), and with it off
    nothing does."""
    if kind == "scale1":
        acquisition = _scale1(tmp_path)
    else:
        write = generate.write_demo_backup if kind == "backup" else generate.write_demo_ffs
        acquisition = write(tmp_path / "acq")
    read: list[str] = []
    original = columnar._arrow_batches

    def counted(uri: str, query: str, key: str | None, known: Any = None) -> Any:
        for item in original(uri, query, key, known):
            read.append(query)
            yield item

    monkeypatch.setattr(columnar, "_arrow_batches", counted)
    arrow = _check(acquisition, tmp_path / "arrow")
    assert any("FROM message" in q for q in read)  # sms.db
    assert any("history_visits" in q for q in read)  # Safari
    if kind == "scale1":  # Core Data tables of integers and reals read as doubles
        assert any("ZWAMESSAGE" in q for q in read) and any("ZPROCESS" in q for q in read)
        assert any("FROM Files" in q for q in read)  # Manifest.db
    read.clear()
    monkeypatch.setattr(columnar, "ARROW_READER", False)
    plain = _check(acquisition, tmp_path / "sqlite3")
    assert read == []
    _same(arrow, plain, tmp_path)
