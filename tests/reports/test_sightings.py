"""sightings.stix2: a valid STIX 2.1 bundle of sightings of the matched indicators."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from tracehound.reports.sightings import IDENTITY_ID, build_sightings, write_sightings

from .conftest import run_check


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def assert_valid(bundle: dict[str, Any]) -> None:
    """Valid for stix2-validator in strict mode (warnings count as errors), offline."""
    options = ValidationOptions(version="2.1", strict=True)
    result = validate_instance(bundle, options)
    messages = [str(e) for e in result.errors] + [str(w) for w in result.warnings]
    assert result.is_valid and not messages, messages


def test_demo_sightings_are_valid_and_exact(demo_results: Path) -> None:
    bundle = load(demo_results / "sightings.stix2")
    assert_valid(bundle)
    detections = [
        json.loads(line)
        for line in (demo_results / "detections.jsonl").read_text().splitlines()
        if '"type":"indicator"' in line
    ]
    sightings = [o for o in bundle["objects"] if o["type"] == "sighting"]
    identity = [o for o in bundle["objects"] if o["type"] == "identity"]
    assert len(identity) == 1 and identity[0]["name"] == "tracehound"
    assert identity[0]["id"] == IDENTITY_ID
    ids = {d["indicator"]["id"] for d in detections}
    assert {s["sighting_of_ref"] for s in sightings} == ids and len(sightings) == len(ids) >= 6
    assert all(s["created_by_ref"] == IDENTITY_ID for s in sightings)
    web = next(d for d in detections if d["indicator"]["value"] == "free247downloads.com")
    sighting = next(s for s in sightings if s["sighting_of_ref"] == web["indicator"]["id"])
    assert sighting["count"] == 3
    assert sighting["first_seen"] == "2021-07-12T09:14:03.120Z"
    assert sighting["last_seen"] == "2021-07-12T09:18:03.120Z"
    assert "ios.safari_history" in sighting["description"]
    # UUIDv4-form ids (deterministic: see test_rewriting_gives_the_same_bytes).
    for obj in [bundle, *bundle["objects"]]:
        assert uuid.UUID(obj["id"].split("--", 1)[1]).version == 4
    # No observed value leaves in the bundle (nothing personal is shared).
    text = json.dumps(bundle)
    assert "bogaardlisa803" not in text and "szev4hz" not in text and "+1202" not in text


def test_rewriting_gives_the_same_bytes(tmp_path: Path, demo_results: Path) -> None:
    folder = tmp_path / "r"
    shutil.copytree(demo_results, folder)
    before = (folder / "sightings.stix2").read_bytes()
    write_sightings(folder)
    assert (folder / "sightings.stix2").read_bytes() == before


def test_clean_run_bundle_holds_only_the_identity(tmp_path: Path) -> None:
    from tracehound.demo import generate

    backup = generate.write_demo_backup(tmp_path / "backup", infected=False)
    assert run_check(backup, tmp_path / "out").exit_code == 0
    bundle = load(tmp_path / "out" / "sightings.stix2")
    assert_valid(bundle)
    assert [o["type"] for o in bundle["objects"]] == ["identity"]


def test_non_stix_indicator_ids_get_no_sighting(
    tmp_path: Path, demo_results: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "r"
    shutil.copytree(demo_results, folder)
    lines = (folder / "detections.jsonl").read_text().splitlines()
    # The first indicator match (untimed heuristic findings such as ios_version_outdated
    # may come before it).
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "indicator")
    first = json.loads(lines[at])
    first["indicator"]["id"] = "indicator--1"  # as in a hand-written bundle
    lines[at] = json.dumps(first)
    (folder / "detections.jsonl").write_text("\n".join(lines) + "\n")
    summary = build_sightings(folder)
    assert summary.invalid_ids == ["indicator--1"]
    assert_valid(summary.bundle)
    refs = [o.get("sighting_of_ref") for o in summary.bundle["objects"]]
    assert "indicator--1" not in refs


def test_hostile_results_still_give_a_valid_bundle(hostile_results: Path) -> None:
    bundle = load(hostile_results / "sightings.stix2")
    assert_valid(bundle)
    assert sum(o["type"] == "sighting" for o in bundle["objects"]) == 3
    assert "<script" not in json.dumps(bundle)
