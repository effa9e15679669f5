from __future__ import annotations

import plistlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import shortcuts as sc

T0 = datetime(2022, 8, 1, 6, 30, 0, 125000, tzinfo=UTC)
T1 = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)

OPEN = sc.action("is.workflow.actions.openurl", WFInput="https://intranet.example/daily")
GET = sc.action(
    "is.workflow.actions.downloadurl",
    WFURL={
        "Value": {"string": "see https://api.example/v1?x=1.", "attachmentsByRange": {}},
        "WFSerializationType": "WFTextTokenString",
    },
    WFHTTPMethod="POST",
    ShowHeaders=True,
)
TEXT = sc.action("is.workflow.actions.gettext", WFTextActionText="no links here")


def _db(tmp_path: Path, minimal: bool = False) -> Path:
    path = tmp_path / "Shortcuts.sqlite"
    sc.write(
        path,
        [
            {
                "Z_PK": 1,
                "ZNAME": "Morning",
                "ZCREATIONDATE": to_cocoa(T0),
                "ZMODIFICATIONDATE": to_cocoa(T1),
                "ZACTIONSDESCRIPTION": "Open URLs",
                "ZASSOCIATEDAPPBUNDLEIDENTIFIER": "com.example.app",
                "actions": [OPEN, GET, TEXT],
            },
            {  # the .shortcut file layout, and a repeated URL
                "Z_PK": 2,
                "ZNAME": "Wrapped",
                "ZCREATIONDATE": to_cocoa(T1),
                "ZDATA": sc.action_data([OPEN, OPEN], wrapped=True),
            },
            {"Z_PK": 3, "ZNAME": "Empty", "ZDATA": None},
        ],
        minimal=minimal,
    )
    return path


@pytest.mark.parametrize("minimal", [False, True])
def test_good(tmp_path: Path, parse, minimal: bool) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.shortcuts", _db(tmp_path, minimal))
    assert ctx.warnings == 0
    assert [r.name for r in records] == ["Morning", "Wrapped", "Empty"]
    morning, wrapped, empty = records
    assert morning.ts == T0 and morning.modified == T1 and morning.row == 1
    assert morning.action_count == 3
    assert morning.action_ids == (
        "is.workflow.actions.openurl",
        "is.workflow.actions.downloadurl",
        "is.workflow.actions.gettext",
    )
    assert morning.action_urls == ("https://intranet.example/daily", "https://api.example/v1?x=1")
    assert morning.workflow_id and morning.workflow_id == morning.workflow_id.upper()
    if minimal:
        assert morning.description is None and morning.associated_app is None
        assert morning.tombstoned is None
    else:
        assert morning.description == "Open URLs" and morning.associated_app == "com.example.app"
        assert morning.tombstoned is False
    assert wrapped.ts == T1 and wrapped.action_count == 2
    assert wrapped.action_urls == ("https://intranet.example/daily",)
    assert empty.action_count == 0 and empty.action_urls == () and empty.ts is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Shortcuts.sqlite"
    sc.write(
        path,
        [
            {"Z_PK": 1, "ZNAME": "Broken plist", "ZDATA": b"bplist00\x00garbage"},
            {
                "Z_PK": 2,
                "ZNAME": "Dict",
                "ZDATA": plistlib.dumps({"a": 1}, fmt=plistlib.FMT_BINARY),
            },
            {"Z_PK": 3, "ZNAME": "Odd", "ZCREATIONDATE": "x", "ZDATA": sc.action_data([OPEN])},
            {"Z_PK": 4, "ZNAME": "Not an action", "ZDATA": plistlib.dumps(["s", OPEN])},
        ],
    )
    records, ctx = parse("ios.shortcuts", path)
    assert [r.action_count for r in records] == [0, 0, 1, 2]
    assert records[2].ts is None and records[2].action_urls == ("https://intranet.example/daily",)
    assert records[3].action_urls == ("https://intranet.example/daily",)
    assert ctx.warnings == 4  # bad plist; dict without actions; ZCREATIONDATE; string action


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Shortcuts.sqlite"
    sqlite3.connect(path).executescript("CREATE TABLE ZSHORTCUTACTIONS (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table ZSHORTCUT"):
        parse("ios.shortcuts", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "Shortcuts.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 4)
    with pytest.raises(InputError):
        parse("ios.shortcuts", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.shortcuts"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(device_path("HomeDomain", "Library/Shortcuts/Shortcuts.sqlite"))
    assert globs.matches("/private/var/mobile/Library/Shortcuts/Shortcuts.sqlite")


def test_actions_table_without_z_pk(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/fuzz: the actions were ordered by ZSHORTCUTACTIONS.Z_PK, and without that
    column sqlite3.OperationalError escaped; they are ordered by rowid (which Z_PK aliases)."""
    path = _db(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE ZSHORTCUTACTIONS RENAME COLUMN Z_PK TO Z_PK_gone")
    conn.commit()
    conn.close()
    records, ctx = parse("ios.shortcuts", path)
    assert ctx.warnings == 0
    assert [(r.name, r.action_count) for r in records] == [
        (r.name, r.action_count) for r in parse("ios.shortcuts", _db(tmp_path / "x"))[0]
    ]
