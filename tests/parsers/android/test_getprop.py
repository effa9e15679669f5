from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import getprop

DEVICE = {"timezone": "Europe/Paris", "acquired": "2024-03-10T14:30:00+01:00"}
ACQUIRED = datetime(2024, 3, 10, 13, 30, tzinfo=UTC)


def _write(tmp_path: Path, data: bytes, name: str = "getprop.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_getprop_txt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    props = getprop.device_properties(security_patch="2023-01-05")
    data = getprop.render(props) + b"[persist.vendor.note]: [line one\nline two]\n[x.empty]: []\n"
    records, ctx = parse("android.getprop", _write(tmp_path, data), device=DEVICE)
    assert ctx.warnings == 0
    assert len(records) == len(props) + 2
    by_name = {r.name: r for r in records}
    patch = by_name["ro.build.version.security_patch"]
    assert patch.value == "2023-01-05" and patch.origin == "getprop" and patch.ts is None
    assert patch.acquired == ACQUIRED
    assert by_name["persist.sys.timezone"].value == "Europe/Paris"
    assert by_name["persist.vendor.note"].value == "line one\nline two"
    assert by_name["x.empty"].value == ""
    assert records[0].name == "dalvik.vm.heapsize" and records[0].row == 1


def test_dumpstate_section_only(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = (
        "========================================================\n"
        "== dumpstate: 2024-03-10 14:31:02\n"
        "------ UPTIME (uptime) ------\n[not.a.prop]: [before]\n"
        "------ 0.01s was the duration of 'UPTIME' ------\n"
        + getprop.dumpstate_section({"ro.build.version.sdk": "33", "ro.debuggable": "0"})
        + "------ KERNEL LOG (dmesg) ------\n[after.section]: [no]\n"
    )
    path = _write(tmp_path, text.encode(), "dumpstate.txt")
    records, ctx = parse("android.getprop", path, "bugreport:dumpstate.txt")
    assert ctx.warnings == 0
    assert [(r.name, r.value, r.origin) for r in records] == [
        ("ro.build.version.sdk", "33", "dumpstate"),
        ("ro.debuggable", "0", "dumpstate"),
    ]
    assert records[0].row == 7 and records[0].acquired is None


def test_naive_acquisition_time_uses_device_zone(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    device = {"timezone": "America/New_York", "acquired": "2024-07-01T09:00:00"}
    records, _ = parse("android.getprop", _write(tmp_path, b"[a]: [b]\n"), device=device)
    assert records[0].acquired == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)


def test_acquisition_time_from_source_fact_names(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, b"[a]: [b]\n")
    for facts in (
        {"acquisition_started": "2024-03-10T13:30:00+00:00"},
        {"bugreport_date": "2024-03-10T13:30:00+00:00", "acquisition_started": None},
    ):
        records, ctx = parse("android.getprop", path, device=facts)
        assert records[0].acquired == ACQUIRED and ctx.warnings == 0


def test_broken_lines_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = "[ok.one]: [1]\njunk line\n[open.value]: [never closed\n[ok.two]: [2]\n[tail]: [x\n"
    records, ctx = parse(
        "android.getprop", _write(tmp_path, text.encode()), device={"acquired": "soon"}
    )
    assert [(r.name, r.value) for r in records] == [
        ("ok.one", "1"),
        ("open.value", "never closed"),
        ("ok.two", "2"),
        ("tail", "x"),
    ]
    # junk line, unclosed open.value, unclosed tail, bad acquisition time
    assert ctx.warnings == 4


def test_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="property line"):
        parse("android.getprop", _write(tmp_path, b"getprop: not found\n"))
    path = _write(tmp_path, b"== dumpstate: 2024-03-10\n------ UPTIME ------\n", "d.txt")
    with pytest.raises(SchemaMismatch, match="SYSTEM PROPERTIES"):
        parse("android.getprop", path, "bugreport:dumpstate.txt")


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="binary"):
        parse("android.getprop", _write(tmp_path, b"PK\x03\x04\x00\x00garbage"))
