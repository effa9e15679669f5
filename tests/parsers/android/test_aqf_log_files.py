from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.files import FileEntry
from tracehound.core.registry import Artifact, artifacts
from tracehound.parsers.android.aqf_log_files import LogFile
from tracehound.parsers.common.runner import parse_listing

T0 = datetime(2024, 3, 10, 13, 31, 5, tzinfo=UTC)


def get_artifact(name: str) -> Artifact:
    return next(a for a in artifacts() if a.name == name)


def test_listing() -> None:
    entries = [
        FileEntry("androidqf:logs", is_dir=True),
        FileEntry("androidqf:logs/data/anr", is_dir=True),
        FileEntry("androidqf:logs/data/anr/anr_2024-03-10-14-31-05-001", False, 5120, T0),
        FileEntry("androidqf:logs/proc/last_kmsg", False, 0, T0),
        FileEntry("androidqf:getprop.txt", False, 10, T0),
        FileEntry("bugreport:FS/data/anr/anr_x", False, 10, T0),
    ]
    found, ctx = parse_listing(get_artifact("android.aqf_log_files"), entries)
    records = [r for r in found if isinstance(r, LogFile)]
    assert len(records) == len(found)
    assert ctx.warnings == 0
    assert [(r.path, r.stored_as, r.size, r.ts) for r in records] == [
        (
            "/data/anr/anr_2024-03-10-14-31-05-001",
            "androidqf:logs/data/anr/anr_2024-03-10-14-31-05-001",
            5120,
            T0,
        ),
        ("/proc/last_kmsg", "androidqf:logs/proc/last_kmsg", 0, T0),
    ]


def test_file_without_time_is_a_counted_warning() -> None:
    entries = [
        FileEntry("androidqf:logs/proc/kmsg", False, 0, None),
        FileEntry("androidqf:logs/", False, 0, T0),  # no file name: not a log file
    ]
    found, ctx = parse_listing(get_artifact("android.aqf_log_files"), entries)
    assert [(r.path, r.ts) for r in found] == [("/proc/kmsg", None)]
    assert ctx.warnings == 1 and "no modification time" in ctx.messages[0]


def test_empty_listing() -> None:
    records, ctx = parse_listing(get_artifact("android.aqf_log_files"), [])
    assert records == [] and ctx.warnings == 0
