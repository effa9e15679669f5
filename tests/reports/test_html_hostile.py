"""Hostile device values in the report's HTML and in timeline.csv (no browser needed; the
browser checks of the same pages are in test_browser.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tracehound.reports.html import write_report

from .conftest import LONG


def test_payloads_are_escaped_text(hostile_results: Path) -> None:
    html = (hostile_results / "report.html").read_text(encoding="utf-8")
    for tag in ("<script", "<img", "<iframe", "<svg onload", "<style>body", "<b>"):
        assert tag not in html, tag
    assert "&lt;script&gt;window.__pwned=1;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=7&#34;&gt;" in html
    assert html.count("<style>") == 1  # the page's own style sheet only
    links = re.findall(r"<a [^>]*>", html)
    assert links and all(re.fullmatch(r'<a (class="jump" )?href="#[\w-]+">', a) for a in links)


def test_bidi_overrides_and_long_values(hostile_results: Path) -> None:
    html = (hostile_results / "report.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "\\u{202e}" in html
    assert max(len(m) for m in re.findall("L+", html)) < 2_500  # 150,000 in the data
    assert "more characters]" in html
    assert "caf\ufffd" in html  # invalid UTF-8 was replaced, the row was kept
    assert len(LONG) == 150_000


def test_timeline_csv_cells_cannot_be_formulas(hostile_results: Path) -> None:
    with (hostile_results / "timeline.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert any("HYPERLINK" in r["message"] for r in rows)
    for row in rows:
        for column, cell in row.items():
            if column in ("timestamp", "row"):
                continue  # numbers written by tracehound
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)


def test_redacted_hostile_report_keeps_only_detection_values(
    hostile_results: Path, tmp_path: Path
) -> None:
    path = write_report(hostile_results, redact=True, output=tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "javascript:" not in html  # a handle and a URL of records outside any detection
    assert "HYPERLINK" not in html and "+1202" not in html
    assert "window.__pwned=8" not in html  # the device name
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=7&#34;&gt;" in html  # detected URL
