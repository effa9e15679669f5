"""android.aqf_integrity: the hashes.csv verification document as records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.parsers.android.aqf_integrity import AqfIntegrity

A = "a" * 64
B = "b" * 64


def doc(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "hash_list": True,
        "container": "zip",
        "layout": "entry_names",
        "storage_path": None,
        "rows": [
            {"line": 1, "listed": "getprop.txt", "path": "getprop.txt", "expected": A,
             "actual": A, "size": 10, "error": None},
            {"line": 2, "listed": "packages.json", "path": "packages.json", "expected": A.upper(),
             "actual": B, "size": 3, "error": None},
            {"line": 3, "listed": "logs/gone", "path": "logs/gone", "expected": B,
             "actual": None, "size": None, "error": None},
            {"line": 4, "listed": "apks/big.apk", "path": "apks/big.apk", "expected": B,
             "actual": None, "size": 9, "error": "over the limit"},
        ],
        "unlisted": [
            {"path": "hashes.csv", "actual": A, "size": 300, "error": None},
            {"path": "extra.txt", "actual": B, "size": 1, "error": None},
        ],
        "bad_lines": [],
    }  # fmt: skip
    base.update(changes)
    return base


def write(tmp: Path, value: Any) -> Path:
    path = tmp / "verified.json"
    path.write_text(json.dumps(value))
    return path


def test_statuses(tmp_path: Path, parse: Any) -> None:
    records, ctx = parse("android.aqf_integrity", write(tmp_path, doc()))
    assert ctx.warnings == 0
    got = [(r.path, r.status, r.by_design) for r in records]
    assert got == [
        ("getprop.txt", "ok", False),
        ("packages.json", "mismatch", False),
        ("logs/gone", "missing", False),
        ("apks/big.apk", "unreadable", False),
        ("hashes.csv", "unlisted", True),
        ("extra.txt", "unlisted", False),
    ]
    mismatch = records[1]
    assert isinstance(mismatch, AqfIntegrity)
    assert (mismatch.row, mismatch.expected_sha256, mismatch.actual_sha256) == (2, A, B)
    assert mismatch.ts is None and mismatch.layout == "entry_names" and mismatch.size == 3
    assert records[3].note == "over the limit"


def test_legacy_by_design_rows(tmp_path: Path, parse: Any) -> None:
    rows = [
        {"line": 1, "listed": "/h/u/command.log", "path": "command.log", "expected": A,
         "actual": B, "size": 5, "error": None},
        {"line": 2, "listed": "/h/u/hashes.csv", "path": "hashes.csv", "expected": A,
         "actual": B, "size": 5, "error": None},
        {"line": 3, "listed": "/h/u/dumpsys.txt", "path": "dumpsys.txt", "expected": A,
         "actual": B, "size": 5, "error": None},
        {"line": 4, "listed": "/elsewhere/x", "path": None, "expected": A, "actual": None,
         "size": None, "error": None},
    ]  # fmt: skip
    unlisted = [{"path": "acquisition.json", "actual": A, "size": 9, "error": None}]
    value = doc(layout="host_paths", storage_path="/h/u", rows=rows, unlisted=unlisted)
    records, ctx = parse("android.aqf_integrity", write(tmp_path, value))
    assert ctx.warnings == 0
    got = [(r.path, r.listed_path, r.status, r.by_design) for r in records]
    assert got == [
        ("command.log", "/h/u/command.log", "mismatch", True),
        ("hashes.csv", "/h/u/hashes.csv", "not_verifiable", True),
        ("dumpsys.txt", "/h/u/dumpsys.txt", "mismatch", False),
        (None, "/elsewhere/x", "missing", False),
        ("acquisition.json", None, "unlisted", True),
    ]
    assert "command.log" in (records[0].note or "")


def test_bad_values_are_warnings(tmp_path: Path, parse: Any) -> None:
    value = doc(
        rows=[
            {"line": 1, "listed": "a", "path": "a", "expected": "xyz", "actual": A},
            "not a row",
        ],
        unlisted=[7],
        bad_lines=[{"line": 5, "text": "onlyonefield"}],
    )
    records, ctx = parse("android.aqf_integrity", write(tmp_path, value))
    assert ctx.warnings == 4
    assert [(r.path, r.status) for r in records] == [("a", "invalid")]
    assert any("line is not 'path,sha256'" in m for m in ctx.messages)


def test_no_hash_list(tmp_path: Path, parse: Any) -> None:
    value = doc(hash_list=False, rows=[], unlisted=[], layout=None)
    records, ctx = parse("android.aqf_integrity", write(tmp_path, value))
    assert [(r.path, r.status) for r in records] == [("hashes.csv", "no_hash_list")]
    assert ctx.warnings == 0


def test_schema_and_corrupt(tmp_path: Path, parse: Any) -> None:
    with pytest.raises(SchemaMismatch):
        parse("android.aqf_integrity", write(tmp_path, {"something": "else"}))
    with pytest.raises(SchemaMismatch):
        parse("android.aqf_integrity", write(tmp_path, [1, 2]))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError):
        parse("android.aqf_integrity", bad)


@pytest.mark.parametrize("key", ["rows", "unlisted", "bad_lines"])
def test_lists_that_are_not_lists_are_schema_mismatch(tmp_path: Path, parse: Any, key: str) -> None:
    """Found by tests/fuzz: a number or true in place of a list raised TypeError."""
    with pytest.raises(SchemaMismatch, match=f"{key} is int, not a list"):
        parse("android.aqf_integrity", write(tmp_path, doc(**{key: 7})))
