"""android.processes from a bugreport: dumpstate's PROCESSES AND THREADS section (ps -A -T -Z)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracehound.core.errors import SchemaMismatch
from tracehound.demo.android import dumpsys as dd
from tracehound.demo.android import processes as dp

DUMPSTATE = "bugreport:dumpstate.txt"
SPY = dp.Proc(4242, "com.apspy.app", ppid=640, user="u0_a311",
              context="u:r:untrusted_app:s0:c55,c257,c512,c768")  # fmt: skip
LONG = dp.Proc(4243, "com.androidservices.support", ppid=640, user="u0_a312")


def _dumpstate(tmp_path: Path, body: str | None) -> Path:
    commands = [] if body is None else [(dp.PS_THREADS_TITLE, dp.PS_THREADS_COMMAND, body)]
    path = tmp_path / "dumpstate.txt"
    path.write_bytes(dd.render_dumpstate({}, {"ro.build.version.sdk": "33"}, commands=commands))
    return path


def test_processes_and_threads(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = dp.render_ps_threads([*dp.BASELINE, SPY, LONG])
    records, ctx = parse("android.processes", _dumpstate(tmp_path, body), DUMPSTATE)
    assert ctx.warnings == 0
    assert [r.pid for r in records] == [1, 2, 3, 612, 640, 905, 1203, 2210, 4242, 4243]
    by_pid = {r.pid: r for r in records}
    spy = by_pid[4242]
    assert (spy.name, spy.app_id, spy.user, spy.ppid, spy.listing) == (
        "com.apspy.app", "com.apspy.app", "u0_a311", 640, "dumpstate",
    )  # fmt: skip
    assert spy.context == "u:r:untrusted_app:s0:c55,c257,c512,c768" and spy.state == "S"
    assert spy.ts is None and spy.uid is None and spy.path is None
    # ART keeps the last 15 characters of a long dotted thread name: no package there.
    assert by_pid[4243].name == "ervices.support" and by_pid[4243].app_id is None
    assert by_pid[1].name == "init" and by_pid[2].name == "kthreadd"
    gk = by_pid[905]  # the AOSP daemon, user system: not offered to matching
    assert gk.name is None and gk.listed_name == "gatekeeperd" and gk.not_matched


def test_empty_wchan_and_spaces_in_name(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = (
        "LABEL USER PID TID PPID VSZ RSS WCHAN ADDR S PRI NI RTPRIO SCH PCY TIME CMD\n"
        "u:r:su:s0 root 7001 7001 1 1000 20 0 R 20 0 - 0 fg 00:00:00 my daemon\n"
        "u:r:su:s0 root 7001 7002 1 1000 20 futex 0 S 20 0 - 0 fg 00:00:00 worker 1\n"
    )
    records, ctx = parse("android.processes", _dumpstate(tmp_path, body), DUMPSTATE)
    assert ctx.warnings == 0 and len(records) == 1
    assert (records[0].pid, records[0].state, records[0].name) == (7001, "R", "my daemon")


def test_broken_lines_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = dp.render_ps_threads([SPY]) + "garbage line\nu:r:x:s0 root abc abc 1 0 0 w 0 S\n"
    records, ctx = parse("android.processes", _dumpstate(tmp_path, body), DUMPSTATE)
    assert [r.pid for r in records] == [4242] and ctx.warnings == 2


def test_missing_or_foreign_section(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="PROCESSES AND THREADS"):
        parse("android.processes", _dumpstate(tmp_path, None), DUMPSTATE)
    with pytest.raises(SchemaMismatch, match="ps header"):
        parse("android.processes", _dumpstate(tmp_path, "total 12\nfoo bar\n"), DUMPSTATE)
