"""``Detector.wants`` only saves work: a check gives the same detections with every detector
shown every row, and a detector fed only the rows it wants finds what it finds on all rows."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.columns import records_batch
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detectors
from tracehound.demo import generate
from tracehound.detectors.safari_redirect import SafariRedirect
from tracehound.parsers.ios.safari_history import SafariVisit
from tracehound.pipeline import CheckOptions, _wanted, run_check


def _detections(folder: Path) -> list[dict[str, Any]]:
    text = (folder / "detections.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("kind", ["backup", "ffs"])
def test_same_detections_when_every_detector_sees_every_row(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = generate.write_demo_backup if kind == "backup" else generate.write_demo_ffs
    acquisition = write(tmp_path / "acq")
    normal = run_check(CheckOptions(target=acquisition, output=tmp_path / "normal", jobs=1))
    overridden = [cls for cls in detectors() if "wants" in vars(cls)]
    assert {cls.NAME for cls in overridden} >= {
        "infection_sequence",
        "safari_redirect",
        "sms_threat_notification",
    }
    for cls in overridden:
        monkeypatch.setattr(cls, "wants", Detector.wants)
    every = run_check(CheckOptions(target=acquisition, output=tmp_path / "every", jobs=1))
    assert normal.exit_code == every.exit_code
    assert _detections(tmp_path / "normal") == _detections(tmp_path / "every")
    assert len(_detections(tmp_path / "normal")) > 5


PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/Safari/History.db",
    sha256="0" * 64,
    parser="ios.safari_history",
    parser_version="1",
)
START = datetime(2021, 7, 1, tzinfo=UTC)
_SITES = ["http://a.example/", "https://b.example/x", "http://c.test/", "https://a.example/y"]


@st.composite
def _visits(draw: Any) -> list[SafariVisit]:
    count = draw(st.integers(1, 40))
    ids = list(range(1, count + 1))
    out = []
    for visit_id in ids:
        link = st.one_of(st.none(), st.sampled_from(ids), st.just(count + 5))
        out.append(
            SafariVisit(
                ts=START + timedelta(milliseconds=draw(st.integers(0, 3000)) + visit_id),
                row=visit_id,
                url=draw(st.sampled_from(_SITES)),
                title=None,
                visit_id=visit_id,
                item_id=None,
                redirect_source=draw(link),
                redirect_destination=draw(link),
                load_successful=True,
                http_non_get=False,
                origin=0,
                visit_count=1,
                profile=None,
            )
        )
    return out


def _feed_all(visits: list[SafariVisit]) -> list[Finding]:
    det = SafariRedirect()
    found = [f for v in visits for f in det.feed(v, PROV)]
    return found + list(det.finish())


def _feed_wanted(visits: list[Record], cuts: list[int]) -> list[Finding]:
    det = SafariRedirect()
    found: list[Finding] = []
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(visits)), len(visits)]
    for start, stop in itertools.pairwise(bounds):
        part = visits[start:stop]
        if not part:
            continue
        rows = _wanted(det.wants(SafariVisit.TYPE, records_batch(SafariVisit, part, PROV)))
        for number, visit in enumerate(part):
            if rows is None or number in rows:
                found.extend(det.feed(visit, PROV))
    return found + list(det.finish())


@given(_visits(), st.lists(st.integers(0, 40), max_size=4))
def test_safari_redirect_fed_only_wanted_rows_finds_the_same(
    visits: list[SafariVisit], cuts: list[int]
) -> None:
    def key(f: Finding) -> tuple[Any, ...]:
        return (f.record.visit_id, f.value, f.message, [r.row for r, _ in f.related])

    assert [key(f) for f in _feed_wanted(list(visits), cuts)] == [key(f) for f in _feed_all(visits)]
