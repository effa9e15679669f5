"""Detection ids are unique within a check and do not depend on message wording (issue 12):
dumpsys sections of one dumpstate are read by several artifacts without row ids, so the
artifact must be part of the id."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from tracehound.core.detection import from_finding
from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.demo.generate import write_demo
from tracehound.parsers.ios.calls import Call
from tracehound.pipeline import CheckOptions, run_check


@pytest.mark.parametrize("kind", ["backup", "androidqf", "bugreport"])
def test_ids_are_unique_in_a_check(kind: str, tmp_path: Path) -> None:
    result = run_check(
        CheckOptions(target=write_demo(tmp_path / "acq", kind), output=tmp_path / "o")
    )
    ids = Counter(d["id"] for d in result.detections)
    assert result.detections and max(ids.values()) == 1, ids.most_common(3)


def test_a_reworded_message_keeps_the_id() -> None:
    record = Call(
        ts=None,
        row=7,
        address=None,
        name=None,
        direction=None,
        answered=None,
        duration=None,
        call_type=None,
        call_type_raw=None,
        service_provider=None,
        location=None,
        country=None,
        unique_id=None,
        read=None,
        junk_confidence=None,
    )
    prov = Provenance(
        source="ios_backup", path="/x", sha256="", parser="ios.calls", parser_version="1"
    )
    one = Finding("d", Severity.LOW, "first wording", None, record, prov, value="v")
    two = dataclasses.replace(one, message="second wording")
    other = dataclasses.replace(one, value="w")
    assert from_finding(one).id == from_finding(two).id != from_finding(other).id
