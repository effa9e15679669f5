"""Compare two results folders: the same detections, records and timeline, or the differences.

Run: ``.venv/bin/python bench/compare_results.py OLD NEW``. Used when the engine changes (a
columnar parser, a new batch path) to show that a check gives what it gave before: every
detection (all its fields, ``id`` included), every records file (the Parquet tables, column by
column, in row order), and the timeline (``tracehound export timeline`` of both, byte for
byte). Prints one line per difference and exits 1 if there is any.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq


def _detections(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "detections.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _timeline(folder: Path, into: Path) -> bytes:
    out = into / f"{folder.name}-timeline.csv"
    subprocess.run(
        [sys.executable, "-m", "tracehound", "export", "timeline", str(folder), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


def compare(old: Path, new: Path) -> list[str]:
    problems: list[str] = []
    a, b = _detections(old), _detections(new)
    if a != b:
        ids_a, ids_b = {d["id"] for d in a}, {d["id"] for d in b}
        problems.append(
            f"detections differ: {len(a)} vs {len(b)}; only old {sorted(ids_a - ids_b)[:5]}, "
            f"only new {sorted(ids_b - ids_a)[:5]}"
        )
        for x, y in zip(a, b, strict=False):
            if x != y:
                keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
                problems.append(f"first differing detection {x.get('id')}: keys {keys}")
                break
    files_a = sorted(p.name for p in (old / "records").glob("*.parquet"))
    files_b = sorted(p.name for p in (new / "records").glob("*.parquet"))
    if files_a != files_b:
        problems.append(f"records files differ: {sorted(set(files_a) ^ set(files_b))}")
    for name in sorted(set(files_a) & set(files_b)):
        ta = pq.read_table(old / "records" / name)
        tb = pq.read_table(new / "records" / name)
        if ta.schema != tb.schema:
            problems.append(f"{name}: schemas differ")
            continue
        if ta.num_rows != tb.num_rows:
            problems.append(f"{name}: {ta.num_rows} rows vs {tb.num_rows}")
            continue
        for column in ta.column_names:
            if not ta.column(column).equals(tb.column(column)):
                problems.append(f"{name}: column {column} differs")
    with tempfile.TemporaryDirectory() as tmp:
        if _timeline(old, Path(tmp)) != _timeline(new, Path(tmp)):
            problems.append("timeline exports differ")
    return problems


def main() -> int:
    old, new = Path(sys.argv[1]), Path(sys.argv[2])
    problems = compare(old, new)
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
