from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.seeds_sysdiagnose import seed_sysdiagnose_ps_thread
from tracehound.core.errors import SchemaMismatch
from tracehound.demo.sysdiagnose import PS_THREAD_HEADER, STAGED


def test_ps_thread(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_sysdiagnose_ps_thread(tmp_path / "ps_thread.txt")
    records, ctx = parse("ios.sysdiagnose_ps_thread", path)
    assert ctx.warnings == 0
    assert [(r.pid, r.threads, r.row) for r in records] == [
        (1, 3, 2), (66, 3, 5), (118, 3, 8), (402, 3, 11), (1812, 3, 14),
    ]  # fmt: skip
    staged = records[-1]
    assert (staged.path, staged.process, staged.user, staged.ppid) == (STAGED, "mptbd", "root", 1)
    assert staged.started == "8:01AM" and staged.arguments is None and staged.ts is None
    assert records[1].process == "SpringBoard"


def test_cut_command_with_a_space_and_arguments(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    line = (
        "mobile   777   ??    0.0 S    31T   0:00.01   0:00.01 My Tool    1  0.1 31T  0  4212352"
        "   9520 -       8:01AM   0:00.51 /var/containers/Bundle/My Tool.app/My Tool --x\n"
    )
    path = tmp_path / "ps_thread.txt"
    path.write_text(PS_THREAD_HEADER + "\n" + line)
    records, ctx = parse("ios.sysdiagnose_ps_thread", path)
    assert ctx.warnings == 0 and len(records) == 1
    assert records[0].path == "/var/containers/Bundle/My" and records[0].ppid == 1
    assert records[0].arguments == "Tool.app/My Tool --x" and records[0].threads == 1


def test_broken_lines_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ps_thread.txt"
    text = seed_sysdiagnose_ps_thread(path).read_text()
    lines = text.splitlines()
    broken = [lines[0], "   99   0.0 S", *lines[1:4], "root  x  ?? broken", *lines[4:]]
    path.write_text("\n".join(broken) + "\n")
    records, ctx = parse("ios.sysdiagnose_ps_thread", path)
    assert len(records) == 5 and ctx.warnings == 2


def test_not_ps_thread(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ps_thread.txt"
    path.write_text("hello world\n")
    with pytest.raises(SchemaMismatch, match="ps -M header"):
        parse("ios.sysdiagnose_ps_thread", path)
