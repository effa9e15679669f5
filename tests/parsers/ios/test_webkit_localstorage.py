"""ios.webkit_localstorage: origins decoded from LocalStorage file names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import get_artifact
from tracehound.core.files import FileEntry
from tracehound.demo.ios import webkit_website_data
from tracehound.demo.ios.webkit_website_data import Origin
from tracehound.parsers.common.runner import parse_listing
from tracehound.parsers.common.sqlite import open_readonly

T0 = datetime(2021, 7, 12, 9, 14, 3, tzinfo=UTC)
APP = "/private/var/mobile/Containers/Data/Application/0A1B-2C3D/Library/WebKit/WebsiteData"
SAFARI = "/private/var/mobile/Library/WebKit/WebsiteData"


def test_good() -> None:
    entries = [
        FileEntry(f"{APP}/LocalStorage/StorageTracker.db", False, 8192, T0),
        FileEntry(f"{APP}/LocalStorage/https_www.example.com_0.localstorage", False, 8192, T0),
        FileEntry(f"{APP}/LocalStorage/https_www.example.com_0.localstorage-wal", False, 1, T0),
        FileEntry(f"{APP}/LocalStorage/https_www.example.com_0.localstorage-shm", False, 1, T0),
        FileEntry(f"{SAFARI}/LocalStorage/http_urlpush.net_0.localstorage", False, 8192, T0),
    ]
    records, ctx = parse_listing(get_artifact("ios.webkit_localstorage"), entries)
    assert ctx.warnings == 0
    assert [(r.url, r.container, r.store, r.is_dir, r.ts) for r in records] == [
        ("https://www.example.com", "0A1B-2C3D", "LocalStorage", False, T0),
        ("http://urlpush.net", None, "LocalStorage", False, T0),
    ]


def test_broken_names_are_warnings() -> None:
    entries = [
        FileEntry(f"{APP}/LocalStorage/https_www.example.com.localstorage", False, 1, T0),
        FileEntry(f"{APP}/LocalStorage/http_%zzbad_0.localstorage", False, 1, T0),
        FileEntry(f"{APP}/LocalStorage/notes_backup.txt", False, 1, T0),
    ]
    records, ctx = parse_listing(get_artifact("ios.webkit_localstorage"), entries)
    assert records == [] and ctx.warnings == 2


def test_demo_files_are_webkit_localstorage_databases(tmp_path: Path) -> None:
    webkit_website_data.write(tmp_path, localstorage=[Origin("https://www.example.com", T0)])
    db = tmp_path / "LocalStorage/https_www.example.com_0.localstorage"
    with open_readonly(db) as conn:
        assert conn.execute("SELECT key FROM ItemTable").fetchall() == [("visited",)]
