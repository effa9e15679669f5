"""``tracehound artifacts`` and ``iocs list`` never cut a name or a path, piped or narrow."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.core.registry import artifacts, detectors

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: A file name far wider than 40 columns, with no space to wrap at.
LONG = "indicators-of-a-very-long-named-campaign-reported-by-a-lab-in-2026.stix2"


def invoke(args: list[str], columns: int, terminal: bool) -> str:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "TTY_COMPATIBLE": "1" if terminal else "0"}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


def bundle(path: Path) -> Path:
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--1",
            "pattern_type": "stix",
            "pattern": "[domain-name:value = 'evil.example']",
        },
    ]
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return path


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("columns", [80, 40])
def test_iocs_list_keeps_a_long_path_whole(tmp_path: Path, columns: int, terminal: bool) -> None:
    path = bundle(tmp_path / LONG)
    out = invoke(["iocs", "list", "--no-bundled-iocs", "--iocs", str(path)], columns, terminal)
    rows = [line for line in out.splitlines() if LONG in line]
    assert len(rows) == 1, out
    assert "1 indicator, 0 load warnings" in out.splitlines()  # counts agree in number
    # Plain lines: the whole path, then the count, tab-separated (cut -f1 gives the path).
    assert rows[0].split("\t")[:2] == [str(path), "1"]
    assert out.splitlines()[1].split("\t") == [
        "file",
        "indicators",
        "kinds",
        "malware",
        "newest",
        "sha256",
    ]


def test_iocs_list_wide_terminal_is_a_table(tmp_path: Path) -> None:
    path = bundle(tmp_path / LONG)
    wide = len(str(path)) + 150  # whatever the length of the temporary folder's path
    out = invoke(["iocs", "list", "--no-bundled-iocs", "--iocs", str(path)], wide, True)
    row = next(line for line in out.splitlines() if LONG in line)
    assert row.startswith("│ ") and f"│ {path} " in row and "\t" not in out


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("columns", [80, 40, 200])
def test_artifacts_keeps_names_whole(columns: int, terminal: bool) -> None:
    out = invoke(["artifacts"], columns, terminal)
    words = set(re.split(r"[\s│┃]+", out))
    for art in artifacts():
        assert art.name in words, art.name
        for device_path in art.paths:
            assert device_path in out, device_path
    for det in detectors():
        assert det.NAME in words, det.NAME
    if not terminal:
        lines = out.splitlines()
        assert lines[:2] == ["Artifacts", "name\tinput\tpaths\twhat"]
        assert len([ln for ln in lines if ln.count("\t") == 3]) == len(artifacts()) + 1
