"""``tracehound cases stats`` on a store of really checked demo phones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracehound.cases.store import STORE_ENV, CaseStore
from tracehound.cli import main

from .conftest import DemoStore


def stats(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["cases", "stats", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_table(demo_store: DemoStore) -> None:
    code, out, err = stats("--store", str(demo_store.root))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Seen in most cases (of 3 counted)"
    assert lines[1] == "type\tindicator kind or detector\tvalue\tcases\tshare"
    assert lines[2] == "heuristic\tios_version_outdated\t14.6 (18F72)\t3\t100%"
    assert "indicator\tdomain\turlpush.net\t2\t67%" in lines
    assert len(lines) == 2 + 14  # 14 values: fewer than the default limit
    assert err == ""


def test_limit_and_store_from_the_environment(demo_store: DemoStore) -> None:
    code, out, _ = stats("--limit", "2", env={STORE_ENV: str(demo_store.root)})
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + 2 + 1
    assert lines[-1] == "12 more values (--limit 0 shows them all)."


def test_json(demo_store: DemoStore) -> None:
    code, out, _ = stats("--store", str(demo_store.root), "--json", "--limit", "0")
    assert code == 0
    data = json.loads(out)
    assert data["store"] == str(demo_store.root) and data["cases"] == 3
    assert data["skipped"] == [] and data["values_total"] == len(data["values"]) == 14
    assert data["values"][0] == {
        "type": "heuristic",
        "detector": "ios_version_outdated",
        "value": "14.6 (18F72)",
        "cases": 3,
        "share": 1.0,
    }
    assert {
        "type": "indicator",
        "indicator_kind": "email",
        "value": "bogaardlisa803@gmail.com",
        "cases": 2,
        "share": 0.6667,
    } in data["values"]


def test_a_skipped_case_is_named_and_exits_2(store_copy: CaseStore, demo_store: DemoStore) -> None:
    path = store_copy.results(demo_store.clean.id) / "detections.parquet"
    path.write_bytes(b"garbage")
    code, out, err = stats("--store", str(store_copy.root), "--json")
    assert code == 2
    data = json.loads(out)
    assert data["cases"] == 2 and data["skipped"][0]["case"] == demo_store.clean.id
    assert err.startswith(f"skipped {demo_store.clean.id}: {path}: damaged detections file")
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["absent", "not_a_store", "damaged", "file"])
def test_no_usable_store_is_one_line_and_exit_4(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "s"
    if kind == "file":
        root.write_text("x", "utf-8")
    elif kind != "absent":
        root.mkdir()
        (root / "store.json").write_text("{" if kind == "damaged" else "", "utf-8")
        if kind == "not_a_store":
            (root / "store.json").unlink()
            (root / "other").write_text("x", "utf-8")
    code, out, err = stats("--store", str(root))
    assert code == 4 and out == ""
    assert err.startswith(f"error: {root}") and len(err.strip().splitlines()) == 1


def test_empty_store(tmp_path: Path) -> None:
    CaseStore(tmp_path / "s", create=True)
    code, out, _ = stats("--store", str(tmp_path / "s"))
    assert code == 0 and out.startswith("No case with readable detections in ")


def test_help() -> None:
    result = CliRunner().invoke(main, ["cases", "stats", "--help"])
    assert result.exit_code == 0
    assert "--limit" in result.output and "probably" in result.output
