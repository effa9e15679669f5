"""ios.webkit_safariviewservice: origins in apps' SafariViewService website data."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import get_artifact
from tracehound.core.files import FileEntry
from tracehound.parsers.common.runner import parse_listing

T0 = datetime(2021, 7, 12, 9, 14, 3, tzinfo=UTC)
T1 = datetime(2021, 7, 1, tzinfo=UTC)
SVS = (
    "/private/var/mobile/Containers/Data/Application/0A1B-2C3D/SystemData/"
    "com.apple.SafariViewService/Library/WebKit/WebsiteData"
)


def test_good() -> None:
    entries = [
        FileEntry(SVS, True, None, T1),
        FileEntry(f"{SVS}/https_urlpush.net_0", True, None, T0),  # MVT's direct entries
        FileEntry(f"{SVS}/LocalStorage", True, None, T1),
        FileEntry(f"{SVS}/LocalStorage/https_news.example_0.localstorage", False, 8192, T1),
        FileEntry(f"{SVS}/IndexedDB/v1/https_news.example_0/https_ads.example_0", True, None, T1),
        FileEntry(f"{SVS}/ResourceLoadStatistics/observations.db", False, 4096, T1),
    ]
    records, ctx = parse_listing(get_artifact("ios.webkit_safariviewservice"), entries)
    assert ctx.warnings == 0
    assert [(r.url, r.top_url, r.store, r.container, r.ts) for r in records] == [
        ("https://urlpush.net", None, None, "0A1B-2C3D", T0),
        ("https://news.example", None, "LocalStorage", "0A1B-2C3D", T1),
        ("https://ads.example", "https://news.example", "IndexedDB/v1", "0A1B-2C3D", T1),
    ]


def test_broken_and_unrelated_names() -> None:
    entries = [
        FileEntry(f"{SVS}/http_bad", True, None, T0),
        FileEntry(f"{SVS}/Default/5f3a/origin", False, 64, T0),
        FileEntry(
            "/private/var/mobile/Containers/Data/Application/0A1B-2C3D/Library/WebKit/WebsiteData/"
            "https_app.example_0",
            True,
            None,
            T0,
        ),
    ]
    records, ctx = parse_listing(get_artifact("ios.webkit_safariviewservice"), entries)
    assert records == [] and ctx.warnings == 1
