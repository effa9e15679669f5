from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_sysdiagnose_ps
from tracehound.core.errors import SchemaMismatch
from tracehound.demo.sysdiagnose import STAGED


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.sysdiagnose_ps", seed_sysdiagnose_ps(tmp_path / "ps.txt"))
    assert ctx.warnings == 0
    assert [(r.pid, r.ppid, r.process) for r in records] == [
        (1, 0, "launchd"),
        (66, 1, "SpringBoard"),
        (118, 1, "nehelper"),
        (402, 1, "mediaserverd"),
        (1812, 1, "mptbd"),
    ]
    staged = records[-1]
    assert staged.path == STAGED and staged.user == "root" and staged.uid == 0
    assert staged.started == "8:01AM" and staged.ts is None and staged.row == 6


def test_command_with_arguments_and_bad_lines(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ps.txt"
    path.write_text(
        "USER PID PPID STARTED COMMAND\n"
        "mobile 77 1 Mon02PM /usr/libexec/x --flag a b\n"
        "mobile abc 1 Mon02PM /usr/libexec/y\n"
        "short\n"
        "\n"
    )
    records, ctx = parse("ios.sysdiagnose_ps", path)
    assert [(r.pid, r.path, r.arguments) for r in records] == [(77, "/usr/libexec/x", "--flag a b")]
    assert ctx.warnings == 2


def test_not_a_ps_listing(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ps.txt"
    path.write_bytes(b"\x00\x01garbage\nno header here\n")
    with pytest.raises(SchemaMismatch, match="no ps header"):
        parse("ios.sysdiagnose_ps", path)
