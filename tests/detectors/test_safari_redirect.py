from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.safari_redirect import SafariRedirect
from tracehound.parsers.ios.safari_history import SafariVisit

T0 = datetime(2020, 1, 29, 17, 2, 11, 120000, tzinfo=UTC)
DB = "/private/var/mobile/Library/Safari/History.db"


def _prov(path: str = DB) -> Provenance:
    return Provenance(
        source="ios_backup", path=path, sha256=None, parser="ios.safari_history", parser_version="1"
    )


def _visit(
    vid: int,
    url: str | None,
    ts: datetime | None,
    src: int | None = None,
    dst: int | None = None,
) -> SafariVisit:
    return SafariVisit(
        ts=ts,
        row=vid,
        url=url,
        title=None,
        visit_id=vid,
        item_id=vid,
        redirect_source=src,
        redirect_destination=dst,
        load_successful=True,
        http_non_get=False,
        origin=0,
        visit_count=1,
        profile=None,
    )


def _run(*feed: tuple[SafariVisit, Provenance]) -> list[Finding]:
    det = SafariRedirect()
    found: list[Finding] = []
    for record, prov in feed:
        found.extend(det.feed(record, prov))
    found.extend(det.finish())
    return found


def test_fast_http_redirect_to_other_domain() -> None:
    exploit = "https://bun54l2b67.get1tn0w.free247downloads.example:30495/szev4hz"
    origin = _visit(7, "http://yahoo.fr/", T0, dst=8)
    target = _visit(8, exploit, T0 + timedelta(milliseconds=3), src=7)
    unrelated = _visit(9, "https://www.example.org/", T0 + timedelta(seconds=5))
    found = _run((origin, _prov()), (target, _prov()), (unrelated, _prov()))
    assert len(found) == 1
    hit = found[0]
    assert hit.detector == "safari_redirect" and hit.severity is Severity.MEDIUM
    assert hit.record is origin and hit.ts == T0 and hit.value == exploit
    assert hit.related == ((target, _prov()),)
    assert "http://yahoo.fr/" in hit.message and exploit in hit.message
    assert "3 ms" in hit.message


def test_destination_seen_first_and_one_sided_link() -> None:
    # ids out of order, and the destination does not point back at its source
    target = _visit(3, "https://evil.example/x", T0 + timedelta(milliseconds=400))
    origin = _visit(4, "HTTP://news.example/", T0, dst=3)
    assert _run((target, _prov()), (origin, _prov())) == []  # target had no link: not kept
    found = _run((origin, _prov()), (target, _prov()))
    assert len(found) == 1 and "400 ms" in found[0].message


def test_chain_is_judged_link_by_link() -> None:
    a = _visit(1, "http://a.example/", T0, dst=2)
    b = _visit(2, "http://b.example/", T0 + timedelta(milliseconds=10), src=1, dst=3)
    c = _visit(3, "https://c.example/", T0 + timedelta(milliseconds=20), src=2)
    found = _run((a, _prov()), (b, _prov()), (c, _prov()))
    assert [(f.record.visit_id, f.related[0][0].visit_id) for f in found] == [(1, 2), (2, 3)]  # type: ignore[attr-defined]


def test_negatives() -> None:
    cases = [
        # HTTPS origin: not an injection point
        (_visit(1, "https://a.example/", T0, dst=2), _visit(2, "https://b.example/", T0, src=1)),
        # upgrade to HTTPS on the same host, with and without www.
        (_visit(1, "http://a.example/", T0, dst=2), _visit(2, "https://www.a.example/", T0, src=1)),
        (
            _visit(1, "http://www.a.example/", T0, dst=2),
            _visit(2, "https://a.example:8443/", T0, src=1),
        ),
        # too slow: a second or more
        (
            _visit(1, "http://a.example/", T0, dst=2),
            _visit(2, "https://b.example/", T0 + timedelta(seconds=1), src=1),
        ),
        # destination earlier than the origin, or no time
        (
            _visit(1, "http://a.example/", T0, dst=2),
            _visit(2, "https://b.example/", T0 - timedelta(milliseconds=5), src=1),
        ),
        (_visit(1, "http://a.example/", None, dst=2), _visit(2, "https://b.example/", T0, src=1)),
        # the destination's item is gone
        (_visit(1, "http://a.example/", T0, dst=2), _visit(2, None, T0, src=1)),
    ]
    for origin, target in cases:
        assert _run((origin, _prov()), (target, _prov())) == [], (origin.url, target.url)


def test_ids_are_per_database() -> None:
    other = "/private/var/mobile/Library/Safari/Profiles/ABC/History.db"
    origin = _visit(1, "http://a.example/", T0, dst=2)
    target = _visit(2, "https://b.example/", T0, src=1)
    assert _run((origin, _prov()), (target, _prov(other))) == []


def test_state_is_released() -> None:
    det = SafariRedirect()
    for vid in range(1, 2001, 2):
        list(det.feed(_visit(vid, "https://a.example/", T0, dst=vid + 1), _prov()))
        list(det.feed(_visit(vid + 1, "https://a.example/b", T0, src=vid), _prov()))
        list(det.feed(_visit(vid + 10_000, "https://plain.example/", T0), _prov()))
    assert det._pending == {} and det._expect == {}


def test_sites_are_compared_as_registrable_domains() -> None:
    def judged(src: str, dst: str) -> int:
        origin = _visit(1, src, T0, dst=2)
        target = _visit(2, dst, T0 + timedelta(milliseconds=4), src=1)
        return len(_run((origin, _prov()), (target, _prov())))

    # Same site under a two-label public suffix, or another subdomain of it: not injections.
    assert judged("http://news.bbc.co.uk/", "https://www.bbc.co.uk/news") == 0
    assert judged("http://m.lemonde.fr/", "https://www.lemonde.fr/") == 0
    # Different sites: on shared hosting suffixes (Public Suffix List), other domains, or IPs.
    assert judged("http://alice.github.io/", "https://mallory.github.io/x") == 1
    assert judged("http://www.lemonde.fr/", "https://a.b.free247downloads.com:30495/x") == 1
    assert judged("http://192.0.2.1/", "https://192.0.2.9/") == 1
    assert judged("http://192.0.2.1/", "https://192.0.2.1:8443/") == 0
