"""report.html in a real headless Chromium: hostile device data runs no script, adds no element,
fetches nothing, and the detections render.

Run with the ``browser`` marker; skipped only when chromium/chromedriver are not installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import EVIL_SAFARI_URL, EVIL_SMS_LINK, HOSTILE_DEVICE

pytestmark = pytest.mark.browser

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "tracehound" / "reports" / "templates"
#: Elements that must never appear: they run code or load something.
FORBIDDEN = {
    "script",
    "img",
    "iframe",
    "object",
    "embed",
    "link",
    "base",
    "form",
    "input",
    "video",
    "audio",
    "source",
    "frame",
    "frameset",
    "foreignobject",
    "image",
    "use",
}


def template_tags() -> set[str]:
    """Tag names the report template and its partials write themselves."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.j2")))
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", text)}


def css_classes() -> set[str]:
    """Class names the report's style sheet defines."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return set(re.findall(r"\.([a-zA-Z][\w-]*)", css))


def open_page(chrome: Any, path: Path) -> None:
    chrome.get("about:blank")
    chrome.get_log("performance")  # drop earlier events
    chrome.get_log("browser")
    chrome.get(path.resolve().as_uri())


def no_alert(chrome: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        chrome.switch_to.alert  # noqa: B018 - raises when no alert is open
    except NoAlertPresentException:
        return True
    return False


def network_requests(chrome: Any, page: str) -> dict[str, str]:
    """Every request the page ``page`` made (Chrome DevTools performance log): URL -> how it
    ended ("" when it was not blocked or failed, else e.g. "csp")."""
    sent: dict[str, str] = {}
    failed: dict[str, str] = {}
    for entry in chrome.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent" and params["documentURL"] == page:
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            failed[params["requestId"]] = params.get("blockedReason") or params["errorText"]
    return {url: failed.get(rid, "") for rid, url in sent.items()}


def security_messages(chrome: Any) -> list[str]:
    """Console messages about blocked content (CSP violations)."""
    return [e["message"] for e in chrome.get_log("browser") if e.get("source") == "security"]


def check_page_is_inert(chrome: Any, path: Path) -> None:
    """The checks every report must pass in the browser."""
    open_page(chrome, path)
    assert no_alert(chrome)
    assert chrome.execute_script("return typeof window.__pwned") == "undefined"
    assert chrome.title.startswith("tracehound case report")
    tags = set(
        chrome.execute_script(
            "return Array.from(document.querySelectorAll('*'), e => e.tagName.toLowerCase())"
        )
    )
    assert not tags & FORBIDDEN, tags & FORBIDDEN
    assert tags <= template_tags(), tags - template_tags()
    classes = set(
        chrome.execute_script(
            "return Array.from(document.querySelectorAll('[class]'),"
            " e => Array.from(e.classList)).flat()"
        )
    )
    assert classes <= css_classes(), classes - css_classes()
    hrefs = chrome.execute_script(
        "return Array.from(document.querySelectorAll('[href],[src],[action]'),"
        " e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))"
    )
    assert all(h.startswith("#") for h in hrefs), hrefs
    handlers = chrome.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap("
        "e => Array.from(e.attributes, a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    assert chrome.execute_script("return performance.getEntriesByType('resource').length") == 0
    page = path.resolve().as_uri()
    assert network_requests(chrome, page) == {page: ""}  # the file itself, nothing else
    assert security_messages(chrome) == []  # nothing even tried to load or run
    # The page's own style sheet applies (its CSP hash is right).
    color = chrome.execute_script(
        "return getComputedStyle(document.querySelector('.verdict h1')).color"
    )
    assert color != "rgb(0, 0, 0)"


def test_demo_report_renders_and_is_inert(chrome: Any, demo_results: Path, tmp_path: Path) -> None:
    path = demo_results / "report.html"
    check_page_is_inert(chrome, path)
    body = chrome.find_element("tag name", "body").text
    run = json.loads((demo_results / "run.json").read_text(encoding="utf-8"))
    pegasus = run["detections"]["malware"]["Pegasus"]
    assert f"Indicators of known spyware found: Pegasus ({pegasus})" in body
    assert "Public indicators cannot prove a phone clean." in body
    assert len(chrome.find_elements("css selector", ".hit")) == run["detections"]["total"]
    assert len(chrome.find_elements("css selector", "svg.svg")) >= 2  # overview and a window
    assert chrome.find_elements("css selector", "line.mark.sev-critical")
    shot = tmp_path / "demo.png"
    assert chrome.save_screenshot(str(shot)) and shot.stat().st_size > 20_000


def test_hostile_report_runs_nothing_and_shows_payloads_as_text(
    chrome: Any, hostile_results: Path, tmp_path: Path
) -> None:
    path = hostile_results / "report.html"
    check_page_is_inert(chrome, path)
    body = chrome.find_element("tag name", "body").text
    # The detections are there, with the hostile values shown as plain text.
    assert "Indicators of known spyware found: Pegasus" in body
    # 5 indicator matches and the LOW ios_version_outdated note (the backup says iOS 14.6)
    assert len(chrome.find_elements("css selector", ".hit")) == 6
    assert EVIL_SMS_LINK[:-1] in body  # the link extractor stops before the final ">"
    assert EVIL_SAFARI_URL in body
    assert HOSTILE_DEVICE.replace("\u202e", "\\u{202e}") in body  # bidi override made visible
    assert "\u202e" not in body
    assert "more characters]" in body  # very long values are cut
    assert "caf\ufffd" in body  # broken UTF-8 replaced, not fatal
    shot = tmp_path / "hostile.png"
    assert chrome.save_screenshot(str(shot)) and shot.stat().st_size > 20_000


def test_csp_blocks_scripts_and_fetches_even_if_escaping_failed(
    chrome: Any, demo_results: Path, tmp_path: Path
) -> None:
    """Defence in depth: markup injected into the page by a (hypothetical) escaping bug is
    still neither run nor fetched, because the page's CSP forbids it."""
    html = (demo_results / "report.html").read_text(encoding="utf-8")
    injected = (
        "<script>window.__pwned=1;alert(1)</script>"
        '<img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">'
        '<iframe src="http://127.0.0.1:9/"></iframe>'
        '<div style="display:none" id="styled">x</div>'
    )
    page = tmp_path / "tampered.html"
    page.write_text(html.replace("</main>", injected + "</main>"), encoding="utf-8")
    open_page(chrome, page)
    assert no_alert(chrome)
    assert chrome.execute_script("return typeof window.__pwned") == "undefined"
    uri = page.resolve().as_uri()
    requests = network_requests(chrome, uri)
    assert requests.pop(uri) == ""
    assert requests and set(requests.values()) == {"csp"}, requests  # every other one blocked
    entries = chrome.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.transferSize)"
    )
    assert all(size == 0 for size in entries)  # listed as attempts, but nothing was received
    assert any("Content Security Policy" in m for m in security_messages(chrome))
    display = chrome.execute_script(
        "return getComputedStyle(document.getElementById('styled')).display"
    )
    assert display != "none"  # inline style attributes are blocked too


def test_redacted_report_is_inert(chrome: Any, hostile_results: Path, tmp_path: Path) -> None:
    from tracehound.reports.html import write_report

    path = write_report(hostile_results, redact=True, output=tmp_path / "redacted.html")
    check_page_is_inert(chrome, path)
    body = chrome.find_element("tag name", "body").text
    assert "Redacted copy." in body and "Indicators of known spyware found: Pegasus" in body
