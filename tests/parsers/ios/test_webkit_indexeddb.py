"""ios.webkit_indexeddb: origins decoded from IndexedDB folder names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import get_artifact
from tracehound.core.files import FileEntry
from tracehound.demo.ffs import FilesystemWriter, container_uuid
from tracehound.demo.ios import webkit_website_data
from tracehound.demo.ios.webkit_website_data import Origin
from tracehound.parsers.common.runner import parse_listing
from tracehound.parsers.ios.webkit_indexeddb import WebkitIndexedDB
from tracehound.sources.ios_fs import FolderDump, Layout

T0 = datetime(2021, 7, 12, 9, 14, 3, tzinfo=UTC)
T1 = datetime(2021, 6, 2, 10, 0, tzinfo=UTC)
APP = "/private/var/mobile/Containers/Data/Application/0A1B-2C3D/Library/WebKit/WebsiteData"
SVS = (
    "/private/var/mobile/Containers/Data/Application/0A1B-2C3D/SystemData/"
    "com.apple.SafariViewService/Library/WebKit/WebsiteData"
)


def _dump(tmp_path: Path) -> FolderDump:
    writer = FilesystemWriter(tmp_path / "dump", T1)
    webkit_website_data.add(
        writer,
        "AppDomain-com.example.news",
        indexeddb=[
            Origin("https://www.example.com", T1),
            Origin(
                "https://bun54l2b67.get1tn0w.free247downloads.com:30495",
                T0,
                "https://www.example.com",
            ),
        ],
    )
    webkit_website_data.add(writer, "HomeDomain", indexeddb=[Origin("http://evil.com", T0)])
    webkit_website_data.add(
        writer,
        "AppDomain-com.example.mail",
        indexeddb=[Origin("https://in-app.example.org", T1)],
        base=webkit_website_data.SAFARI_VIEW_SERVICE_BASE,
    )
    writer.finish({"ProductVersion": "14.6", "BuildVersion": "18F72"})
    return FolderDump(tmp_path / "dump", Layout("", ""))


def test_good_from_a_written_dump(tmp_path: Path) -> None:
    records, ctx = parse_listing(get_artifact("ios.webkit_indexeddb"), _dump(tmp_path).entries())
    assert ctx.warnings == 0
    got = sorted((r.url, r.top_url, r.store, r.is_dir, r.ts) for r in records)
    # v1 layout: a folder per top-frame origin, in it one per frame origin; a first-party
    # frame folder (same origin as its top) adds nothing to its top folder's record
    assert got == [
        ("http://evil.com", None, "IndexedDB/v1", True, T0),
        (
            "https://bun54l2b67.get1tn0w.free247downloads.com:30495",
            "https://www.example.com",
            "IndexedDB/v1",
            True,
            T0,
        ),
        ("https://www.example.com", None, "IndexedDB/v1", True, T0),
    ]
    app = container_uuid("AppDomain-com.example.news")
    bad = next(r for r in records if "free247" in r.url)
    assert isinstance(bad, WebkitIndexedDB)
    assert bad.container == app
    assert bad.path.endswith(
        "/IndexedDB/v1/https_www.example.com_0/https_bun54l2b67.get1tn0w.free247downloads.com_30495"
    )
    safari = [r for r in records if r.url == "http://evil.com"]
    assert all(r.container is None for r in safari)  # Safari's own data in the home folder
    assert not any("in-app" in r.url for r in records)  # SafariViewService: its own artifact


def test_legacy_layout_and_broken_names() -> None:
    entries = [
        FileEntry(f"{APP}/IndexedDB", True, None, T1),
        FileEntry(f"{APP}/IndexedDB/https_www.example.com_0", True, None, T0),
        FileEntry(f"{APP}/IndexedDB/https_www.example.com_0/IndexedDB.sqlite3", False, 10, T0),
        FileEntry(f"{APP}/IndexedDB/https_noport", True, None, T0),
        FileEntry(f"{APP}/IndexedDB/http_evil.com_123456", True, None, T0),
        FileEntry(f"{APP}/IndexedDB/v1", True, None, T0),
        FileEntry(f"{APP}/IndexedDB/.DS_Store", False, 1, T0),
        FileEntry(f"{SVS}/IndexedDB/https_svs.example_0", True, None, T0),
    ]
    records, ctx = parse_listing(get_artifact("ios.webkit_indexeddb"), entries)
    assert [(r.url, r.store, r.ts, r.container) for r in records] == [
        ("https://www.example.com", "IndexedDB", T0, "0A1B-2C3D")
    ]
    assert ctx.warnings == 2
    assert "https_noport" in ctx.messages[0] and "no port part" in ctx.messages[0]
    assert "port 123456 is out of range" in ctx.messages[1]
