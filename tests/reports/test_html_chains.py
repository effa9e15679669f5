"""The report's drawing of infection sequences: steps, gaps, hostile text, caps."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tracehound.reports.chains import MAX_CHAINS, MAX_STEPS, read_chains
from tracehound.reports.html import write_report

from .conftest import SCRIPT, SVG


def _section(html: str) -> str:
    start = html.index('<section id="sequences"')
    return html[start : html.index('<section id="timeline"', start)]


def test_demo_chain_drawn_with_its_gaps(demo_results: Path) -> None:
    part = _section((demo_results / "report.html").read_text(encoding="utf-8"))
    assert part.count("<circle") == 5
    gaps = re.findall(r'fill="#333">([^<]*)</text>', part)
    assert gaps == ["23 s", "6 s", "11 s", "23 s"]
    assert "(+6 s) <code>ios.datausage</code>: first use of network by bh (DataUsage)" in part
    assert "critical" in part and "infection_sequence" in part


def _with_chains(src: Path, dst: Path, chains: list[list[dict[str, str]]]) -> Path:
    shutil.copytree(src, dst)
    lines = [
        json.dumps({"type": "heuristic", "severity": "high", "detector": "infection_sequence",
                    "artifact": "ios.sms", "message": "m", "chain": chain})
        for chain in chains
    ]  # fmt: skip
    (dst / "detections.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def test_hostile_step_text_is_escaped(tmp_path: Path, demo_results: Path) -> None:
    chain = [
        {"ts": "2021-07-12T09:14:03+00:00", "artifact": SVG, "what": SCRIPT},
        {"ts": "not a time", "artifact": "ios.datausage", "what": SVG},
    ]
    folder = _with_chains(demo_results, tmp_path / "r", [chain])
    part = _section(write_report(folder).read_text(encoding="utf-8"))
    assert "<script>" not in part and "<svg onload" not in part
    assert "&lt;script&gt;window.__pwned=1" in part


def test_chains_and_steps_are_capped(tmp_path: Path, demo_results: Path) -> None:
    long = [{"ts": f"2021-07-12T09:14:{n:02d}+00:00", "what": f"s{n}"} for n in range(30)]
    folder = _with_chains(demo_results, tmp_path / "r", [long] * (MAX_CHAINS + 3))
    chains, more = read_chains(folder / "detections.jsonl")
    assert len(chains) == MAX_CHAINS and more == 3
    assert len(chains[0].steps) == MAX_STEPS and chains[0].hidden == 10
    assert [s.gap for s in chains[0].steps[:3]] == ["", "1 s", "1 s"]
    part = _section(write_report(folder).read_text(encoding="utf-8"))
    assert "3 more sequences are in detections.jsonl" in part
    assert "10 more steps are in detections.jsonl" in part


def test_no_section_without_chains(tmp_path: Path, demo_results: Path) -> None:
    folder = _with_chains(demo_results, tmp_path / "r", [])
    (folder / "detections.jsonl").write_text("", encoding="utf-8")
    assert 'id="sequences"' not in write_report(folder).read_text(encoding="utf-8")
