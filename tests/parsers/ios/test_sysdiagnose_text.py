from __future__ import annotations

import plistlib
from pathlib import Path

from tests.fuzz.seeds_sysdiagnose import seed_sysdiagnose_text
from tracehound.core.glob import GlobSet
from tracehound.sources.sysdiagnose_sweep import (
    LARGE,
    MAX_BYTES,
    OTHER,
    OWN,
    SIDECAR,
    UNIFIED,
    coverage_note,
    reason_left,
)

LOG = "sysdiagnose:logs/Networking/nsurlsessiond.log"
STAGED = "/private/var/db/com.apple.xpc.roleaccountd.staging/msgacntd"


def _values(records: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(r.kind, r.url or r.domain or r.path or r.process, r.row, r.count) for r in records]


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_sysdiagnose_text(tmp_path / "nsurlsessiond.log")
    records, ctx = parse("ios.sysdiagnose_text", path, LOG)
    assert ctx.warnings == 0
    assert _values(records) == [
        ("url", "https://urlpush.net/n8Kd2xq", 1, 2),
        ("process", "nsurlsessiond", 1, 1),
        ("domain", "bun54l2b67.get1tn0w.free247downloads.com", 2, 1),
        ("path", STAGED, 3, 1),
    ]
    assert records[0].context.startswith("2021-07-12 09:14:03 nsurlsessiond[118]")
    assert all(r.ts is None and r.key is None for r in records)


def test_binary_plist_strings_are_swept(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.plist"
    data = {"a": {"b": ["see https://x.example/p", 3]}, "c": "/private/var/tmp/x/y"}
    path.write_bytes(plistlib.dumps(data, fmt=plistlib.FMT_BINARY))
    records, ctx = parse("ios.sysdiagnose_text", path, "sysdiagnose:logs/A/x.plist")
    assert ctx.warnings == 0
    assert [(r.kind, r.key) for r in records] == [("url", "a/b/0"), ("path", "c")]
    assert records[0].url == "https://x.example/p" and records[0].row is None


def test_broken_inputs_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x00\x01\x02 https://x.example/ binary")
    records, ctx = parse("ios.sysdiagnose_text", path, "sysdiagnose:x.txt")
    assert records == [] and ctx.warnings == 1
    path.write_bytes(b"bplist00 cut")
    records, ctx = parse("ios.sysdiagnose_text", path, "sysdiagnose:x.plist")
    assert records == [] and ctx.warnings == 1
    path.write_bytes("\n".join(f"https://h{i}.example/" for i in range(5001)).encode())
    records, ctx = parse("ios.sysdiagnose_text", path, "sysdiagnose:x.txt")
    assert len(records) == 5000 and ctx.warnings == 1


def test_files_read_by_another_artifact_are_left(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = seed_sysdiagnose_text(tmp_path / "ps.txt")
    records, ctx = parse("ios.sysdiagnose_text", path, "sysdiagnose:ps.txt")
    assert records == [] and ctx.warnings == 0


def test_what_is_swept_and_why_not() -> None:
    others = GlobSet(["sysdiagnose:ps.txt"])
    assert reason_left("ps.txt", 10, others) == OWN
    assert reason_left("system_logs.logarchive/00/0000000000000001.tracev3", 9, others) == UNIFIED
    assert reason_left("system_logs.logarchive/Extra/logdata.statistics.txt", 9, others) is None
    assert reason_left("logs/._x.log", 9, others) == SIDECAR
    assert reason_left("logs/powerlogs/powerlog_2021.PLSQL", 9, others) == OTHER
    assert reason_left("logs/big.log", MAX_BYTES + 1, others) == LARGE
    assert reason_left("logs/MobileActivation/mobileactivationd.log.1", 9, others) is None
    files = {"ps.txt": 10, "a.log": 1, "b.db": 2, "big.txt": MAX_BYTES + 1}
    assert coverage_note(files, others) == (
        "ios.sysdiagnose_text: 1 text files swept for URLs, domains, paths and process names "
        "(a.log); not swept: 1 not a text file name (database, archive, binary...); 1 over the "
        "16 MiB cap; 1 read by its own artifact; over the cap: big.txt"
    )
