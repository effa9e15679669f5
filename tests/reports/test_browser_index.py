"""The store's index.html in headless Chromium: it renders, its links open the cases' reports
(which show "seen in N of M cases"), a hostile label runs nothing, nothing is fetched.

Run with the ``browser`` marker; skipped only when chromium/chromedriver are not installed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tracehound.cases.store import CaseStore
from tracehound.cases.views import refresh_store_views
from tracehound.demo import generate

from ..cases_across.helpers import add_case
from .test_browser import FORBIDDEN, network_requests, no_alert, open_page, security_messages

pytestmark = pytest.mark.browser

LABEL = "<script>window.__pwned=1;document.title='pwned'</script>"
ATTR = '"><img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> CaseStore:
    """A store of an infected and a clean phone; the infected one's case.json is hostile."""
    base = tmp_path_factory.mktemp("index")
    store = CaseStore(base / "store", create=True)
    infected = add_case(store, generate.write_demo_backup(base / "a"), LABEL)
    add_case(store, generate.write_demo_backup(base / "c", infected=False), "clean phone")
    infected.acquisition = f"/evidence/{ATTR}"
    infected.device["device_name"] = ATTR
    store.save(infected)
    refresh_store_views(store)
    return store


def test_index_renders_links_and_runs_nothing(chrome: Any, hostile_store: CaseStore) -> None:
    path = hostile_store.root / "index.html"
    open_page(chrome, path)
    assert no_alert(chrome)
    assert chrome.execute_script("return typeof window.__pwned") == "undefined"
    assert chrome.title == "tracehound case store"
    tags = set(
        chrome.execute_script(
            "return Array.from(document.querySelectorAll('*'), e => e.tagName.toLowerCase())"
        )
    )
    assert not tags & FORBIDDEN, tags & FORBIDDEN
    handlers = chrome.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap("
        "e => Array.from(e.attributes, a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    body = chrome.find_element("tag name", "body").text
    assert LABEL in body and ATTR in body  # the hostile values, as text
    rows = chrome.find_elements("css selector", "tr.case")
    assert len(rows) == 2 and rows[0].text.startswith(LABEL) and "detected" in rows[0].text
    assert "clean" in rows[1].text
    page = path.resolve().as_uri()
    assert network_requests(chrome, page) == {page: ""}  # the file itself, nothing else
    assert security_messages(chrome) == []
    assert chrome.execute_script("return performance.getEntriesByType('resource').length") == 0
    color = chrome.execute_script(
        "return getComputedStyle(document.querySelector('.v-detected')).backgroundColor"
    )
    assert color == "rgb(139, 0, 0)"  # the page's own style sheet applies (its hash is right)
    links = chrome.execute_script(
        "return Array.from(document.querySelectorAll('a'), a => [a.getAttribute('href'), a.href])"
    )
    assert len(links) == 2
    for relative, absolute in links:
        assert relative.startswith("cases/") and (hostile_store.root / relative).is_file()
        assert absolute == (hostile_store.root / relative).resolve().as_uri()


def test_a_link_opens_the_case_report_with_prevalence(
    chrome: Any, hostile_store: CaseStore
) -> None:
    open_page(chrome, hostile_store.root / "index.html")
    chrome.find_elements("css selector", "tr.case a")[0].click()
    assert chrome.title == "tracehound case report"
    assert chrome.current_url.endswith("/results/report.html")
    seen = [e.text for e in chrome.find_elements("css selector", ".seen")]
    hits = chrome.find_elements("css selector", ".hit")
    assert len(seen) == len(hits) > 0
    # One infected phone of two: its Pegasus hits are on this phone alone; the old iOS on both.
    assert set(seen) == {"seen in 1 of 2 cases", "seen in 2 of 2 cases"}
    assert no_alert(chrome)
    assert chrome.execute_script("return typeof window.__pwned") == "undefined"
