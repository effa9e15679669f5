"""Benchmark ``tracehound hunt``: a store of 100 scale-10 cases hunted with every bundled indicator.

Run: ``.venv/bin/python bench/hunt_bench.py [--cases 100] [--scale 10] [--jobs 0]``.

1. Generates ``bench/data/scale<N>/`` with ``bench/generate_backup.py`` if absent.
2. Checks that backup once, with no indicator (``--no-bundled-iocs``: heuristics only), into a
   new case store, as ``tracehound check`` into a store does (``store.staging()``, then
   ``store.commit`` under ``store.lock()``).
3. Copies that case folder under distinct ids until the store holds ``--cases`` cases (checking
   100 backups would take long and measure the check, not the hunt; every copy is a real copy of
   every file, not a link, so the hunt reads 100 cases' records from disk). The copies are said
   to be copies in the results.
4. Runs ``tracehound hunt --store S`` twice in the measuring wrapper of ``run_bench.py`` (wall
   time, CPU, peak RSS of the process tree, polled PSS): the first hunt finds every bundled
   indicator's hits in every case (new detections: each case's results are rebuilt, report and
   sightings included); the second finds nothing new (a hunt of an up-to-date store).
5. Checks that the first hunt reported the same new detections in every case (the copies are
   the same phone) and the second none, and writes ``bench/results/<date>-hunt.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from run_bench import MEASURE  # noqa: E402  (bench/ is not a package)

from tracehound import __version__  # noqa: E402
from tracehound.cases.acquisition import acquisition_sha256  # noqa: E402
from tracehound.cases.store import Case, CaseStore, case_id, verdict_of  # noqa: E402
from tracehound.pipeline import CheckOptions, run_check  # noqa: E402

TOOL = [str(Path(sys.executable).parent / "tracehound")]


def backup_of(scale: int) -> Path:
    data = BENCH / "data" / f"scale{scale}"
    if not (data / "backup").is_dir():
        script = BENCH / "generate_backup.py"
        cmd = [sys.executable, str(script), "--scale", str(scale), "--out", str(data)]
        subprocess.run(cmd, check=True)
    return data / "backup"


def first_case(store: CaseStore, backup: Path) -> Case:
    """The backup checked with no indicator, committed as the store's first case."""
    sha = acquisition_sha256(backup)
    with store.lock():
        staging = store.staging()
        result = run_check(CheckOptions(target=backup, output=staging, bundled_iocs=False))
        at = datetime.now(UTC).isoformat()
        entry = {
            "at": at,
            "tool_version": __version__,
            "indicator_files": [],
            "exit_code": result.exit_code,
            "verdict": verdict_of(result.exit_code),
        }
        case = Case(case_id(sha), "copy-000", str(backup), sha, "ios_backup", {}, at, [entry])
        store.commit(case, staging)
    return case


def copy_cases(store: CaseStore, case: Case, count: int) -> None:
    """Copies of ``case``'s folder under ids of their own (labels ``copy-001``...)."""
    source = store.case_dir(case.id)
    for number in range(1, count):
        sha = hashlib.sha256(f"{case.sha256}-copy-{number}".encode()).hexdigest()
        copy = Case.from_json({**case.to_json(), "id": case_id(sha), "sha256": sha})
        copy.label = f"copy-{number:03d}"
        shutil.copytree(source, store.case_dir(copy.id))
        store.save(copy)


def measure(cmd: list[str], work: Path, name: str) -> dict[str, Any]:
    wrapper = work / "measure.py"
    wrapper.write_text(MEASURE, "utf-8")
    out, log = work / f"{name}.json", work / f"{name}.log"
    subprocess.run([sys.executable, str(wrapper), str(out), str(log), *cmd], check=True)
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    result["log"] = log.read_text("utf-8", errors="replace")
    return result


def new_per_case(jsonl: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in jsonl.splitlines():
        det = json.loads(line)
        found.setdefault(det["case"], []).append(det["id"])
    return found


def run_hunt(store: Path, work: Path, name: str, jobs: int) -> tuple[dict[str, Any], str]:
    stdout = work / f"{name}.jsonl"
    cmd = ["sh", "-c", f'exec "$@" > "{stdout}"', "hunt"]
    cmd += [*TOOL, "hunt", "--store", str(store), "--json", "--jobs", str(jobs)]
    return measure(cmd, work, name), stdout.read_text("utf-8")


def _cpu(func: Any) -> float:
    started = time.process_time()
    func()
    return time.process_time() - started


def profile_case(store: CaseStore, cid: str) -> list[str]:
    """Where one case's hunt spends its CPU, as table rows: each stage timed alone (process
    CPU time, in this process), adding one stage of the hunt at a time."""
    import pyarrow.parquet as pq

    from tracehound.cases import hunt as engine
    from tracehound.core.registry import record_types

    spec, _ = engine.prepare_indicators([], True)
    _, index = engine._load(spec)
    results = store.results(cid)
    classes = record_types()
    files = sorted((results / "records").glob("*.parquet"))

    def batches() -> Any:
        for path in files:
            if path.stem in classes:
                yield from pq.ParquetFile(path).iter_batches(batch_size=engine.BATCH_ROWS)

    engine.match_results(results, index, [])  # imports and one-time set-up first
    reading = _cpu(lambda: sum(1 for _ in batches()))
    matching = _cpu(lambda: [index.match_batch(b) for b in batches()])
    passing = _cpu(lambda: engine.match_results(results, index, []))
    whole = _cpu(lambda: engine.hunt_case(store, cid, index, spec))
    rows = [
        ("whole case (first hunt: new detections, results rebuilt)", whole),
        ("reading the Parquet batches", reading),
        ("indicator matching (match_batch)", matching),
        ("records for hit and heuristic rows, and the heuristics", passing - reading - matching),
        ("known detections read, new results written (report.html...)", whole - passing),
    ]
    return [f"| {what} | {cpu:.2f} s |" for what, cpu in rows]


def mb(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:,.0f} MB"


def report(args: argparse.Namespace, facts: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = [
        f"# tracehound hunt: {args.cases} cases of scale {args.scale}",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, "
        f"{platform.system()}, Python {platform.python_version()}; tracehound {commit}",
        f"- command: `.venv/bin/python bench/hunt_bench.py --cases {args.cases} "
        f"--scale {args.scale} --jobs {args.jobs}`",
        f"- store: one scale-{args.scale} backup ({facts['records']:,} records) checked once "
        f"with no indicator ({facts['check_s']:.1f} s), its case folder then copied to "
        f"{args.cases - 1} more ids (real copies: {facts['store_mb']:,.0f} MB of cases)",
        f"- load average before: {facts['load_before']}; after: {facts['load_after']}",
        "",
        "| hunt | new detections | wall | CPU | peak memory (tree, PSS) | largest process RSS "
        "| exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run['name']} | {run['new']:,} | {run['wall']:.1f} s | {run['cpu']:.1f} s "
            f"| {mb(run['tree_kib'])} | {mb(run['rss_kib'])} | {run['code']} |"
        )
    per_case = [f"{r['cpu'] / args.cases:.2f} s" for r in runs]
    lines += [
        "",
        f"CPU per case: {', '.join(per_case)} (first, second hunt); the work is CPU-bound, so "
        f"on {os.cpu_count()} idle cores the wall time would be about the CPU time divided by "
        "the cores, plus the workers' start.",
        "",
        f"Target: under 60 s and under 1 GB. {facts['verdict']}",
        "",
        "## Where a case's time goes",
        "",
        "One case, each stage timed alone in the benchmark's own process before the measured "
        "hunts (CPU time; the last two rows are differences of passes that add one stage):",
        "",
        "| part | CPU |",
        "|---|---:|",
        *facts["profile"],
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    backup = backup_of(args.scale)
    with tempfile.TemporaryDirectory(prefix="hunt-bench-", dir=BENCH / "data") as tmp:
        work = Path(tmp)
        store = CaseStore(work / "store", create=True)
        started = time.perf_counter()
        case = first_case(store, backup)
        check_s = time.perf_counter() - started
        run = json.loads((store.results(case.id) / "run.json").read_text("utf-8"))
        records = sum(a.get("records", 0) for a in run["artifacts"].values())
        spare = CaseStore(work / "profile", create=True)
        shutil.copytree(store.case_dir(case.id), spare.case_dir(case.id))
        copy_cases(store, case, args.cases)
        size = sum(p.stat().st_size for p in (work / "store").rglob("*") if p.is_file())
        facts: dict[str, Any] = {
            "records": records,
            "check_s": check_s,
            "store_mb": size / 1e6,
            "load_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        }
        facts["profile"] = profile_case(spare, case.id)
        shutil.rmtree(work / "profile")
        runs = []
        for name in ("first (all new)", "second (nothing new)"):
            result, jsonl = run_hunt(work / "store", work, name.split()[0], args.jobs)
            result.update(name=name, new=len(jsonl.splitlines()), per_case=new_per_case(jsonl))
            runs.append(result)
            print(
                f"{name}: {result['wall']:.1f} s, {mb(result['tree_kib'])}, exit {result['code']}"
            )
        facts["load_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    first, second = runs
    same = len({tuple(sorted(v)) for v in first["per_case"].values()}) == 1
    assert len(first["per_case"]) == args.cases and same, "cases differ"
    assert second["new"] == 0 and second["code"] == 0, second["log"]
    missed = [
        r["name"] for r in runs if r["wall"] >= 60 or (r["tree_kib"] or r["rss_kib"]) >= 1024 * 1024
    ]
    facts["verdict"] = (
        f"Missed by the {' and the '.join(missed)} hunt (see the load average and where the "
        "time goes, below)."
        if missed
        else "Met by both hunts."
    )
    facts["verdict"] += (
        f" Every case got the same {len(next(iter(first['per_case'].values())))} new "
        "detections in the first hunt and none in the second."
    )
    text = report(args, facts, runs)
    print(text)
    target = BENCH / "results" / f"{datetime.now(UTC):%Y-%m-%d}-hunt.md"
    target.write_text(text, "utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
