"""Decoding WebKit origin identifiers (entry names of WebKit's website data)."""

from __future__ import annotations

import pytest

from tracehound.demo.ios.webkit_website_data import identifier
from tracehound.parsers.ios.webkit_origin import (
    BadIdentifier,
    classify,
    container_of,
    origin_url,
    storage_name,
)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("https_www.example.com_0", "https://www.example.com"),
        ("http_evil.com_0", "http://evil.com"),
        (
            "https_bun54l2b67.get1tn0w.free247downloads.com_30495",
            "https://bun54l2b67.get1tn0w.free247downloads.com:30495",
        ),
        ("http_intranet_host_8080", "http://intranet_host:8080"),  # "_" in a host: last "_" wins
        ("https_%5B%3A%3A1%5D_0", "https://[::1]"),
        ("https_example.com_", "https://example.com"),  # old WebKit: port absent
        ("safari-web-extension_0A1B2C3D_0", "safari-web-extension://0A1B2C3D"),
        ("file__0", None),
        ("v1", None),
        ("StorageTracker.db", None),
        ("some_thing", None),  # not a web origin: ignored, not a warning
    ],
)
def test_origin_url(name: str, url: str | None) -> None:
    assert origin_url(name) == url


@pytest.mark.parametrize(
    "name",
    [
        "https_nohostport",
        "http_",
        "https_evil.com_99999",
        "https_evil.com_8x",
        "https__0",
        "https_a%2Fb_0",
        "https_a%zz_0",
        "https_%00_0",
        "httpsexample.com",
    ],
)
def test_bad_web_identifiers(name: str) -> None:
    with pytest.raises(BadIdentifier):
        origin_url(name)


def test_demo_identifier_round_trips() -> None:
    for url in ("https://www.example.com", "http://evil.com:8080", "https://[::1]"):
        assert origin_url(identifier(url)) == url
    assert identifier("https://www.example.com:443/path") == "https_www.example.com_0"


def test_classify_and_helpers() -> None:
    assert classify(["IndexedDB", "https_a.com_0"]) == ("IndexedDB", "https_a.com_0", None)
    assert classify(["IndexedDB", "v1"]) is None
    assert classify(["IndexedDB", "v1", "https_a.com_0"]) == ("IndexedDB/v1", "https_a.com_0", None)
    assert classify(["IndexedDB", "v1", "https_a.com_0", "https_b.com_0"]) == (
        "IndexedDB/v1",
        "https_b.com_0",
        "https_a.com_0",
    )
    assert classify(["IndexedDB", "v1", "https_a.com_0", "https_b.com_0", "abc"]) is None
    assert classify(["LocalStorage", "https_a.com_0.localstorage"]) == (
        "LocalStorage",
        "https_a.com_0",
        None,
    )
    assert classify(["LocalStorage", "https_a.com_0.localstorage-wal"]) is None
    assert classify(["https_a.com_0"]) == (None, "https_a.com_0", None)
    assert classify(["ResourceLoadStatistics", "observations.db"]) is None
    assert storage_name("x.localstorage-shm") is None
    assert (
        container_of("/private/var/mobile/Containers/Data/Application/AB-CD/Library/x") == "AB-CD"
    )
    assert container_of("/private/var/mobile/Library/WebKit/x") is None
