"""End to end: one infected phone as a dump folder, tar, tar.gz and zip: the same detections."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ffs import FilesystemWriter, pack_tar, pack_zip
from tracehound.demo.ios import datausage, sms, webkit_website_data
from tracehound.demo.ios.webkit_website_data import Origin
from tracehound.pipeline import CheckOptions, run_check
from tracehound.store.records import artifact_records

WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
INJECTION = datetime(2021, 7, 12, 9, 14, 3, tzinfo=UTC)
SMS_LINK = "https://urlpush.net/n8Kd2xq"  # bundled pegasus.stix2
EXPLOIT = "https://bun54l2b67.get1tn0w.free247downloads.com:30495"  # bundled pegasus.stix2
DROPPED = "com.apple.xpc.roleaccountd.staging/bh"  # "bh": a Pegasus process name


def _write_dump(root: Path) -> Path:
    writer = FilesystemWriter(root, WHEN)
    processes = [
        {
            "Z_PK": 1,
            "ZPROCNAME": "locationd/com.apple.locationd",
            "ZFIRSTTIMESTAMP": to_cocoa(INJECTION - timedelta(days=9)),
            "ZTIMESTAMP": to_cocoa(INJECTION),
        },
        {
            "Z_PK": 2,
            "ZPROCNAME": "bh",
            "ZFIRSTTIMESTAMP": to_cocoa(INJECTION),
            "ZTIMESTAMP": to_cocoa(INJECTION),
        },
    ]
    usage = [
        {
            "Z_PK": n,
            "ZHASPROCESS": n,
            "ZTIMESTAMP": to_cocoa(INJECTION),
            "ZWIFIIN": 10.0,
            "ZWIFIOUT": 1.0,
            "ZWWANIN": 0.0,
            "ZWWANOUT": 0.0,
        }
        for n in (1, 2)
    ]
    writer.add_built(
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        lambda p: datausage.write(p, processes, usage),
        birth=INJECTION,
    )
    messages = [
        {
            "ROWID": 1,
            "handle_id": 1,
            "text": f"Your parcel is held, pay: {SMS_LINK}",
            "date": int(to_cocoa(INJECTION) * 1e9),
        }
    ]
    writer.add_built(
        "HomeDomain",
        "Library/SMS/sms.db",
        lambda p: sms.write(
            p, messages, handles=[{"ROWID": 1, "id": "+12025550199", "service": "SMS"}]
        ),
        birth=INJECTION,
    )
    writer.add("DatabaseDomain", DROPPED, b"\xcf\xfa\xed\xfe", birth=INJECTION)
    webkit_website_data.add(writer, "HomeDomain", indexeddb=[Origin(EXPLOIT, INJECTION)])
    writer.finish({"ProductVersion": "14.6", "BuildVersion": "18F72"})
    return root


def _key(d: dict[str, Any]) -> tuple[str, str, str, str]:
    label = d["indicator"]["value"] if d["type"] == "indicator" else d["detector"]
    return (d["type"], d["artifact"], d["severity"], label)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Path]]:
    base = tmp_path_factory.mktemp("ffs-check")
    folder = _write_dump(base / "dump")
    targets = {
        "folder": folder,
        "tar": pack_tar(folder, base / "dump.tar"),
        "tar.gz": pack_tar(folder, base / "dump.tar.gz", gz=True, prefix="filesystem1"),
        "zip": pack_zip(folder, base / "dump.zip", prefix="filesystem"),
    }
    out = {}
    for name, target in targets.items():
        result = run_check(CheckOptions(target=target, output=base / f"out-{name}"))
        out[name] = (result, target)
    return out


def test_same_detections_from_folder_tar_and_zip(runs: dict[str, tuple[Any, Path]]) -> None:
    keys = {name: Counter(_key(d) for d in r.detections) for name, (r, _) in runs.items()}
    expected = {
        ("indicator", "ios.datausage", "critical", "bh"),
        ("indicator", "ios.filesystem", "critical", "bh"),
        ("indicator", "ios.sms", "high", "urlpush.net"),
        ("indicator", "ios.webkit_indexeddb", "high", "free247downloads.com"),
    }
    assert expected <= set(keys["folder"]), keys["folder"]
    assert keys["tar"] == keys["folder"]
    assert keys["tar.gz"] == keys["folder"]
    assert keys["zip"] == keys["folder"]
    for result, _ in runs.values():
        assert result.exit_code == 1
        hit = next(d for d in result.detections if d["artifact"] == "ios.filesystem")
        assert hit["record"]["path"] == f"/private/var/db/{DROPPED}"


def test_runs_are_complete_and_evidence_unchanged(runs: dict[str, tuple[Any, Path]]) -> None:
    for name, (result, target) in runs.items():
        run = json.loads((result.output / "run.json").read_text())
        assert run["evidence_check"]["unchanged"], name
        assert run["acquisition"]["kind"] == "ios_fs" and run["acquisition"]["errors"] == []
        assert run["acquisition"]["os_version"] == "14.6"
        assert run["acquisition"]["dump_format"] == name
        inputs = {i["device_path"]: i for i in run["inputs"]}
        usage = inputs["/private/var/wireless/Library/Databases/DataUsage.sqlite"]
        if name == "folder":
            assert "origin" not in usage
        else:
            assert usage["origin"] == str(target) and len(usage["origin_sha256"]) == 64
        states = {name: a["status"] for name, a in run["artifacts"].items()}
        for art in ("ios.filesystem", "ios.webkit_indexeddb", "ios.datausage", "ios.sms"):
            assert states[art] == "ran", (name, art)
        assert run["artifacts"]["ios.filesystem"]["warnings"] == 0
        assert not [a for a, s in states.items() if s == "error"], (name, states)
        paths = {rec["path"] for rec in artifact_records(result.output, "ios.filesystem")}
        assert f"/private/var/db/{DROPPED}" in paths and "/private/var/mobile/Library/SMS" in paths
