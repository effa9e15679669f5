"""``Detector.wants`` only saves work: a check gives the same detections with every detector
shown every row, and a detector fed only the rows it wants finds what it finds on all rows."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.columns import records_batch
from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, detectors
from tracehound.demo import generate
from tracehound.detectors.safari_redirect import SafariRedirect
from tracehound.parsers.ios.safari_history import SafariVisit
from tracehound.pipeline import CheckOptions, run_check, wanted_rows


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
        rows = wanted_rows(det, SafariVisit.TYPE, records_batch(SafariVisit, part, PROV))
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


_NAMES = ["bh", "bh/com.apple.bh", "CommCenter", "", "msgacntd", "Music/com.apple.Music"]
_BUNDLES = [None, "", "com.apple.bh", "com.example.app"]


@st.composite
def _usage_rows(draw: Any) -> list[Any]:
    """DataUsage rows as they come from the join: process rows with usage rows (same pk
    repeated), rows of deleted processes, names with and without bundles, times that tie."""
    from tracehound.parsers.ios.datausage import DataUsage

    out = []
    for row in range(1, draw(st.integers(1, 40)) + 1):
        missing = draw(st.booleans())
        raw = draw(st.sampled_from(_NAMES))
        hour = st.one_of(st.none(), st.integers(0, 5).map(lambda h: START + timedelta(hours=h)))
        out.append(
            DataUsage(
                ts=draw(hour),
                row=row,
                first_seen=draw(hour),
                process_name=None if missing else (raw.split("/", 1)[0] or None),
                process_raw=None if missing else (raw or None),
                bundle_id=None if missing else draw(st.sampled_from(_BUNDLES)),
                process_pk=draw(st.one_of(st.none(), st.integers(0, 8))),
                usage_pk=row,
                process_missing=missing,
                wifi_in=None,
                wifi_out=None,
                wwan_in=None,
                wwan_out=None,
            )
        )
    return out


def _findings(name: str, rows: list[Any], cuts: list[int] | None) -> list[tuple[Any, ...]]:
    """What the detector ``name`` finds on the rows, fed all of them (``cuts`` None) or, in
    batches cut at ``cuts``, only those its ``wants`` selects."""
    from tracehound.core.registry import detectors as registered

    cls = next(c for c in registered() if name == c.NAME)
    det = cls()
    prov = Provenance(
        source="ios_backup",
        path="/private/var/wireless/Library/Databases/DataUsage.sqlite",
        sha256="0" * 64,
        parser="ios.datausage",
        parser_version="1",
    )
    found: list[Finding] = []
    bounds = [0, *sorted(c for c in (cuts or []) if 0 < c < len(rows)), len(rows)]
    for start, stop in itertools.pairwise(bounds):
        part = rows[start:stop]
        if not part:
            continue
        wanted = None
        if cuts is not None:
            wanted = wanted_rows(det, "ios.datausage", records_batch(type(part[0]), part, prov))
        for number, record in enumerate(part):
            if wanted is None or number in wanted:
                found.extend(det.feed(record, prov))
    found.extend(det.finish())
    return [
        (
            f.detector,
            f.severity,
            f.message,
            f.ts,
            f.value,
            f.record.row,
            [r.row for r, _ in f.related],
        )
        for f in found
    ]


@pytest.mark.parametrize(
    "name",
    [
        "unknown_process",
        "binary_not_found",
        "datausage_pk_gap",
        "datausage_deleted_process",
        "infection_sequence",
    ],
)
@given(rows=_usage_rows(), cuts=st.lists(st.integers(0, 40), max_size=4))
def test_process_detectors_fed_only_wanted_rows_find_the_same(
    name: str, rows: list[Any], cuts: list[int]
) -> None:
    """The DataUsage detectors keep, per process name or id, a first or earliest record: fed
    only the rows their ``wants`` selects, in any batching, they find exactly the same."""
    assert _findings(name, rows, cuts) == _findings(name, rows, None)


def test_process_detectors_want_few_of_many_repeated_rows() -> None:
    """The point of ``wants`` here: 100 usage rows of two processes become a handful."""
    from tracehound.detectors.process_appearances import process_rows
    from tracehound.parsers.ios.datausage import DataUsage

    rows = [
        DataUsage(
            ts=START + timedelta(minutes=n),
            row=n,
            first_seen=None,
            process_name="bh" if n % 2 else "CommCenter",
            process_raw="bh" if n % 2 else "CommCenter",
            bundle_id=None,
            process_pk=1 + n % 2,
            usage_pk=n,
            process_missing=False,
            wifi_in=None,
            wifi_out=None,
            wwan_in=None,
            wwan_out=None,
        )
        for n in range(100)
    ]
    batch = records_batch(DataUsage, rows, PROV)
    mask = pc.fill_null(process_rows("ios.datausage", batch), False)
    assert set(pc.indices_nonzero(mask).to_pylist()) == {0, 1}


def test_rows_with_values_arrow_cannot_hold_are_always_wanted() -> None:
    """A value in ``_extra`` is null in its column, so no ``wants`` mask can judge its row:
    the engine shows such rows to every detector that asked for some rows."""
    import pyarrow as pa

    from tests.detectors.records_kit import make

    class NoRow(Detector):
        def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
            return pa.array([False] * batch.num_rows)

    visits = [
        make(SafariVisit, ts=None, row=n, url=url, visit_id=n)
        for n, url in enumerate(["https://a.test/", "https://b.test/\udcff", "https://c.test/"])
    ]
    batch = records_batch(SafariVisit, visits, PROV)
    assert wanted_rows(NoRow(), SafariVisit.TYPE, batch) == {1}
    assert wanted_rows(Detector(), SafariVisit.TYPE, batch) is None  # every row
