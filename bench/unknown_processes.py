"""How many unknown processes third-party DataUsage/netusage files give (the README's figures).

Run: ``.venv/bin/python bench/unknown_processes.py --plaso PLASO --mvt MVT``. For each file, the
baseline is rebuilt *without* that file's own source (leave one out), so the figure says what a
phone that no source has seen would give; the figure with the full bundled baseline is printed
too. A process row counts once per distinct ``ZPROCNAME``; rows known only because they carry a
third-party bundle id (an app, installed or deleted: the test files come without their phone's
app list) are counted apart.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from bench.ios_process_baseline import Collected, build, collect

from tracehound.core.process_baseline import ProcessBaseline, bundled_baseline


def _rows(path: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT DISTINCT ZPROCNAME, ZBUNDLENAME FROM ZPROCESS").fetchall()
    finally:
        conn.close()
    return [(str(n), b if isinstance(b, str) else None) for n, b in rows if isinstance(n, str)]


def count(path: Path, baseline: ProcessBaseline) -> tuple[int, int, int, list[str]]:
    """(process rows, unknown ones, rows known only as apps not installed, examples)."""
    rows = _rows(path)
    plain: list[str] = []
    apps = 0
    for name, bundle in rows:
        why = baseline.why_known(name, bundle)
        if why is None:
            plain.append(name)
        elif why == "app (not installed now)":
            apps += 1
    return len(rows), len(plain), apps, sorted(plain)[:12]


def _mvt_datausage(mvt: Path) -> Path:
    folder = mvt / "tests/artifacts/ios_backup"
    conn = sqlite3.connect(f"{(folder / 'Manifest.db').resolve().as_uri()}?mode=ro", uri=True)
    try:
        (file_id,) = conn.execute(
            "SELECT fileID FROM Files WHERE relativePath = 'Library/Databases/DataUsage.sqlite'"
        ).fetchone()
    finally:
        conn.close()
    return folder / file_id[:2] / file_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plaso", type=Path, required=True)
    parser.add_argument("--mvt", type=Path, required=True)
    args = parser.parse_args()
    collected: Collected = collect(args.plaso, args.mvt)
    targets = {
        "plaso-datausage": args.plaso / "test_data/ios/DataUsage.sqlite",
        "plaso-netusage": args.plaso / "test_data/ios/netusage.sqlite",
        "mvt-datausage": _mvt_datausage(args.mvt),
    }
    full = bundled_baseline()
    for source, path in targets.items():
        held_out = ProcessBaseline.from_json(build(collected, [source]))
        rows, plain, apps, examples = count(path, held_out)
        _, full_plain, full_apps, _ = count(path, full)
        print(
            f"{source}: {rows} process rows; without its own source: {plain} unknown "
            f"({apps} more known only as apps); with the bundled baseline: {full_plain} "
            f"unknown ({full_apps} as apps); e.g. {', '.join(examples)}"
        )


if __name__ == "__main__":
    main()
