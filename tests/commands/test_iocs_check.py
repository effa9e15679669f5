"""``tracehound iocs check`` and ``list`` on the bundled set."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.commands.iocs import guess_kinds


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("https://a.example/x", ("url",)),
        ("someone@example.org", ("email",)),
        ("198.51.100.7", ("ip",)),
        ("31A6ECECD97CF39BC4126B8745CD94A7C30BF81C", ("hash",)),
        ("/private/var/db/x", ("path", "process")),
        ("com.thetruth", ("domain", "app", "path", "property", "process")),
        ("bh", ("process", "path", "profile")),
    ],
)
def test_guess_kinds(value: str, kinds: tuple[str, ...]) -> None:
    assert guess_kinds(value) == kinds


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["com.thetruth"], "TheTruthSpy"),
        (["bh"], "Pegasus"),
        (["BackupAgent"], "OperationTriangulation"),
        (["31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"], "TheTruthSpy"),
        (["--kind", "domain", "a.b.free247downloads.com"], "subdomain"),
    ],
)
def test_check_bundled(args: list[str], expect: str) -> None:
    result = CliRunner().invoke(main, ["iocs", "check", *args])
    assert result.exit_code == 1 and expect in result.output


def test_check_no_match_exit_0() -> None:
    result = CliRunner().invoke(main, ["iocs", "check", "www.wikipedia.org"])
    assert result.exit_code == 0 and "no indicator matches" in result.output


def test_list_bundled_and_broken_extra(tmp_path: Path) -> None:
    """Whole lines are asserted: neither a path nor a message may depend on where the
    terminal (or the 80 columns assumed for a pipe) would wrap."""
    result = CliRunner().invoke(main, ["iocs", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Default set: bundled"
    assert any(ln.startswith("bundled:stalkerware/ioc.yaml\t") for ln in lines), lines
    bad = tmp_path / "bad.stix2"
    bad.write_text("{")
    broken = CliRunner().invoke(main, ["iocs", "list", "--iocs", str(bad)])
    assert broken.exit_code == 2
    assert any(ln.startswith(f"{bad}\tinvalid JSON") for ln in broken.output.splitlines())
    assert any(
        ln.startswith(f"cannot load {bad}: invalid JSON") for ln in broken.output.splitlines()
    )


def test_list_names_a_missing_path_and_an_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [
        "iocs",
        "list",
        "--no-bundled-iocs",
        "--iocs",
        str(empty),
        "--iocs",
        str(tmp_path / "x"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert f"cannot load {empty}: no indicator file in this folder" in result.output
    assert f"cannot load {tmp_path / 'x'}: no such file or directory" in result.output


def test_check_value_names_a_missing_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["iocs", "check", "bh", "--iocs", str(tmp_path / "x")])
    assert result.exit_code == 1 and "Pegasus" in result.output  # the bundled set still matches
    assert f"cannot load {tmp_path / 'x'}: no such file or directory" in result.stderr
    none = CliRunner().invoke(main, ["iocs", "check", "zz.invalid", "--iocs", str(tmp_path / "x")])
    assert none.exit_code == 2 and "cannot load" in none.stderr
