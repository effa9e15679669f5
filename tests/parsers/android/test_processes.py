from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android.processes import BASELINE, Proc, render

SPY = Proc(4242, "com.apspy.app:remote", ppid=640, user="u0_a311", uid=10311,
           context="u:r:untrusted_app:s0:c55,c257,c512,c768")  # fmt: skip
ROGUE_GK = Proc(5000, "/data/local/tmp/gatekeeperd", user="shell", uid=2000,
                path="/data/local/tmp/gatekeeperd", context="u:r:shell:s0")  # fmt: skip


def _write(tmp_path: Path, data: bytes, name: str = "processes.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_ps_text(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render([*BASELINE, SPY])
    header = b"USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"
    assert data.startswith(header)
    records, ctx = parse("android.processes", _write(tmp_path, data))
    assert ctx.warnings == 0
    assert len(records) == len(BASELINE) + 1
    by_pid = {r.pid: r for r in records}
    init = by_pid[1]
    assert init.name == "init" and init.listed_name == "/system/bin/init" and init.ppid == 0
    assert init.user == "root" and init.uid is None and init.listing == "ps" and init.state == "S"
    kthread = by_pid[2]
    assert kthread.name == "kthreadd" and kthread.listed_name == "[kthreadd]"
    spy = by_pid[4242]
    assert spy.name == "com.apspy.app:remote" and spy.app_id == "com.apspy.app"
    assert spy.user == "u0_a311" and spy.ts is None and spy.row == len(BASELINE) + 2
    gms = by_pid[2210]
    assert gms.app_id == "com.google.android.gms.persistent"
    assert by_pid[612].app_id is None  # /system/bin/vold is not a package
    gk = by_pid[905]  # the AOSP daemon is not offered to indicator matching
    assert gk.name is None and gk.path is None and gk.listed_name == "/system/bin/gatekeeperd"
    assert gk.not_matched and "Gatekeeper" in gk.not_matched


def test_collector_json(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render([*BASELINE, SPY, ROGUE_GK], collector=True)
    records, ctx = parse("android.processes", _write(tmp_path, data))
    assert ctx.warnings == 0
    by_pid = {r.pid: r for r in records}
    spy = by_pid[4242]
    assert spy.listing == "collector" and spy.uid == 10311 and spy.user is None
    assert spy.name == "com.apspy.app:remote" and spy.listed_name == "com.apspy.app:r"
    assert spy.context == "u:r:untrusted_app:s0:c55,c257,c512,c768"
    gk = by_pid[905]
    assert gk.name is None and gk.command_line == "/system/bin/gatekeeperd /data/misc/gatekeeper"
    rogue = by_pid[5000]  # same name, elsewhere: still matched
    assert rogue.name == "gatekeeperd" and rogue.path == "/data/local/tmp/gatekeeperd"
    assert rogue.not_matched is None
    assert by_pid[2].name == "kthreadd" and by_pid[2].command_line is None


def test_old_toolbox_ps_and_label_column(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = (
        "USER     PID   PPID  VSIZE  RSS     WCHAN    PC         NAME\n"
        "root      1     0     8904   788   ffffffff 00000000 S /init\n"
        "u0_a12    2201  190   912340 40122 SyS_epoll_ 00000000 S com.android.chrome\n"
    )
    records, ctx = parse("android.processes", _write(tmp_path, text.encode(), "ps.txt"),
                         "androidqf:ps.txt")  # fmt: skip
    assert ctx.warnings == 0 and [r.name for r in records] == ["init", "com.android.chrome"]
    labelled = (
        "LABEL USER PID PPID VSZ RSS WCHAN ADDR S NAME\n"
        "u:r:system_server:s0 system 1203 640 100 50  0 S system_server\n"
    )
    records, ctx = parse("android.processes", _write(tmp_path, labelled.encode()))
    assert ctx.warnings == 0
    assert records[0].context == "u:r:system_server:s0" and records[0].name == "system_server"


def test_broken_lines_and_items_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    text = render(BASELINE[:2]) + b"garbage line\nroot x 1 0 0 0 0 S bad\n"
    records, ctx = parse("android.processes", _write(tmp_path, text))
    assert len(records) == 2 and ctx.warnings == 2
    items = [{"pid": 7, "filename": "(adbd)", "uid": "zero"}, "nope", {"uid": 3}]
    records, ctx = parse("android.processes", _write(tmp_path, json.dumps(items).encode()))
    assert [r.name for r in records] == ["adbd"] and records[0].uid is None
    assert ctx.warnings == 3


def test_schema_mismatch_and_corrupt(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch, match="not ps output"):
        parse("android.processes", _write(tmp_path, b"hello world\n"))
    with pytest.raises(InputError, match="not JSON"):
        parse("android.processes", _write(tmp_path, b'[{"pid": 1,'))
    with pytest.raises(InputError, match="binary"):
        parse("android.processes", _write(tmp_path, b"\x7fELF\x02\x01\x01\x00\x00\x00"))
