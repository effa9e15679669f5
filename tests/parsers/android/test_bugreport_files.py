from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.core.files import FileEntry
from tracehound.core.registry import Artifact, artifacts
from tracehound.demo.android import containers as c
from tracehound.parsers.android.bugreport_files import BugreportFile
from tracehound.parsers.common.runner import parse_listing
from tracehound.sources.base import SourceOptions
from tracehound.sources.detect import open_source

T0 = datetime(2024, 3, 10, 13, 31, 4, tzinfo=UTC)
ENTRIES = [
    FileEntry("bugreport:FS", is_dir=True),
    FileEntry("bugreport:FS/data/tombstones", is_dir=True),
    FileEntry("bugreport:FS/data/tombstones/tombstone_00", False, 40960, T0),
    FileEntry("bugreport:FS/data/tombstones/tombstone_00.pb", False, 12288, T0),
    FileEntry("bugreport:FS/proc/1/mountinfo", False, 0, None),
    FileEntry("bugreport:main_entry.txt", False, 30, T0),
    FileEntry("bugreport:dumpstate.txt", False, 10, T0),
    FileEntry("androidqf:logs/data/anr/anr_1", False, 10, T0),
]


def get_artifact() -> Artifact:
    return next(a for a in artifacts() if a.name == "android.bugreport_files")


def test_listing() -> None:
    found, ctx = parse_listing(get_artifact(), ENTRIES, {"timezone": "Europe/Paris"})
    assert all(isinstance(r, BugreportFile) for r in found)
    assert ctx.warnings == 0
    assert [(r.path, r.stored_as, r.size, r.ts) for r in found] == [  # type: ignore[attr-defined]
        ("/data/tombstones/tombstone_00", "bugreport:FS/data/tombstones/tombstone_00", 40960, T0),
        ("/data/tombstones/tombstone_00.pb", "bugreport:FS/data/tombstones/tombstone_00.pb",
         12288, T0),
        ("/proc/1/mountinfo", "bugreport:FS/proc/1/mountinfo", 0, None),
    ]  # fmt: skip


def test_unknown_zone_is_said_once_for_a_zip() -> None:
    found, ctx = parse_listing(get_artifact(), ENTRIES, {"kind": "bugreport", "container": "zip"})
    assert len(found) == 3 and ctx.warnings == 1 and "taken as UTC" in ctx.messages[0]
    unpacked = {"kind": "bugreport", "container": "folder"}
    _, ctx = parse_listing(get_artifact(), ENTRIES, unpacked)
    assert ctx.warnings == 0  # real file times


def test_empty_listing() -> None:
    records, ctx = parse_listing(get_artifact(), [])
    assert records == [] and ctx.warnings == 0


def test_bugreport_zip_times_in_device_zone(tmp_path: Path) -> None:
    """From a real bugreport zip: DOS times are device local (persist.sys.timezone Europe/Rome)."""
    zip_path = c.write_bugreport_zip(
        tmp_path / "bugreport.zip",
        c.render_dumpstate(),
        {"FS/data/tombstones/tombstone_00": b"*** ***\n"},
        when=datetime(2024, 5, 6, 11, 38, 2),
    )
    source = open_source(zip_path, SourceOptions())
    try:
        facts = source.facts()
        found, ctx = parse_listing(get_artifact(), source.entries(), facts)
    finally:
        source.close()
    paths = [r.path for r in found]  # type: ignore[attr-defined]
    assert paths == ["/data/tombstones/tombstone_00"]
    assert facts["timezone"] == "Europe/Rome" and ctx.warnings == 0
    assert found[0].ts == datetime(2024, 5, 6, 9, 38, 2, tzinfo=UTC)  # 11:38:02 CEST
