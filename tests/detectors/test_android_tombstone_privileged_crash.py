from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.demo.android import containers as c
from tracehound.demo.android.tombstones import render_proto, render_text
from tracehound.detectors.android_tombstone_privileged_crash import TombstonePrivilegedCrash
from tracehound.parsers.android.tombstones import Tombstone
from tracehound.pipeline import CheckOptions, run_check

PROV = Provenance(source="bugreport", path="bugreport:FS/data/tombstones/tombstone_00",
                  sha256=None, parser="android.tombstones", parser_version="1")  # fmt: skip
WHEN = datetime(2024, 5, 6, 9, 12, 40, tzinfo=UTC)


def crash(**kw: Any) -> Tombstone:
    values: dict[str, Any] = {
        "ts": WHEN, "file_name": "tombstone_00", "format": "text", "build_fingerprint": None,
        "revision": None, "arch": "arm64", "process_uptime": 3, "pid": 612, "tid": 640,
        "uid": 1000, "selinux_label": None, "process_name": "RenderEngine",
        "binary_path": "/system/bin/surfaceflinger", "command_line": "/system/bin/surfaceflinger",
        "command_basename": "surfaceflinger", "signal": "SIGSEGV", "signal_number": 11,
        "code": 1, "code_name": "SEGV_MAPERR", "fault_addr": "0x0", "sender_pid": None,
        "sender_uid": None, "cause": None, "abort_message": None,
    }  # fmt: skip
    values.update(kw)
    return Tombstone(**values)


def test_privileged_uids_are_medium() -> None:
    det = TombstonePrivilegedCrash()
    for uid, who in ((0, "root"), (1000, "system"), (2000, "shell")):
        found = list(det.feed(crash(uid=uid), PROV))
        assert [(f.severity, f.value, f.ts, f.detector) for f in found] == [
            (Severity.MEDIUM, "RenderEngine", WHEN, "android_tombstone_privileged_crash")
        ]
        message = found[0].message
        assert f"uid {uid} ({who})" in message and "SIGSEGV" in message
        assert "RenderEngine (/system/bin/surfaceflinger)" in message
        assert "tombstone_00" in message


def test_other_uids_and_unknown_uid_are_ignored() -> None:
    det = TombstonePrivilegedCrash()
    assert list(det.feed(crash(uid=10145), PROV)) == []
    assert list(det.feed(crash(uid=1001), PROV)) == []  # radio: not in MVT's list
    assert list(det.feed(crash(uid=None), PROV)) == []
    assert list(det.finish()) == []


def test_message_without_names_or_signal() -> None:
    det = TombstonePrivilegedCrash()
    found = list(det.feed(crash(uid=0, process_name=None, binary_path=None, signal=None,
                                signal_number=None), PROV))  # fmt: skip
    assert found[0].value == "an unknown process"
    assert "no signal" in found[0].message and "uid 0 (root)" in found[0].message


def test_bugreport_end_to_end(tmp_path: Path) -> None:
    """A bugreport zip with a text and a protobuf tombstone: records, times and findings."""
    local = datetime(2024, 5, 6, 11, 12, 40)
    fs = {
        "FS/data/tombstones/tombstone_00": render_text(
            when=WHEN, command_line=["/system/bin/surfaceflinger"], pid=612, uid=1000,
            zone="Europe/Rome"),
        "FS/data/tombstones/tombstone_00.pb": render_proto(
            when=WHEN, command_line=["/system/bin/surfaceflinger"], pid=612, uid=1000,
            zone="Europe/Rome"),
        "FS/data/tombstones/tombstone_01": render_text(
            when=WHEN, command_line=["com.example.notes"], zone="Europe/Rome"),
    }  # fmt: skip
    report = c.write_bugreport_zip(tmp_path / "bugreport.zip", c.render_dumpstate(), fs,
                                   when=local)  # fmt: skip
    result = run_check(
        CheckOptions(target=report, output=tmp_path / "out", bundled_iocs=False, jobs=1)
    )
    arts = result.run["artifacts"]
    assert arts["android.tombstones"]["records"] == 3
    assert arts["android.tombstones"]["warnings"] == 0
    assert arts["android.bugreport_files"]["records"] == 3
    mine = [d for d in result.detections
            if d.get("detector") == "android_tombstone_privileged_crash"]  # fmt: skip
    assert sorted((d["severity"], d["value"], d["ts"]) for d in mine) == [
        ("medium", "surfaceflinger", WHEN.isoformat()),
        ("medium", "surfaceflinger", WHEN.isoformat()),
    ]
