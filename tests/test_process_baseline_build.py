"""bench/ios_process_baseline.py: what goes into the baseline and what never does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.ios_process_baseline import Collected, build, netbase

from tracehound.core.process_baseline import ProcessBaseline


def _netbase(path: Path, rows: list[tuple[str, str | None]]) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZPROCNAME TEXT, ZBUNDLENAME TEXT)"
    )
    conn.executemany("INSERT INTO ZPROCESS (ZPROCNAME, ZBUNDLENAME) VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_only_apple_processes_and_bundles_are_taken(tmp_path: Path) -> None:
    path = _netbase(
        tmp_path / "DataUsage.sqlite",
        [
            ("mDNSResponder/com.apple.datausage.dns", "com.apple.datausage.dns"),
            ("WhatsApp/net.whatsapp.WhatsApp", "net.whatsapp.WhatsApp"),
            ("1FB47783-A2FE-47D9-B256-DF50EF44BBA4/com.apple.Maps", "com.apple.Maps"),
            ("timed", None),
            ("bh", None),  # a Pegasus process name (bundled pegasus.stix2): refused
        ],
    )
    collected = Collected()
    netbase(path, "test-source", collected)
    doc = build(collected)
    assert sorted(doc["processes"]) == ["mDNSResponder", "timed"]  # type: ignore[call-overload]
    assert sorted(doc["bundles"]) == ["com.apple.Maps", "com.apple.datausage.dns"]  # type: ignore[call-overload]
    assert doc["refused_spyware_names"] == ["bh"]
    baseline = ProcessBaseline.from_json(doc)
    assert baseline.why_known("bh", None) is None
    assert build(collected, ["test-source"])["processes"] == {}
