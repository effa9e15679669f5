"""Shared readers: one input opened (and prepared) once for the artifacts of several record types,
each keeping its own outcome (``core.registry.Reader``, ``pipeline._run_file``)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tracehound import pipeline
from tracehound.core import registry
from tracehound.core.context import ParseContext
from tracehound.core.registry import Reader, artifact, artifacts, units
from tracehound.demo.android_phone import write_demo_android
from tracehound.demo.generate import write_demo_backup
from tracehound.parsers.common import dumpsys, runner
from tracehound.parsers.ios.sms import SmsMessage
from tracehound.pipeline import CheckOptions, run_check

SMS_ID = hashlib.sha1(b"HomeDomain-Library/SMS/sms.db").hexdigest()
DUMPSYS_MEMBERS = {a.name for a in artifacts() if a.reader is dumpsys.DUMPSYS}


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_backup(tmp_path_factory.mktemp("readers") / "backup")


@pytest.fixture(scope="module")
def androidqf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_android(tmp_path_factory.mktemp("readers") / "aqf", "androidqf")


def _run(target: Path, out: Path, jobs: int = 1) -> dict[str, Any]:
    result = run_check(CheckOptions(target=target, output=out, jobs=jobs))
    run: dict[str, Any] = json.loads((out / "run.json").read_text("utf-8"))
    assert run["exit_code"] == result.exit_code
    return run


def test_the_readers_and_their_members() -> None:
    """Every dumpsys artifact is a member of one reader; the units put a reader's members
    together at the place of the first, every other artifact alone, in registry order."""
    assert len(DUMPSYS_MEMBERS) == 10
    arts = artifacts()
    grouped = units(arts, lambda a: a)
    assert sorted(a.name for unit in grouped for a in unit) == [a.name for a in arts]
    for unit in grouped:  # each unit at its first member's place, members in registry order
        places = [arts.index(a) for a in unit]
        assert places == sorted(places)
    firsts = [arts.index(unit[0]) for unit in grouped]
    assert firsts == sorted(firsts)
    for unit in grouped:
        readers = {a.reader for a in unit}
        assert len(readers) == 1
        if None in readers:
            assert len(unit) == 1
        else:
            assert len(unit) >= 2  # a reader of one record type would be a plain artifact
            assert len({(a.input, a.paths, a.sources) for a in unit}) == 1


def test_an_artifact_takes_its_input_from_its_reader() -> None:
    reader = Reader(name="test.reader", input="text", paths=("x",), description="")

    def parse(text: str, ctx: Any) -> Iterator[Any]:
        yield from ()

    with pytest.raises(ValueError, match="takes its input"):
        artifact(record=SmsMessage, reader=reader, input="text")(parse)
    with pytest.raises(ValueError, match="needs an input kind"):
        artifact(record=SmsMessage)(parse)


def test_a_dumpsys_output_is_scanned_once_for_the_ten_dumpsys_artifacts(
    androidqf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dumpsys.txt is scanned for every section once (the reader's ``prepare``), hashed once,
    and each member still gets its records; the same as when each member scans it itself."""
    scans: list[Any] = []
    real = dumpsys.find_sections

    def counting(text: str, services: Any = None, priorities: Any = None) -> Any:
        scans.append(services)
        return real(text, services, priorities)

    monkeypatch.setattr(dumpsys, "find_sections", counting)
    run = _run(androidqf, tmp_path / "out")
    assert scans.count(None) == 1  # every section, found once for the ten artifacts
    members = {n: a for n, a in run["artifacts"].items() if a["reader"] == "android.dumpsys"}
    assert set(members) == DUMPSYS_MEMBERS
    assert all(a["status"] == "ran" for a in members.values())
    assert sum(a["records"] for a in members.values()) > 0
    inputs = [i for i in run["inputs"] if set(i["artifacts"]) & DUMPSYS_MEMBERS]
    assert len(inputs) == 1 and set(inputs[0]["artifacts"]) >= DUMPSYS_MEMBERS

    # What each member finds scanning the text itself (given the text, not the prepared index).
    text = runner._text(next(androidqf.rglob("dumpsys.txt")))
    for name in DUMPSYS_MEMBERS:
        art = registry._ARTIFACTS[name]
        ctx = ParseContext(artifact=name, path="dumpsys.txt", device={})
        alone = list(runner.as_records(art, art.func(text, ctx)))
        assert len(alone) == run["artifacts"][name]["records"], name


def test_one_member_failing_does_not_stop_the_others(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ios.sms`` raising leaves it ``error`` (parser failed); ``ios.sms_attachments``, read from
    the same open sms.db, keeps its records; and the other way round."""
    clean = _run(backup, tmp_path / "clean")["artifacts"]
    assert clean["ios.sms_attachments"]["records"] > 0 and clean["ios.sms"]["records"] > 0
    for broken, other in (("ios.sms", "ios.sms_attachments"), ("ios.sms_attachments", "ios.sms")):
        art = registry._ARTIFACTS[broken]

        def boom(conn: Any, ctx: Any) -> Iterator[Any]:
            raise RuntimeError("planted bug")
            yield  # a generator, like the parsers

        monkeypatch.setitem(registry._ARTIFACTS, broken, dataclasses.replace(art, func=boom))
        for jobs in (1, 2):
            table = _run(backup, tmp_path / f"{broken}-{jobs}", jobs)["artifacts"]
            assert table[broken]["status"] == "error"
            assert "parser failed: RuntimeError: planted bug" in table[broken]["errors"][0]
            assert table[other]["status"] == "ran"
            assert table[other]["records"] == clean[other]["records"]
        monkeypatch.setitem(registry._ARTIFACTS, broken, art)


def test_a_member_missing_its_tables_does_not_stop_the_others(backup: Path, tmp_path: Path) -> None:
    """An sms.db without the attachment tables (as in MVT's test backup): ``ios.sms_attachments``
    is ``schema_mismatch``, ``ios.sms`` runs on the same connection."""
    copy = tmp_path / "backup"
    shutil.copytree(backup, copy)
    db = copy / SMS_ID[:2] / SMS_ID
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE message_attachment_join")
    conn.close()
    table = _run(copy, tmp_path / "out")["artifacts"]
    assert table["ios.sms_attachments"]["status"] == "schema_mismatch"
    assert "message_attachment_join" in table["ios.sms_attachments"]["files"][0]["error"]
    assert table["ios.sms"]["status"] == "ran" and table["ios.sms"]["records"] > 0


def test_a_damaged_shared_input_is_an_error_for_every_member(backup: Path, tmp_path: Path) -> None:
    """An sms.db that cannot be opened is named as an error for each of its artifacts (never
    "not present"), and the run is incomplete."""
    copy = tmp_path / "backup"
    shutil.copytree(backup, copy)
    (copy / SMS_ID[:2] / SMS_ID).write_bytes(b"not a database at all" * 10)
    run = _run(copy, tmp_path / "out")
    for name in ("ios.sms", "ios.sms_attachments"):
        entry = run["artifacts"][name]
        assert entry["status"] == "error" and entry["reader"] == "ios.sms_db"
        assert "not a SQLite database" in entry["files"][0]["error"]
    assert run["exit_code"] & 2


def test_an_error_closing_the_shared_input_is_never_dropped(
    backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing sms.db fails after both members ran (a private copy that cannot be removed):
    each member says so, and the run is incomplete, rather than reading as clean."""
    real = pipeline.open_raw

    @contextlib.contextmanager
    def failing_close(kind: str, path: Path) -> Iterator[Any]:
        with real(kind, path) as opened:
            yield opened
        if path.name == SMS_ID:
            raise OSError("cannot remove the private copy")

    monkeypatch.setattr(pipeline, "open_raw", failing_close)
    run = _run(backup, tmp_path / "out")
    for name in ("ios.sms", "ios.sms_attachments"):
        entry = run["artifacts"][name]
        assert entry["status"] == "error"
        assert "cannot remove the private copy" in entry["files"][0]["error"]
    assert run["exit_code"] & 2
