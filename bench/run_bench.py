"""Benchmark tracehound against MVT on the same synthetic backup and the same STIX2 file.

Run: ``.venv/bin/python bench/run_bench.py --scale N [--runs R]`` (``make bench-mvt``).

1. Generates ``bench/data/scale<N>/`` with ``bench/generate_backup.py`` if absent.
2. Writes ``bench/data/indicators_1000.stix2``: 1,000 indicators taken from the bundled STIX2
   files (all those of the planted traces first), with their malware and relationship objects.
3. Creates ``bench/.venv-mvt`` with ``pip install mvt==2026.10.26`` if absent (needs PyPI once).
4. Measures the floor: a bare Python loop that only reads the same SQLite rows as the parsers.
5. Compiles tracehound's modules to bytecode (``compileall``; pip did the same for MVT), then
   runs, R times each and interleaved: ``tracehound check`` with the 1,000 indicators,
   ``tracehound check`` with every bundled indicator file, and ``mvt-ios check-backup`` with the
   1,000 indicators and with every bundled STIX2 file (the files MVT can read; update checks
   disabled by flag, network access disabled by ``MVT_NETWORK_ACCESS_ALLOWED=false``, config and
   data folders private to the benchmark).
   Each run's wall time, CPU time and peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in a
   small wrapper process: the largest process of the tool) are recorded.
6. Checks every run's output against ``truth.json`` (which planted traces were found, which
   indicator hits were not planted) and times loading all bundled indicators in both tools.
7. Prints Markdown tables and writes them to ``bench/results/<date>-scale<N>.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MVT_VERSION = "2026.10.26"
SUBSET_SIZE = 1000
TOOLS = ("tracehound", "tracehound-all", "mvt", "mvt-all")
#: Each tracehound run and the MVT run with the same indicators.
PAIRS = {"tracehound": "mvt", "tracehound-all": "mvt-all"}
INDICATORS = {"tracehound": "1,000", "tracehound-all": "all bundled"}
LABELS = {
    "tracehound": "tracehound, 1,000 IOCs",
    "tracehound-all": "tracehound, all bundled IOCs",
    "mvt": f"MVT {MVT_VERSION}, 1,000 IOCs",
    "mvt-all": f"MVT {MVT_VERSION}, all bundled STIX2 IOCs",
}

# Runs a command and reports its wall time, the CPU time and largest RSS of its process tree
# (getrusage of the children: every process waited for), and, on Linux, the peak of the tree's
# summed memory, polled every 0.2 s from /proc (PSS, so pages that forked workers share with
# their parent count once).
MEASURE = """
import json, os, resource, subprocess, sys, time
out, log, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]


def tree_kib(root):
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            kids.setdefault(int(stat[stat.rindex(b")") + 2 :].split()[1]), []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += next(int(x.split()[1]) for x in handle if x.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total


polled = os.path.isfile(f"/proc/{os.getpid()}/smaps_rollup")
peak = 0
with open(log, "wb") as handle:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    while child.poll() is None:
        if polled:
            peak = max(peak, tree_kib(child.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss = ru.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
result = {"code": child.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime}
result.update(rss_kib=rss, tree_kib=max(peak, rss) if polled else None)
with open(out, "w") as handle:
    json.dump(result, handle)
"""

# --- the floor: the same rows as the parsers, read by a bare loop -----------------------------

#: (domain, relativePath, query): the rows (and columns) each parser reads.
FLOOR_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("", "Manifest.db", "SELECT rowid, fileID, domain, relativePath, flags, file FROM Files"),
    (
        "HomeDomain",
        "Library/SMS/sms.db",
        "SELECT m.rowid, m.guid, m.text, m.service, m.account, m.date, m.date_read, "
        "m.date_delivered, m.is_from_me, m.is_read, m.cache_has_attachments, m.attributedBody, "
        "h.id FROM message m LEFT JOIN handle h ON h.rowid = m.handle_id ORDER BY m.rowid",
    ),
    (
        "HomeDomain",
        "Library/Safari/History.db",
        "SELECT v.id, v.history_item, v.visit_time, v.title, v.load_successful, v.http_non_get, "
        "v.redirect_source, v.redirect_destination, v.origin, i.url, i.visit_count "
        "FROM history_visits v LEFT JOIN history_items i ON i.id = v.history_item ORDER BY v.id",
    ),
    (
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
        "SELECT v.id, v.url, v.visit_time, v.from_visit, v.transition, v.visit_duration, u.url, "
        "u.title FROM visits v LEFT JOIN urls u ON u.id = v.url ORDER BY v.id",
    ),
    (
        "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
        "ChatStorage.sqlite",
        "SELECT m.Z_PK, m.ZMESSAGEDATE, m.ZSENTDATE, m.ZISFROMME, m.ZFROMJID, m.ZTOJID, m.ZTEXT, "
        "m.ZPUSHNAME, m.ZMESSAGETYPE, m.ZSTANZAID, mi.ZMEDIAURL, d.ZCONTENT1, d.ZCONTENT2, "
        "d.ZMATCHEDTEXT, s.ZCONTACTJID, s.ZPARTNERNAME FROM ZWAMESSAGE m "
        "LEFT JOIN ZWAMEDIAITEM mi ON mi.ZMESSAGE = m.Z_PK "
        "LEFT JOIN ZWAMESSAGEDATAITEM d ON d.ZMESSAGE = m.Z_PK "
        "LEFT JOIN ZWACHATSESSION s ON s.Z_PK = m.ZCHATSESSION ORDER BY m.Z_PK",
    ),
    (
        "HomeDomain",
        "Library/CoreDuet/People/interactionC.db",
        "SELECT i.Z_PK, i.ZSTARTDATE, i.ZENDDATE, i.ZCREATIONDATE, i.ZBUNDLEID, "
        "i.ZTARGETBUNDLEID, i.ZACCOUNT, i.ZDIRECTION, i.ZISRESPONSE, i.ZMECHANISM, "
        "i.ZRECIPIENTCOUNT, i.ZDOMAINIDENTIFIER, i.ZGROUPNAME, i.ZCONTENTURL, c.ZDISPLAYNAME, "
        "c.ZIDENTIFIER, c.ZPERSONID, r.ids, r.names, a.urls, a.texts, a.utis "
        "FROM ZINTERACTIONS i LEFT JOIN ZCONTACTS c ON c.Z_PK = i.ZSENDER "
        "LEFT JOIN (SELECT j.Z_3INTERACTIONRECIPIENT AS iid, "
        "group_concat(k.ZIDENTIFIER, char(31)) AS ids, "
        "group_concat(k.ZDISPLAYNAME, char(31)) AS names FROM Z_2INTERACTIONRECIPIENT j "
        "JOIN ZCONTACTS k ON k.Z_PK = j.Z_2RECIPIENTS GROUP BY j.Z_3INTERACTIONRECIPIENT) r "
        "ON r.iid = i.Z_PK "
        "LEFT JOIN (SELECT j.Z_3INTERACTIONS AS iid, group_concat(t.ZCONTENTURL, char(31)) "
        "AS urls, group_concat(t.ZCONTENTTEXT, char(31)) AS texts, "
        "group_concat(t.ZUTI, char(31)) AS utis FROM Z_1INTERACTIONS j JOIN ZATTACHMENT t "
        "ON t.Z_PK = j.Z_1ATTACHMENTS GROUP BY j.Z_3INTERACTIONS) a ON a.iid = i.Z_PK "
        "ORDER BY i.Z_PK",
    ),
    (
        "HomeDomain",
        "Library/CallHistoryDB/CallHistory.storedata",
        "SELECT Z_PK, ZDATE, ZDURATION, ZADDRESS, ZNAME, ZLOCATION, ZISO_COUNTRY_CODE, "
        "ZSERVICE_PROVIDER, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZUNIQUE_ID, ZREAD, "
        "ZJUNKCONFIDENCE FROM ZCALLRECORD ORDER BY Z_PK",
    ),
    (
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        "SELECT p.Z_PK AS p_pk, p.ZPROCNAME, p.ZBUNDLENAME, p.ZFIRSTTIMESTAMP, p.ZTIMESTAMP, "
        "u.Z_PK AS u_pk, u.ZHASPROCESS, u.ZTIMESTAMP, u.ZWIFIIN, u.ZWIFIOUT, u.ZWWANIN, "
        "u.ZWWANOUT FROM ZPROCESS p LEFT JOIN ZLIVEUSAGE u ON u.ZHASPROCESS = p.Z_PK "
        "UNION ALL SELECT p.Z_PK, p.ZPROCNAME, p.ZBUNDLENAME, p.ZFIRSTTIMESTAMP, p.ZTIMESTAMP, "
        "u.Z_PK, u.ZHASPROCESS, u.ZTIMESTAMP, u.ZWIFIIN, u.ZWIFIOUT, u.ZWWANIN, u.ZWWANOUT "
        "FROM ZLIVEUSAGE u LEFT JOIN ZPROCESS p ON u.ZHASPROCESS = p.Z_PK "
        "WHERE p.Z_PK IS NULL ORDER BY p_pk, u_pk",
    ),
)


def _backup_file(backup: Path, domain: str, rel: str) -> Path:
    """The file of a backup holding ``domain`` + ``rel`` (the Manifest itself when no domain)."""
    if not domain:
        return backup / rel
    fid = hashlib.sha1(f"{domain}-{rel}".encode(), usedforsecurity=False).hexdigest()
    return backup / fid[:2] / fid


def floor(backup: Path) -> dict[str, Any]:
    """Read the rows every parser reads, doing nothing with them; return rows and seconds."""
    import sqlite3

    start = time.perf_counter()
    rows = 0
    for domain, rel, query in FLOOR_QUERIES:
        path = _backup_file(backup, domain, rel)
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        for _row in conn.execute(query):
            rows += 1
        conn.close()
    return {"rows": rows, "seconds": time.perf_counter() - start}


def cli_floor(backup: Path) -> dict[str, Any]:
    """The same rows read by the sqlite3 command-line shell, output thrown away: the floor of
    issue 12 ("the sqlite3 CLI reading the same columns"). Read-only and immutable, so the
    backup is never written."""
    start = time.perf_counter()
    for domain, rel, query in FLOOR_QUERIES:
        path = _backup_file(backup, domain, rel)
        subprocess.run(
            ["sqlite3", "-readonly", f"file:{path}?mode=ro&immutable=1", query],
            stdout=subprocess.DEVNULL,
            check=True,
        )
    return {"seconds": time.perf_counter() - start}


# --- setup ------------------------------------------------------------------------------------


def ensure_backup(data: Path, scale: int, seed: int) -> tuple[Path, dict[str, Any]]:
    folder = data / f"scale{scale}"
    truth_path = folder / "truth.json"
    if not truth_path.is_file():
        if folder.exists():
            shutil.rmtree(folder)
        print(f"generating the scale {scale} backup in {folder} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "generate_backup.py"),
                "--scale",
                str(scale),
                "--out",
                str(folder),
                "--seed",
                str(seed),
            ],
            check=True,
        )
    truth = json.loads(truth_path.read_text("utf-8"))
    return folder / truth["backup"], truth


def write_indicator_subset(path: Path, patterns: Iterable[str], size: int = SUBSET_SIZE) -> int:
    """Write a STIX2 bundle of ``size`` bundled indicators, ``patterns`` first, then the others
    round-robin across the bundled files, with the malware and relationship objects they need.

    Patterns MVT cannot split (more than one ``=``) are left out. Returns how many indicators.
    """
    from tracehound.iocs.bundled import bundled_stix_paths

    wanted = list(dict.fromkeys(patterns))
    files = [json.loads(p.read_bytes())["objects"] for p in bundled_stix_paths()]
    by_pattern: dict[str, dict[str, Any]] = {}
    queues: list[list[dict[str, Any]]] = []
    objects: dict[str, dict[str, Any]] = {}
    links: dict[str, list[dict[str, Any]]] = {}
    for objs in files:
        queue = []
        for obj in objs:
            objects[obj["id"]] = obj
            if obj["type"] == "relationship":
                links.setdefault(obj["source_ref"], []).append(obj)
            elif obj["type"] == "indicator" and obj.get("pattern", "").count("=") == 1:
                by_pattern.setdefault(obj["pattern"], obj)
                queue.append(obj)
        queues.append(queue)
    missing = [p for p in wanted if p not in by_pattern]
    if missing:
        raise SystemExit(f"patterns not in the bundled files: {missing}")
    chosen: dict[str, dict[str, Any]] = {p: by_pattern[p] for p in wanted}
    position = 0
    while len(chosen) < size and any(position < len(q) for q in queues):
        for queue in queues:
            if position < len(queue) and len(chosen) < size:
                chosen.setdefault(queue[position]["pattern"], queue[position])
        position += 1
    indicators = list(chosen.values())
    relations = [r for ind in indicators for r in links.get(ind["id"], [])]
    targets = dict.fromkeys(r["target_ref"] for r in relations if r["target_ref"] in objects)
    bundle_objects = [objects[t] for t in targets] + indicators + relations
    digest = hashlib.sha256(json.dumps(bundle_objects, sort_keys=True).encode()).hexdigest()
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.UUID(digest[:32], version=4)}",
        "objects": bundle_objects,
    }
    path.write_text(json.dumps(bundle, indent=1) + "\n", "utf-8")
    return len(indicators)


def ensure_mvt(venv: Path) -> Path:
    """``mvt-ios`` of the benchmark venv, installing mvt==MVT_VERSION there if needed."""
    python = venv / "bin" / "python"
    script = venv / "bin" / "mvt-ios"
    probe = "import importlib.metadata as m; print(m.version('mvt'))"
    if script.is_file():
        found = subprocess.run([python, "-c", probe], capture_output=True, text=True)
        if found.stdout.strip() == MVT_VERSION:
            return script
    print(f"installing mvt=={MVT_VERSION} into {venv} ...", flush=True)
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"mvt=={MVT_VERSION}"],
        check=True,
    )  # fmt: skip
    return script


def mvt_env(data: Path) -> dict[str, str]:
    """MVT's environment: no update or network checks, settings and data private to the bench."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVT_")}
    home = data / "mvt-home"
    env["MVT_CONFIG_FOLDER"] = str(home / "config")
    env["MVT_DATA_FOLDER"] = str(home / "data")  # no downloaded indicators are loaded from here
    env["MVT_NETWORK_ACCESS_ALLOWED"] = "false"  # no URL unshortening over the network
    return env


def tracehound_env(data: Path) -> dict[str, str]:
    """tracehound's environment: default jobs, indicator cache private to the bench (warm after
    the first run, as for a user who checks several phones)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUND_")}
    env["TRACEHOUND_CACHE_DIR"] = str(data / "tracehound-cache")
    return env


# --- measuring --------------------------------------------------------------------------------


def measure(cmd: Sequence[str], log: Path, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tracehound-bench-") as tmp:
        out = Path(tmp) / "measure.json"
        load = os.getloadavg()[0]
        subprocess.run(
            [sys.executable, "-c", MEASURE, str(out), str(log), *map(str, cmd)], env=env, check=True
        )
        result: dict[str, Any] = json.loads(out.read_text())
    result["load"] = load
    result["mem_kib"] = result["tree_kib"] or result["rss_kib"]
    return result


def command(
    tool: str, backup: Path, out: Path, subset: Path, mvt: Path | None
) -> tuple[list[str], dict[str, str]]:
    if tool in ("mvt", "mvt-all"):
        assert mvt is not None
        cmd = [str(mvt), "--disable-update-check", "--disable-indicator-update-check"]
        cmd += ["check-backup"]
        if tool == "mvt":
            cmd += ["--iocs", str(subset)]
        else:  # MVT reads STIX2 only: the bundled STIX2 files (tracehound also loads ioc.yaml)
            from tracehound.iocs.bundled import bundled_stix_paths

            for path in bundled_stix_paths():
                cmd += ["--iocs", str(path)]
        cmd += ["--output", str(out), str(backup)]
        return cmd, mvt_env(subset.parent)
    tracehound = str(Path(sys.executable).parent / "tracehound")
    cmd = [tracehound, "check", str(backup), "-o", str(out), "--quiet", "--no-bundled-iocs"]
    if tool == "tracehound":
        cmd += ["--iocs", str(subset)]
    else:
        from tracehound.iocs.bundled import bundled_paths

        for path in bundled_paths():
            cmd += ["--iocs", str(path)]
    return cmd, tracehound_env(subset.parent)


# --- checking the outputs against the truth ---------------------------------------------------


def tracehound_hits(out: Path) -> tuple[set[tuple[str, str]], Counter[str]]:
    """(artifact, indicator value) of indicator detections; heuristic detections by artifact."""
    hits: set[tuple[str, str]] = set()
    heuristics: Counter[str] = Counter()
    with (out / "detections.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            det = json.loads(line)
            if det["type"] == "indicator":
                hits.add((det["artifact"], str(det["indicator"]["value"]).lower()))
            else:
                heuristics[f"{det['artifact']} ({det['severity']})"] += 1
    return hits, heuristics


def mvt_hits(out: Path) -> tuple[set[tuple[str, str]], Counter[str]]:
    """(module, indicator value) of MVT alerts that name an indicator; the others by module."""
    alerts: list[dict[str, Any]] = []
    if (out / "alerts.json").is_file():
        alerts = json.loads((out / "alerts.json").read_text("utf-8"))
    else:
        for path in sorted(out.glob("*_detected.json")):
            alerts += json.loads(path.read_text("utf-8"))
    hits: set[tuple[str, str]] = set()
    heuristics: Counter[str] = Counter()
    for alert in alerts:
        ioc = alert.get("matched_indicator")
        if isinstance(ioc, dict) and ioc.get("value"):
            hits.add((str(alert.get("module")), str(ioc["value"]).lower()))
        else:
            heuristics[f"{alert.get('module')} ({str(alert.get('level')).lower()})"] += 1
    return hits, heuristics


def check(tool: str, out: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """Which traces the run found, whether that is what truth.json expects, and extra hits."""
    mvt = tool.startswith("mvt")
    hits, heuristics = mvt_hits(out) if mvt else tracehound_hits(out)
    found: dict[str, bool] = {}
    planted: set[tuple[str, str]] = set()
    for trace in truth["traces"]:
        key = (trace["mvt_module"] if mvt else trace["artifact"], trace["indicator"].lower())
        planted.add(key)
        found[trace["id"]] = key in hits
    expect_key = "mvt" if mvt else "tracehound"
    surprises = [t["id"] for t in truth["traces"] if found[t["id"]] != t["expect"][expect_key]]
    return {
        "found": found,
        "surprises": surprises,
        "extra": sorted(f"{a}: {v}" for a, v in hits - planted),
        "heuristics": dict(heuristics),
    }


def failed(tool: str, code: int, out: Path) -> str:
    """Why a run cannot be counted ("" when it can): MVT exits 0; tracehound exits 0 or 1
    (detections), and 2 when some input could not be checked (run.json says which)."""
    if tool.startswith("mvt"):
        return "" if code == 0 else f"exit code {code}"
    if code in (0, 1):
        return ""
    try:
        run = json.loads((out / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return f"exit code {code}, no run.json"
    bad = [
        f"{name}: {art['status']} {art.get('errors') or ''}".strip()
        for name, art in run.get("artifacts", {}).items()
        if art.get("status") in ("error", "schema_mismatch")
    ]
    if not run.get("evidence_check", {}).get("unchanged", True):
        bad.append("the evidence changed during the run")
    bad += [f"source: {e}" for e in run.get("acquisition", {}).get("errors", [])]
    return f"exit code {code}: " + "; ".join(bad or ["see run.json"])


# --- reports ----------------------------------------------------------------------------------


def mb(kib: float) -> str:
    return f"{kib / 1024:,.0f} MB"


def runs_table(results: dict[str, list[dict[str, Any]]], runs: int) -> list[str]:
    lines = [
        "| run | tool | wall | CPU | peak memory (tree) | largest process RSS | load avg at start "
        "| traces as expected |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for i in range(runs):
        for tool, items in results.items():
            r = items[i]
            ok = (
                "yes"
                if not r["check"]["surprises"]
                else "NO: " + ", ".join(r["check"]["surprises"])
            )
            lines.append(
                f"| {i + 1} | {LABELS[tool]} | {r['wall']:.2f} s | {r['cpu']:.2f} s | "
                f"{mb(r['mem_kib'])} | {mb(r['rss_kib'])} | {r['load']:.2f} | {ok} |"
            )
    pairs = [(m, t) for t, m in PAIRS.items() if m in results and t in results]
    if pairs:
        head = "| run | indicators | MVT ÷ tracehound, wall time | MVT ÷ tracehound, memory |"
        lines += ["", head]
        lines.append("|---|---|---:|---:|")
        for i in range(runs):
            for mvt_tool, tool in pairs:
                m, t = results[mvt_tool][i], results[tool][i]
                lines.append(
                    f"| {i + 1} | {INDICATORS[tool]} | {m['wall'] / t['wall']:.1f}× | "
                    f"{m['mem_kib'] / t['mem_kib']:.1f}× |"
                )
    return lines


def summary_table(
    scale: int,
    truth: dict[str, Any],
    results: dict[str, list[dict[str, Any]]],
    floor_s: float,
) -> list[str]:
    def med(tool: str, key: str) -> float:
        return float(statistics.median(r[key] for r in results[tool]))

    lines = [
        "| scale | records | floor (bare row loop) | tool | wall (median) | peak memory (median) | "
        "÷ floor | MVT ÷ tool (same indicators) |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for tool in results:
        other = PAIRS.get(tool)
        ratio = (
            f"{med(other, 'wall') / med(tool, 'wall'):.1f}×"
            if other is not None and other in results
            else ""
        )
        lines.append(
            f"| {scale} | {truth['records']:,} | {floor_s:.2f} s | {LABELS[tool]} | "
            f"{med(tool, 'wall'):.2f} s | {mb(med(tool, 'mem_kib'))} | "
            f"{med(tool, 'wall') / floor_s:.1f}× | {ratio} |"
        )
    return lines


def traces_table(truth: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> list[str]:
    tools = list(results)
    lines = [
        "| trace | " + " | ".join(LABELS[t] for t in tools) + " | expected |",
        "|---|" + "---|" * (len(tools) + 1),
    ]
    for trace in truth["traces"]:
        cells = []
        for tool in tools:
            seen = {r["check"]["found"][trace["id"]] for r in results[tool]}
            cells.append("found" if seen == {True} else "missed" if seen == {False} else "varies")
        exp = trace["expect"]
        expected = f"tracehound {'finds' if exp['tracehound'] else 'no hit'}, MVT " + (
            "finds" if exp["mvt"] else "no hit"
        )
        lines.append(f"| {trace['id']} | " + " | ".join(cells) + f" | {expected} |")
    return lines


def ioc_load_times(mvt: Path | None, data: Path) -> dict[str, float]:
    """Seconds to load (and index) every bundled indicator file, in a fresh process each."""
    from tracehound.iocs.bundled import bundled_paths, bundled_stix_paths

    code = (
        "import sys, time\n"
        "from tracehound.iocs.bundled import load_bundled\n"
        "from tracehound.iocs.index import IndicatorIndex\n"
        "start = time.perf_counter()\n"
        "index = IndicatorIndex.build(load_bundled().indicators)\n"
        "print(time.perf_counter() - start)\n"
    )
    out = {"tracehound": min(_seconds([sys.executable, "-c", code], None) for _ in range(3))}
    out["tracehound_files"] = float(len(bundled_paths()))
    if mvt is not None:
        files = [str(p) for p in bundled_stix_paths()]
        mvt_code = (
            "import sys, time\n"
            "from mvt.common.indicators import Indicators\n"
            "start = time.perf_counter()\n"
            "Indicators().load_indicators_files(sys.argv[1:], load_default=False)\n"
            "print(time.perf_counter() - start)\n"
        )
        env = mvt_env(data)
        out["mvt"] = _seconds([str(mvt.parent / "python"), "-c", mvt_code, *files], env)
        out["mvt_files"] = float(len(files))
    return out


def _seconds(cmd: list[str], env: dict[str, str] | None) -> float:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()}, Python {sys.version.split()[0]}"
    )


def git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, default=1, help="backup size: 1 = 12,000 records")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the generated backup")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"subset of {','.join(TOOLS)}")
    parser.add_argument("--data", type=Path, default=BENCH / "data", help="generated data")
    parser.add_argument("--mvt-venv", type=Path, default=BENCH / ".venv-mvt")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--keep", action="store_true", help="keep each run's output folder")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)  # internal: floor only
    args = parser.parse_args()
    if args.floor:
        print(json.dumps(floor(args.floor)))
        return
    tools = [t for t in args.tools.split(",") if t]
    if not tools or any(t not in TOOLS for t in tools) or args.runs < 1:
        parser.error(f"--tools takes names from {TOOLS}; --runs at least 1")

    args.data.mkdir(parents=True, exist_ok=True)
    backup, truth = ensure_backup(args.data, args.scale, args.seed)
    subset = args.data / "indicators_1000.stix2"
    count = write_indicator_subset(subset, [t["pattern"] for t in truth["traces"]])
    mvt = ensure_mvt(args.mvt_venv) if any(t.startswith("mvt") for t in tools) else None
    # Both tools run from compiled bytecode, as a pip install leaves them: pip compiled MVT's
    # modules when it installed them, while tracehound's editable install has none, and where
    # PYTHONDONTWRITEBYTECODE is set every tracehound process would compile its 280 modules
    # again (0.7 s on this machine).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "tracehound")], check=True
    )
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    print(f"backup {backup}: {truth['records']:,} records; {count} indicators in {subset}")

    floors = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, __file__, "--floor", str(backup)], capture_output=True, text=True
        )
        floors.append(json.loads(done.stdout))
    floor_s = statistics.median(f["seconds"] for f in floors)
    print(f"floor: {floors[0]['rows']:,} rows in {floor_s:.2f} s (median of {args.runs})")
    cli_s = statistics.median(cli_floor(backup)["seconds"] for _ in range(args.runs))
    print(f"sqlite3 CLI floor: {cli_s:.2f} s (median of {args.runs})")

    results: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    work = Path(tempfile.mkdtemp(prefix="tracehound-bench-", dir=args.data))
    try:
        for run in range(1, args.runs + 1):
            for tool in tools:
                out = work / f"{tool}-{run}"
                cmd, env = command(tool, backup, out, subset, mvt)
                log = work / f"{tool}-{run}.log"
                result = measure(cmd, log, env)
                failure = failed(tool, result["code"], out)
                if failure:
                    args.keep = True
                    raise SystemExit(f"{LABELS[tool]} failed: {failure}; see {log} and {out}")
                result["check"] = check(tool, out, truth)
                results[tool].append(result)
                print(
                    f"run {run} {LABELS[tool]}: {result['wall']:.2f} s wall, "
                    f"{result['cpu']:.2f} s CPU, {mb(result['mem_kib'])}, "
                    f"load {result['load']:.2f}, unexpected: {result['check']['surprises']}",
                    flush=True,
                )
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    loads = ioc_load_times(mvt, args.data)
    load_after = os.getloadavg()

    report = [
        f"# tracehound vs MVT, scale {args.scale} ({truth['records']:,} records)",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; machine: {machine()}",
        f"- tracehound {git_commit()}; MVT {MVT_VERSION} (update checks and network off)",
        f"- command: `.venv/bin/python bench/run_bench.py --scale {args.scale} --runs {args.runs}`",
        f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} "
        "(these averages count the benchmark's own runs and any run just before it)",
        f"- rows per table: {truth['rows']}",
        f"- floor: a bare `for row in conn.execute(...)` over the same rows as the parsers: "
        f"{floors[0]['rows']:,} rows, median {floor_s:.2f} s",
        f"- sqlite3 CLI floor (the `sqlite3` shell running the same queries, output discarded): "
        f"median {cli_s:.2f} s; "
        + "; ".join(
            f"{LABELS[t]} {statistics.median(r['wall'] for r in results[t]) / cli_s:.1f}× it"
            for t in tools
        ),
        "",
        "## Summary (medians)",
        "",
        *summary_table(args.scale, truth, results, floor_s),
        "",
        "## Every run",
        "",
        *runs_table(results, args.runs),
        "",
        "## Planted traces",
        "",
        *traces_table(truth, results),
        "",
    ]
    for trace in truth["traces"]:
        if trace["why"]:
            report.append(f"- {trace['id']}: {trace['why']}.")
    for tool in tools:
        last = results[tool][-1]["check"]
        report.append(
            f"- {LABELS[tool]}: indicator hits not planted: {last['extra'] or 'none'}; "
            f"other alerts: {last['heuristics'] or 'none'}"
        )
    report += [
        "",
        "## Loading all bundled indicators (fresh process, best of 3 for tracehound)",
        "",
        f"- tracehound: {int(loads['tracehound_files'])} files (load and index): "
        f"{loads['tracehound']:.2f} s",
    ]
    if "mvt" in loads:
        report.append(
            f"- MVT {MVT_VERSION}: the {int(loads['mvt_files'])} STIX2 files "
            f"(`Indicators.load_indicators_files`): {loads['mvt']:.2f} s"
        )
    text = "\n".join(report) + "\n"
    print()
    print(text)
    args.results.mkdir(parents=True, exist_ok=True)
    target = args.results / f"{started:%Y-%m-%d}-scale{args.scale}.md"
    target.write_text(text, "utf-8")
    print(f"written to {target}")


if __name__ == "__main__":
    main()
