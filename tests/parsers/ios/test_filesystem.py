"""ios.filesystem: one record per file and folder; path and process indicators on the path."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

from tests.conftest import get_artifact
from tracehound.core.files import FileEntry
from tracehound.core.records import semantic_fields
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.stix import Indicator, IocKind
from tracehound.parsers.common.runner import parse_listing
from tracehound.parsers.ios.filesystem import FilesystemEntry

T0 = datetime(2021, 7, 12, 9, 14, 9, 500000, tzinfo=UTC)
T1 = datetime(2021, 7, 1, 0, 0, tzinfo=UTC)
DROPPED = "/private/var/db/com.apple.xpc.roleaccountd.staging/bh"


def _entries() -> list[FileEntry]:
    return [
        FileEntry("/private", True, None, T1, stat.S_IFDIR | 0o755),
        FileEntry("/private/var/db", True, None, T1, stat.S_IFDIR | 0o755),
        FileEntry(DROPPED, False, 51234, T0, stat.S_IFREG | 0o755),
        FileEntry("/private/var/mobile/Library/SMS/sms.db", False, 4096, T1, stat.S_IFREG | 0o644),
        FileEntry("/private/var/implied", True, None, None, None),  # a zip without folder entries
    ]


def test_good() -> None:
    records, ctx = parse_listing(get_artifact("ios.filesystem"), _entries())
    assert ctx.warnings == 0
    assert len(records) == 5
    by_path = {r.path: r for r in records}
    dropped = by_path[DROPPED]
    assert isinstance(dropped, FilesystemEntry)
    assert dropped.ts == T0 and dropped.size == 51234 and not dropped.is_dir
    assert dropped.mode == stat.S_IFREG | 0o755
    assert by_path["/private"].is_dir and by_path["/private"].size is None
    assert by_path["/private/var/implied"].ts is None


def test_broken_times_are_warnings() -> None:
    entries = [
        FileEntry("/private/var/mobile/a", False, 1, None, None),
        FileEntry("/private/var/mobile/b", False, 1, T0, None),
    ]
    records, ctx = parse_listing(get_artifact("ios.filesystem"), entries)
    assert len(records) == 2 and ctx.warnings == 1
    assert "no valid modification time" in ctx.messages[0]


def test_only_for_filesystem_dumps() -> None:
    art = get_artifact("ios.filesystem")
    assert art.input == "listing" and art.sources == ("ios_fs",) and art.paths == ("/**",)


def _indicator(key: str, kind: IocKind, value: str) -> Indicator:
    return Indicator(f"indicator--{key}", kind, value, value, "x", ("Pegasus",), "t.stix2")


def test_process_indicator_equal_to_a_path_component_matches() -> None:
    """MVT's check: a process indicator equal to any component; not a 16-character prefix."""
    assert [(n, k.value) for n, k, _ in semantic_fields(FilesystemEntry)] == [("path", "exec_path")]
    index = IndicatorIndex.build(
        [
            _indicator("bh", IocKind.PROCESS, "bh"),
            _indicator("long", IocKind.PROCESS, "com.apple.Mappit.SnapshotService"),
            _indicator("file", IocKind.FILE_NAME, "roleaccountd.plist"),
        ]
    )
    records, _ = parse_listing(
        get_artifact("ios.filesystem"),
        [
            FileEntry(DROPPED, False, 1, T0, None),
            FileEntry("/private/var/mobile/Library/Caches/com.apple.Mappit/x", False, 1, T0, None),
            FileEntry(
                "/private/var/mobile/Library/Preferences/roleaccountd.plist", False, 1, T0, None
            ),
        ],
    )
    found = [[m.indicator.id for m in index.match_record(r)] for r in records]
    assert found == [["indicator--bh"], [], ["indicator--file"]]
