"""``tracehound iocs check`` and ``list`` on the bundled set."""

from __future__ import annotations

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


def test_list_bundled_and_broken_extra(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    result = CliRunner().invoke(main, ["iocs", "list"])
    assert result.exit_code == 0
    assert "Default set: bundled" in result.output and "ioc.yaml" in result.output
    bad = tmp_path / "bad.stix2"
    bad.write_text("{")
    broken = CliRunner().invoke(main, ["iocs", "list", "--iocs", str(bad)])
    assert broken.exit_code == 2 and "invalid JSON" in broken.output
