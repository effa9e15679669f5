"""report.html: verdict, detections with their explanations, timeline windows, coverage, the
``report`` command, --redact and bounded memory. Browser checks are in test_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import tracemalloc
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.core.detection import Rule
from tracehound.core.registry import record_types
from tracehound.demo import content, generate
from tracehound.demo.ios.manifest import file_id
from tracehound.reports import explain
from tracehound.reports.charts import overview_chart
from tracehound.reports.html import Limits, build_report, render_report, write_report
from tracehound.reports.redact import redact_path

from .conftest import run_check


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def counts(folder: Path) -> dict[str, Any]:
    """The detection summary of run.json (the demo's traces may grow: nothing hard-coded)."""
    summary: dict[str, Any] = json.loads(read(folder / "run.json"))["detections"]
    return summary


def headline(folder: Path) -> str:
    malware = counts(folder)["malware"]
    names = ", ".join(f"{name} ({n})" for name, n in malware.items())
    return f"Indicators of known spyware found: {names}"


def plain(html: str) -> str:
    """The page's text with tags removed and entities decoded (for phrase checks)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_check_writes_a_self_contained_report(demo_results: Path) -> None:
    html = read(demo_results / "report.html")
    assert html.startswith("<!DOCTYPE html>")
    # No script, no external resource, no link out of the page.
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"""\s(src|href|action|srcset|xlink:href)\s*=\s*"(?!#)""", html)
    assert "@import" not in html and "url(" not in html
    # The CSP forbids everything but the page's own style sheet, named by its hash.
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert found is not None
    csp = unescape(found.group(1))
    assert "default-src 'none'" in csp and "script-src 'none'" in csp
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_verdict_names_malware_count_and_caveat(demo_results: Path) -> None:
    text = plain(read(demo_results / "report.html"))
    summary = counts(demo_results)
    total, indicators = summary["total"], summary["by_type"]["indicator"]
    assert list(summary["malware"]) == ["Pegasus"] and headline(demo_results) in text
    assert f"{total} detections: {indicators} indicator matches and " in text
    assert f"and {total - indicators} heuristic findings" in text
    assert "Public indicators cannot prove a phone clean." in text
    assert "INCOMPLETE" not in text


def test_detections_show_what_where_when_why(demo_results: Path) -> None:
    html = read(demo_results / "report.html")
    text = plain(html)
    detections = [json.loads(x) for x in read(demo_results / "detections.jsonl").splitlines()]
    assert html.count('class="hit"') == len(detections) >= 12
    for d in detections:
        assert d["evidence"]["sha256"] in html
    for d in (d for d in detections if d["type"] == "indicator"):
        assert d["indicator"]["id"] in html and d["reason"] in text
    # Grouped by indicator: the three free247downloads.com hits are one group.
    assert "Indicator domain free247downloads.com (3 detections)" in text
    assert "2021-07-12 09:14:03.120 to 2021-07-12 09:18:03.120 UTC" in text
    by_type = counts(demo_results)["by_type"]
    assert f"Malware: Pegasus ({by_type['indicator']} detections)" in text
    assert f"Heuristic findings ({by_type['heuristic']} detections)" in text
    assert "bundled:pegasus/pegasus.stix2" in text
    # The weight and the artifact's meaning are explained.
    assert record_types()["ios.idstatuscache"].MEANING in text
    assert explain.kind_weight("domain").text in text
    assert "Here the address was received or stored, not loaded" in text  # the SMS link
    # Times and their meaning (TS_DESC of the record type).
    assert "2021-07-12 09:14:09.120 UTC · Network usage · ios.datausage" in text


def test_timeline_window_follows_the_sequence(demo_results: Path) -> None:
    text = plain(read(demo_results / "report.html"))
    timeline = text[text.index("Below: every record") : text.index("Coverage An artifact")]
    # One piece per window (its title, chart and table); the one of the injection (09:14:03).
    pieces = re.split(r"\d{4}-\d\d-\d\d [\d:]{8} to \d{4}-\d\d-\d\d [\d:]{8} UTC", timeline)
    window = next(p for p in pieces if "process_name=bh" in p)
    window = window[window.index("time (UTC)") :]  # the table, after the chart
    # Delivery (lookup, Safari), process (bh, msgacntd), clean-up (deleted process row), in order.
    order = [
        "bogaardlisa803@gmail.com",
        "url=http://www.lemonde.fr/",
        "process_name=bh",
        "process_name=msgacntd",
        "process row 56 was deleted",
    ]
    positions = [window.index(s) for s in order]
    assert positions == sorted(positions)
    assert "Timestamps of all records per day (UTC)" in text
    # A record an hour away (outside every window) is not in the timeline table.
    assert "2021-07-11 17:02:11 to 2021-07-11 19:02:11 UTC" in text  # the SMS window


def test_coverage_lists_absent_artifacts(demo_results: Path) -> None:
    html = read(demo_results / "report.html")
    row = re.search(
        r"ios\.configuration_profiles</td>\s*<td><span class=\"status ([^\"]+)\">(\w+)", html
    )
    assert row and row.groups() == ("status-not_present", "absent")
    assert "ios.sms" in html and "15 input files read" not in html
    run = json.loads(read(demo_results / "run.json"))
    for f in run["indicators"]["files"]:
        assert f["sha256"] in html
    assert f"tracehound {run['tool']['version']}" in plain(html)


def test_incomplete_run_is_stated(tmp_path: Path, demo_results: Path) -> None:
    backup = generate.write_demo_backup(tmp_path / "backup")
    sms_file = file_id("HomeDomain", "Library/SMS/sms.db")
    (backup / sms_file[:2] / sms_file).write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    result = run_check(backup, tmp_path / "out")
    assert result.exit_code == 3
    text = plain(read(tmp_path / "out" / "report.html"))
    assert "INCOMPLETE RUN (exit code 3)" in text
    assert "ios.sms: failed /private/var/mobile/Library/SMS/sms.db" in text
    assert headline(tmp_path / "out") in text  # what was found still shows
    assert (
        counts(tmp_path / "out")["malware"]["Pegasus"]
        == counts(demo_results)["malware"]["Pegasus"] - 1
    )


def test_clean_run_says_nothing_found(tmp_path: Path) -> None:
    backup = generate.write_demo_backup(tmp_path / "backup", infected=False)
    assert run_check(backup, tmp_path / "out").exit_code == 0
    text = plain(read(tmp_path / "out" / "report.html"))
    assert "Nothing found with the loaded indicators and heuristics" in text
    assert "Public indicators cannot prove a phone clean." in text
    assert "No detection has a time" in text and "INCOMPLETE" not in text


def test_report_command_rerenders_identically(tmp_path: Path, demo_results: Path) -> None:
    folder = tmp_path / "results"
    shutil.copytree(demo_results, folder)
    before = read(folder / "report.html")
    (folder / "report.html").unlink()
    (folder / "sightings.stix2").unlink()
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert read(folder / "report.html") == before  # deterministic: same folder, same page
    assert (folder / "sightings.stix2").is_file()
    assert "report.html" in result.output


@pytest.mark.parametrize("make", ["missing", "empty", "bad_json", "not_run"])
def test_report_command_refuses_other_folders(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "x"
    if make != "missing":
        folder.mkdir()
    if make in ("bad_json", "not_run"):
        (folder / "detections.jsonl").write_text("")
        (folder / "run.json").write_text("{" if make == "bad_json" else '{"a": 1}')
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 4
    assert "error:" in result.output and "Traceback" not in result.output
    assert not (folder / "report.html").exists()


def test_redacted_report_hides_private_life(tmp_path: Path, demo_results: Path) -> None:
    folder = tmp_path / "results"
    shutil.copytree(demo_results, folder)
    result = CliRunner().invoke(main, ["report", str(folder), "--redact"])
    assert result.exit_code == 0, result.output
    full, redacted = read(folder / "report.html"), read(folder / "report-redacted.html")
    # Values of records involved in a detection stay visible: leave those out of the check.
    involved = read(folder / "detections.jsonl")
    private = [t for t in content.SMS_TEXTS if t in full and t not in involved]
    contacts = [c for c in content.CONTACTS if c in full and c not in involved]
    sites = [s for s in content.SITES if s in full and s not in involved]
    assert private and contacts and sites  # the full report shows them: the test can fail
    for value in [*private, *contacts, *sites, "Demo iPhone", "/tmp", "com.google.chrome.ios"]:
        assert value not in redacted, value
    assert "fields redacted" in redacted and "Redacted copy." in redacted
    # Everything involved in a detection stays.
    for value in (generate.SMS_LINK, generate.ATTACKER_EMAIL, generate.EXPLOIT_URL, "+12025550199"):
        assert value in redacted
    assert redacted.count('class="hit"') == counts(folder)["total"]
    assert headline(folder) in plain(redacted)


def test_redact_path_hides_app_containers() -> None:
    path = "/private/var/mobile/Containers/Data/Application/com.secret.app/Library/x.db"
    assert redact_path(path) == "/private/var/mobile/Containers/Data/Application/[app]/Library/x.db"
    assert redact_path("ab:apps/com.secret/f/x") == "ab:apps/[app]/f/x"
    assert redact_path("/private/var/mobile/Library/SMS/sms.db") == (
        "/private/var/mobile/Library/SMS/sms.db"
    )


def test_caps_say_what_was_left_out(demo_results: Path) -> None:
    limits = Limits(hits_per_group=1, rows_per_window=2, max_windows=1)
    text = plain(render_report(build_report(demo_results, limits=limits)))
    assert "Also in detections.jsonl: 1 more detection of this group." in text
    assert re.search(r"Left out: [\d,]+ less severe windows?; timeline.csv has every row", text)
    assert re.search(r"Left out of this window: [\d,]+ more record timestamps? \(see", text)
    assert "detections are" not in text and "1 detections" not in text


def test_weights() -> None:
    weight = explain.hit_weight
    assert weight("process", Rule.PROCESS, "ios.datausage", 8).level == "strong"
    truncated = weight("process", Rule.PROCESS_TRUNCATED, "ios.x", 16)
    assert truncated.level == "moderate" and "kernel keeps" in truncated.notes
    assert weight("process", Rule.PROCESS_TRUNCATED, "ios.x", 15).level == "weak"
    assert weight("process", Rule.PROCESS_TRUNCATED, "android.x", 15).level == "moderate"
    assert weight("domain", Rule.DOMAIN, "ios.sms").level == "moderate"
    assert weight("ip", Rule.IP_NETWORK, "x").level == "weak"
    assert "random subdomains" in weight("domain", Rule.URL_SUBDOMAIN, "ios.safari_history").notes
    # A 1.x results folder wrote only the rule's sentence: the rules that weigh are found in it.
    assert explain.rule_of(None, "process name truncated to 15 characters") is (
        Rule.PROCESS_TRUNCATED
    )
    assert explain.rule_of("ip_network", "") is Rule.IP_NETWORK
    assert explain.rule_of(None, "exact domain") is None
    assert explain.artifact_meaning("android.new", "Things the phone did") == (
        "Things the phone did."
    )


def test_overview_chart_ignores_far_outliers() -> None:
    day = int(datetime(2021, 7, 1, tzinfo=UTC).timestamp()) // 86400
    days = {day + n: 10 for n in range(30)}
    days[0] = 3  # 1970-01-01: a zero date
    mark_us = (day + 5) * 86_400_000_000
    from collections import Counter

    chart = overview_chart(Counter(days), [(mark_us, "high", "x", "det-1")], 0)
    assert chart is not None
    assert "3 timestamps before 2021-07-01" in chart.note
    assert len(chart.shapes) == 30 and len(chart.marks) == 1
    assert "per day" in chart.caption


def test_bounded_memory_on_big_results(tmp_path: Path, demo_results: Path) -> None:
    """60,000 records of 1 KB around a detection: the page and the memory stay small."""
    folder = tmp_path / "big"
    folder.mkdir()
    shutil.copy(demo_results / "run.json", folder)
    shutil.copy(demo_results / "detections.jsonl", folder)
    (folder / "records").mkdir()
    start = datetime(2021, 7, 12, 8, 0, tzinfo=UTC)
    prov = {"source": "ios_backup", "path": "/private/var/mobile/Library/SMS/sms.db"}
    with (folder / "records" / "ios.sms.jsonl").open("w") as handle:
        for n in range(60_000):
            ts = (start + timedelta(seconds=n / 5)).isoformat()
            rec = {"type": "ios.sms", "ts": ts, "row": n, "text": "x" * 1000, "_provenance": prov}
            handle.write(json.dumps(rec) + "\n")
    assert (folder / "records" / "ios.sms.jsonl").stat().st_size > 60_000_000
    tracemalloc.start()
    try:
        path = write_report(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, peak
    html = read(path)
    assert len(html) < 3_000_000
    assert "Left out of this window:" in plain(html)


def test_a_failing_writer_does_not_fail_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tracehound.reports import derived

    def broken(folder: Path) -> Path:
        raise RuntimeError("boom")

    monkeypatch.setattr(derived, "DERIVED_WRITERS", [broken])
    monkeypatch.setattr(derived, "_WRITER_MODULES", ())
    monkeypatch.delenv("TRACEHOUND_DEBUG", raising=False)
    assert derived.write_derived(tmp_path) == []
    err = capsys.readouterr().err
    assert "broken failed: RuntimeError: boom" in err and "tracehound report" in err
    monkeypatch.setenv("TRACEHOUND_DEBUG", "1")
    with pytest.raises(RuntimeError):
        derived.write_derived(tmp_path)


def test_max_tracked_caps_the_detections_placed(demo_results: Path) -> None:
    text = plain(render_report(build_report(demo_results, limits=Limits(max_tracked=2))))
    assert "Not placed in the timeline:" in text and "beyond the first ones read" in text
