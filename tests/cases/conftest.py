"""Fixtures of the case store tests: small demo acquisitions written once per session, the
detection ids an ordinary ``check -o`` finds in each (what a store check must find too), and a
helper that runs ``tracehound check`` into a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tracehound.cli import main
from tracehound.demo.generate import write_demo


@pytest.fixture(scope="session")
def acqs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``infected`` (an iOS backup), ``clean`` (an androidqf folder), ``encrypted`` (an
    encrypted iOS backup, password ``tracehound-demo``), ``bugreport`` (infected Android)."""
    root = tmp_path_factory.mktemp("acqs")
    return {
        "infected": write_demo(root / "infected", "backup"),
        "clean": write_demo(root / "clean", "androidqf", infected=False),
        "encrypted": write_demo(root / "encrypted", "encrypted", infected=False),
        "bugreport": write_demo(root / "bugreport", "bugreport"),
    }


def detection_ids(results: Path) -> list[str]:
    lines = (results / "detections.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


@pytest.fixture(scope="session")
def reference(acqs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """For the infected backup and the clean androidqf: exit code and detection ids of a
    plain ``check ACQ -o OUT``."""
    root = tmp_path_factory.mktemp("reference")
    found: dict[str, Any] = {}
    for name in ("infected", "clean", "bugreport"):
        result = CliRunner().invoke(main, ["check", str(acqs[name]), "-o", str(root / name), "-q"])
        found[name] = (result.exit_code, detection_ids(root / name))
    assert found["infected"][0] == 1 and found["infected"][1]
    assert found["clean"][0] == 0
    return found


def check(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    """``tracehound check ARGS`` (in this process)."""
    return CliRunner().invoke(main, ["check", *args], env=env, input=stdin)


def cases(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["cases", *args], input=stdin)


def case_json(store: Path, cid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((store / "cases" / cid / "case.json").read_text("utf-8"))
    return data
