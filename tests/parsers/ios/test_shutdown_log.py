from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios.shutdown_log import Reboot, render, with_uuid, write
from tracehound.parsers.ios.shutdown_log import split_client

T1 = datetime(2021, 4, 2, 6, 30, 11, tzinfo=UTC)
T2 = datetime(2021, 4, 9, 22, 5, 0, tzinfo=UTC)
STAGING = "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd"
SPRING = "/System/Library/CoreServices/SpringBoard.app/SpringBoard"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shutdown.log"
    staged = with_uuid(STAGING)
    write(
        path,
        [
            Reboot.simple(T1, [(41, "/usr/libexec/mobileassetd")]),
            Reboot(
                T2,
                [
                    (0.01, [(77, SPRING), (1234, staged)]),
                    (0.52, [(1234, staged)]),
                    (1.03, [(1234, staged)]),
                ],
            ),
        ],
    )
    records, ctx = parse("ios.shutdown_log", path)
    assert ctx.warnings == 0
    assert [(r.reboot, r.pid) for r in records] == [(1, 41), (2, 77), (2, 1234)]
    first, spring, bad = records
    assert first.ts == T1 and first.client == "/usr/libexec/mobileassetd" and first.row == 2
    assert first.process == "mobileassetd" and first.delay == 0.01 and first.times_delayed == 1
    assert spring.ts == T2 and spring.times_listed == 1 and spring.delay == 0.01
    assert bad.client == STAGING and bad.client_raw == staged and bad.process == "mptbd"
    assert bad.client_uuid == staged.rsplit("/", 1)[1]
    assert bad.delay == 1.03 and bad.times_listed == 3 and bad.times_delayed == 3


def test_trailing_clients_without_sigterm(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shutdown.log"
    write(path, [Reboot.simple(T1, [(5, "/usr/sbin/a")]), Reboot.simple(None, [(6, "/b")])])
    records, ctx = parse("ios.shutdown_log", path)
    assert [(r.ts, r.pid, r.reboot) for r in records] == [(T1, 5, 1), (None, 6, 2)]
    assert ctx.warnings == 1 and "no reboot time" in ctx.messages[0]


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shutdown.log"
    path.write_text(
        "After 0.01s, these clients are still here:\n"
        "\t\tremaining client pid: 12 (/usr/libexec/x)\n"
        "\t\tremaining client pid: abc (/usr/libexec/y)\n"
        "SIGTERM: [not a time] All buffers flushed\n"
        "random noise line\n"
        "\t\tremaining client pid: 13 (/usr/libexec/z)\n"
        f"SIGTERM: [{int(T2.timestamp())}]\n"
    )
    records, ctx = parse("ios.shutdown_log", path)
    assert [(r.pid, r.ts, r.delay) for r in records] == [(12, None, 0.01), (13, T2, None)]
    assert records[1].times_listed == 0 and records[1].times_delayed == 0
    assert ctx.warnings == 2  # unreadable client line, SIGTERM without a time


def test_not_a_shutdown_log_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shutdown.log"
    path.write_text("hello\nthis is a different log\n")
    with pytest.raises(SchemaMismatch):
        parse("ios.shutdown_log", path)
    path.write_text("")
    records, ctx = parse("ios.shutdown_log", path)
    assert records == [] and ctx.warnings == 0


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shutdown.log"
    path.write_bytes(b"\x00\xff\xfe" * 300 + b"SIGTERM: [1]")
    with pytest.raises(InputError, match="binary"):
        parse("ios.shutdown_log", path)


def test_ios26_rotation_and_sysdiagnose_paths(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """iOS 26: shutdown.0.log, UUID-suffixed paths; MVT's "@<time>" SIGTERM form is accepted."""
    path = tmp_path / "shutdown.0.log"
    text = render([Reboot.simple(T1, [(90, with_uuid("/usr/sbin/filecoordinationd"))])])
    path.write_text(text.replace(f"[{int(T1.timestamp())}]", f"@{int(T1.timestamp())}"))
    for device in (
        "/private/var/db/diagnostics/shutdown.0.log",
        "/private/var/mobile/Library/Logs/CrashReporter/DiagnosticLogs/sysdiagnose/"
        "sysdiagnose_2026/system_logs.logarchive/Extra/shutdown.0.log",
    ):
        records, ctx = parse("ios.shutdown_log", path, device)
        assert ctx.warnings == 0 and len(records) == 1
        assert records[0].client == "/usr/sbin/filecoordinationd" and records[0].ts == T1
        assert records[0].process == "filecoordinationd"


def test_paths_match_globs() -> None:
    from tracehound.core.glob import GlobSet
    from tracehound.core.registry import artifacts

    art = next(a for a in artifacts() if a.name == "ios.shutdown_log")
    globs = GlobSet(list(art.paths))
    assert globs.matches("/private/var/db/diagnostics/shutdown.log")
    assert globs.matches("/private/var/db/diagnostics/shutdown.0.log")
    assert globs.matches("/x/sysdiagnose_1/system_logs.logarchive/Extra/shutdown.log")
    assert not globs.matches("/private/var/db/diagnostics/shutdown.log.gz")


def test_split_client() -> None:
    uid = "42286BD8-3758-3B85-B19F-6E1FDB2CB030"
    assert split_client(f"{STAGING}/{uid}") == (STAGING, uid, "mptbd")
    assert split_client("/usr/libexec/x") == ("/usr/libexec/x", None, "x")
    assert split_client(uid) == (uid, None, uid)
