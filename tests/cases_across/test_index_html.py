"""``STORE/index.html`` as HTML text (the browser test is tests/reports/test_browser_index.py)."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from tracehound.cases.index_html import INDEX_NAME, build_index, write_index
from tracehound.cases.prevalence import prevalence
from tracehound.cases.store import CaseStore
from tracehound.cases.views import refresh_store_views

from .conftest import DemoStore

SCRIPT = "<script>window.__pwned=1</script>"
ATTR = '"><img src=x onerror="window.__pwned=2">'


class Page(HTMLParser):
    """Tags, links and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.links.extend(v or "" for k, v in attrs if k in ("href", "src"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_every_case_with_its_facts_detected_first(
    store_copy: CaseStore, demo_store: DemoStore
) -> None:
    path = refresh_store_views(store_copy).index
    assert path == store_copy.root / INDEX_NAME
    html = path.read_text("utf-8")
    page = parse(html)
    text = " ".join(" ".join(page.text).split())
    assert "script" not in page.tags and not any(a.startswith("on") for a in page.attributes)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp is not None
    assert unescape(csp.group(1)).startswith("default-src 'none'; script-src 'none';")
    # Detected cases first, by label; the clean phone last.
    order = [
        m.group(1) for m in re.finditer(r'href="cases/([0-9a-f]{16})/results/report.html"', html)
    ]
    assert order == [demo_store.infected.id, demo_store.infected_again.id, demo_store.clean.id]
    for link in page.links:  # every link is relative and resolves to the case's report
        assert not link.startswith(("/", "http", "file:")) and (store_copy.root / link).is_file()
    assert len(page.links) == 3
    assert "3 cases" in text and "detected 2" in text and "clean 1" in text
    assert "iPhone12,1, OS 14.6 Demo iPhone" in text and "ios_backup" in text
    detections = [
        len((store_copy.results(c.id) / "detections.jsonl").read_text("utf-8").splitlines())
        for c in (demo_store.infected, demo_store.clean)
    ]
    assert f"{detections[0]} 10 indicator hits 7 heuristic findings" in text
    assert "critical 6" in text and "low 1" in text
    assert f"1 check first {demo_store.infected.checks[0]['at'][:10]}" in text
    assert "2026-11-30 10:00:00 UTC 2 new hits" in text  # phone B's last hunt
    assert text.count("never") == 2  # phones A and C were never hunted
    # The values seen in most cases, most common first.
    assert "heuristic ios_version_outdated 14.6 (18F72) 3 100%" in text
    assert "indicator domain urlpush.net 2 67%" in text


def test_untrusted_case_files(store_copy: CaseStore, demo_store: DemoStore) -> None:
    case = store_copy.load(demo_store.infected.id)
    case.label = SCRIPT + ATTR
    case.acquisition = "/evidence/" + ATTR
    case.device = {"product_type": ["not", "text"], "os_version": 17, "device_name": "x" * 5000}
    case.checks = [{"at": "not a time", "verdict": "pwned"}, "not an object"]  # type: ignore[list-item]
    case.hunts = [{"at": 5, "new": "many"}]
    store_copy.save(case)
    (store_copy.case_dir(demo_store.clean.id) / "case.json").write_text("{broken", "utf-8")
    evil = store_copy.root / "cases" / "not-a-case-id"
    evil.mkdir()
    (evil / "case.json").write_text(json.dumps({"id": "../../x", "label": "evil"}), "utf-8")
    (evil / "results").mkdir()
    (evil / "results" / "report.html").write_text("x", "utf-8")
    (store_copy.results(demo_store.infected_again.id) / "report.html").unlink()
    html = write_index(store_copy, prevalence(store_copy)).read_text("utf-8")
    page = parse(html)
    text = " ".join(page.text)
    assert "script" not in page.tags and "img" not in page.tags
    assert SCRIPT + ATTR in text  # shown as text
    assert "&lt;script&gt;" in html and "&#34;&gt;&lt;img" in html
    assert page.links == [f"cases/{demo_store.infected.id}/results/report.html"]
    assert "more characters]" in text  # the long device name is cut
    assert "unknown" in text and "not a time" in text
    assert "(damaged case)" in text and "damaged case file" in text
    assert "case.json names another id (../../x)" in text
    assert "(no report)" in text
    context = build_index(store_copy, prevalence(store_copy))
    verdicts = {r.id: r.verdict for r in context["rows"]}
    assert verdicts[demo_store.infected.id] == "unknown"
    assert verdicts[demo_store.clean.id] == "unknown"
    assert verdicts["not-a-case-id"] == "unknown"
    assert verdicts[demo_store.infected_again.id] == "detected"


def test_empty_store(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "s", create=True)
    text = " ".join(parse(refresh_store_views(store).index.read_text("utf-8")).text)  # type: ignore[union-attr]
    assert "0 cases" in text and "No cases yet" in text and "No detections in any" in text
