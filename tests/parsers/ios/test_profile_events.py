from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import profile_events
from tracehound.demo.ios.profile_events import ProfileEvent

T0 = datetime(2021, 6, 1, 10, 0, 0, tzinfo=UTC)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "MCProfileEvents.plist"
    profile_events.write(
        path,
        [
            ProfileEvent("com.example.wifi", T0, "install", "Preferences"),
            ProfileEvent(
                "com.example.wifi",
                T0.replace(hour=11),
                "remove",
                "/usr/libexec/mdmd",
                extra={"Source": "MDM"},
            ),
            ProfileEvent("com.apple.basebandlogging", None, "install", None),
        ],
    )
    records, ctx = parse("ios.profile_events", path)
    assert ctx.warnings == 0
    assert len(records) == 3
    first, second, third = records
    assert first.ts == T0 and first.profile_id == "com.example.wifi"
    assert (first.operation, first.process, first.process_path) == ("install", "Preferences", None)
    assert first.index == 0 and first.other == ()
    assert second.ts == datetime(2021, 6, 1, 11, 0, 0, tzinfo=UTC)
    assert (second.operation, second.process) == ("remove", "mdmd")
    assert second.process_path == "/usr/libexec/mdmd" and second.other == ("source=MDM",)
    assert third.ts is None and third.process is None and third.index == 2


def test_several_profiles_in_one_entry(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """MVT reads only the first key of each entry; every key is an event here."""
    path = tmp_path / "MCProfileEvents.plist"
    stamp = T0.replace(tzinfo=None)
    entry = {
        "a.profile": {"timestamp": stamp, "operation": "install", "process": "profiled"},
        "b.profile": {"Timestamp": stamp, "Operation": "install", "Process": "profiled"},
    }
    profile_events.write(path, [], raw_events=[entry])
    records, ctx = parse("ios.profile_events", path)
    assert ctx.warnings == 0
    assert [(r.profile_id, r.ts, r.operation) for r in records] == [
        ("a.profile", T0, "install"),
        ("b.profile", T0, "install"),
    ]


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "MCProfileEvents.plist"
    profile_events.write(
        path,
        [
            ProfileEvent("ok.profile", T0),
            ProfileEvent("bad.time", None, extra={"timestamp": "noon"}),
            ProfileEvent("bad.process", T0, process=None, extra={"process": 7}),
        ],
        raw_events=["not a dict", {}, {"body.not.dict": "x"}],
    )
    records, ctx = parse("ios.profile_events", path)
    assert [r.profile_id for r in records] == [
        "ok.profile",
        "bad.time",
        "bad.process",
        "body.not.dict",
    ]
    assert records[0].ts == T0 and records[1].ts is None and records[2].process is None
    assert records[3].operation is None
    assert ctx.warnings == 5


def test_missing_key_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "MCProfileEvents.plist"
    path.write_bytes(plistlib.dumps({"Events": []}))
    with pytest.raises(SchemaMismatch, match="ProfileEvents"):
        parse("ios.profile_events", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "MCProfileEvents.plist"
    path.write_bytes(b"bplist00\x00\x01\x02")
    with pytest.raises(InputError):
        parse("ios.profile_events", path)
