"""Meta-tests over everything that registers itself."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.records import Provenance, Record, semantic_fields
from tracehound.core.registry import Artifact, artifacts, detectors, record_types
from tracehound.reports.jsonl import record_from_json, record_line

ROOT = Path(__file__).resolve().parents[1]
ALL = artifacts()
T = datetime(2021, 7, 18, 12, 30, 15, 123456, tzinfo=UTC)


def _sample(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _sample(args[0])
    if origin is tuple:
        return (_sample(args[0]), _sample(args[0]))
    if args and type(None) in args:
        return _sample(next(a for a in args if a is not type(None)))
    return {str: "v=1 'x'", int: 42, float: 1.5, bool: True, datetime: T}[hint]


def test_there_are_artifacts() -> None:
    assert len(ALL) >= 18


@pytest.mark.parametrize("art", ALL, ids=lambda a: a.name)
def test_artifact_is_complete(art: Artifact) -> None:
    assert art.description, f"{art.name}: parser needs a docstring"
    prefixes = (
        *("/", "backup:", "androidqf:", "bugreport:", "ab:"),
        *("intrusionlog:", "sysdiagnose:", "crashlogs:"),
    )  # virtual paths too
    assert art.paths and all(p.startswith(prefixes) for p in art.paths)
    assert art.name == art.record.TYPE and art.name.count(".") == 1
    assert art.record.TS_DESC != Record.TS_DESC
    module = art.module.rsplit(".", 1)[-1]
    platform = art.platform
    assert (ROOT / f"tests/parsers/{platform}/test_{module}.py").is_file(), "missing parser test"
    assert dataclasses.is_dataclass(art.record) and art.record.__dataclass_params__.frozen  # type: ignore[attr-defined]
    for name, desc in art.record.EXTRA_TIMES:
        assert name in {f.name for f in dataclasses.fields(art.record)} and desc


@pytest.mark.parametrize("art", ALL, ids=lambda a: a.name)
def test_record_round_trips_through_jsonl(art: Artifact) -> None:
    hints = typing.get_type_hints(art.record)
    values = {f.name: _sample(hints[f.name]) for f in dataclasses.fields(art.record)}
    record = art.record(**values)
    prov = Provenance(
        source="test", path="/x", sha256="0" * 64, parser=art.name, parser_version="1"
    )
    line = record_line(record, prov)
    back, back_prov = record_from_json(json.loads(line), art.record)
    assert back == record and back_prov == prov
    semantic_fields(art.record)  # annotations resolve


def test_record_types_unique() -> None:
    types = record_types()
    assert len(types) == len(ALL)


@pytest.mark.parametrize("det", detectors(), ids=lambda d: d.NAME)
def test_detector_is_complete(det: type) -> None:
    assert det.DESCRIPTION and det.TYPES  # type: ignore[attr-defined]
    known = {a.name for a in ALL}
    assert set(det.TYPES) <= known  # type: ignore[attr-defined]
    module = det.__module__.rsplit(".", 1)[-1]
    tests = list((ROOT / "tests/detectors").glob("test_*.py"))
    assert any(module in p.read_text() for p in tests), f"no test imports {module}"


def test_readme_lists_every_artifact_and_detector() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [a.name for a in ALL if f"`{a.name}`" not in readme]
    missing += [d.NAME for d in detectors() if f"`{d.NAME}`" not in readme]
    assert not missing, f"README does not list: {missing}"


def test_readme_tables_are_current() -> None:
    """The README's tables are `tracehound artifacts --markdown`, regenerated when code changes."""
    from tracehound.cli import markdown_tables

    assert markdown_tables() in (ROOT / "README.md").read_text()


def test_declared_knowledge_is_well_formed() -> None:
    """What the report and redaction read from declarations names real fields and values."""
    for art in artifacts():
        cls = art.record
        names = {f.name for f in dataclasses.fields(cls)}
        assert set(cls.PUBLIC_FIELDS) <= names, art.name
        assert cls.NETWORK_HIT in ("", "received", "loaded"), art.name
        assert not cls.MEANING or cls.MEANING.endswith("."), art.name


def test_redaction_and_weights_read_the_declarations() -> None:
    """The redacted summary keeps exactly the declared public fields; a network hit's notes
    follow the declared NETWORK_HIT (no list in the report repeats them)."""
    from tracehound.reports import explain
    from tracehound.reports.redact import record_summary

    rec = {"type": "ios.sms", "service": "iMessage", "text": "hello", "handle": "+100"}
    assert record_summary(rec, True, 500) == "service=iMessage [2 fields redacted]"
    rec["type"] = "android.dumpsys_accessibility"  # declares no public field
    assert record_summary(rec, True, 500) == "[3 fields redacted]"
    assert "was received or stored" in explain.hit_weight("domain", None, "ios.sms").notes
    assert "was loaded" in explain.hit_weight("domain", None, "ios.safari_history").notes
    assert explain.hit_weight("domain", None, "android.getprop").notes == ""
