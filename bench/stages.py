"""Where the time of a check goes: the same check with later stages switched off.

Run: ``.venv/bin/python bench/stages.py --scale N [--runs R]`` (after ``run_bench.py`` has
generated ``bench/data/scale<N>``). Each mode runs ``tracehound check`` in a fresh process with
all bundled indicators and the default worker processes:

- ``parse``: parsers only; every record is built and then dropped (nothing written, matched or
  detected; the report is rendered from the empty results);
- ``no-timeline``: everything but the timeline rows (records files, matching, heuristics, report);
- ``full``: the real check.

Switching a stage off replaces one pipeline method in the child process before the check starts
(workers inherit it through fork). This is a measuring tool, not a mode of the product.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

MODES = ("parse", "no-timeline", "full")
LABELS = {
    "parse": "parsers only (rows become typed records, nothing written or matched)",
    "no-timeline": "+ records/*.jsonl, indicator matching, heuristics, report",
    "full": "+ timeline.csv (sorted) and the report's timeline pass",
}


def child(mode: str, backup: Path, output: Path) -> None:
    """Run one check in this process with the stages of ``mode`` switched off."""
    from tracehound import pipeline
    from tracehound.reports import timeline

    def skip_record(self: Any, record: Any, prov: Any) -> int:
        return 0

    def skip_row(self: Any, *args: Any) -> None:
        return None

    if mode == "parse":
        pipeline._Run.handle_record = skip_record  # type: ignore[method-assign]
    if mode in ("parse", "no-timeline"):
        timeline.TimelineWriter.add_record = skip_row  # type: ignore[method-assign,assignment]
        timeline.TimelineWriter.add_detection = skip_row  # type: ignore[method-assign,assignment]
    from tracehound.cli import main

    sys.argv = ["tracehound", "check", str(backup), "--output", str(output)]
    with contextlib.suppress(SystemExit):  # the exit code says what was found, not used here
        main()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--data", type=Path, default=BENCH / "data")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # internal: one run
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    from run_bench import floor

    backup = args.data / f"scale{args.scale}" / "backup"
    if not backup.is_dir():
        sys.exit(f"{backup}: not generated; run bench/run_bench.py --scale {args.scale} first")
    # Interleaved (floor, then each mode, per round) so that a slower spell of a shared machine
    # weighs on every figure alike; medians per mode.
    samples: dict[str, list[float]] = {"floor": [], **{mode: [] for mode in MODES}}
    for _ in range(args.runs):
        samples["floor"].append(floor(backup)["seconds"])
        for mode in MODES:
            with tempfile.TemporaryDirectory(prefix="tracehound-stages-") as tmp:
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(backup), f"{tmp}/out"],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                samples[mode].append(time.perf_counter() - start)
            print(f"{mode}: {samples[mode][-1]:.2f} s", file=sys.stderr)
    base = statistics.median(samples["floor"])
    times = {mode: statistics.median(samples[mode]) for mode in MODES}
    print(f"| what runs (scale {args.scale}, median of {args.runs}) | wall time | ÷ floor |")
    print("|---|---:|---:|")
    print(f"| the floor: one loop reading every row, nothing else | {base:.2f} s | 1× |")
    for mode in MODES:
        print(f"| {LABELS[mode]} | {times[mode]:.2f} s | {times[mode] / base:.1f}× |")


if __name__ == "__main__":
    main()
