from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.shutdown_sticky_reboot import ShutdownStickyReboot
from tracehound.parsers.ios.shutdown_log import ShutdownClient

T0 = datetime(2022, 1, 5, 23, 0, 0, tzinfo=UTC)
PROV = Provenance(
    source="ios_fs",
    path="/private/var/db/diagnostics/shutdown.log",
    sha256="0" * 64,
    parser="ios.shutdown_log",
    parser_version="1",
)


def client(
    pid: int, name: str, listed: int, delayed: int, reboot: int = 1, ts: datetime | None = T0
) -> ShutdownClient:
    return ShutdownClient(
        ts=ts,
        row=pid,
        pid=pid,
        client=f"/usr/libexec/{name}",
        client_raw=f"/usr/libexec/{name}",
        client_uuid=None,
        process=name,
        delay=1.0,
        times_listed=listed,
        times_delayed=delayed,
        reboot=reboot,
    )


def run(records: list[ShutdownClient]) -> list:  # type: ignore[type-arg]
    det = ShutdownStickyReboot()
    out = []
    for r in records:
        out.extend(det.feed(r, PROV))
    out.extend(det.finish())
    return out


def test_three_delays_is_medium_once_per_reboot() -> None:
    found = run([client(10, "a", 1, 3), client(11, "sticky", 3, 3), client(12, "b", 4, 4, 2)])
    assert [(f.value, f.severity) for f in found] == [
        ("3", Severity.MEDIUM),
        ("4", Severity.MEDIUM),
    ]
    first = found[0]
    assert first.ts == T0 and first.detector == "shutdown_sticky_reboot"
    assert "2 process(es)" in first.message and "every delay: sticky" in first.message
    assert first.record.pid == 10


def test_negative_cases() -> None:
    assert run([client(1, "a", 2, 2), client(2, "b", 1, 1, 2)]) == []
    assert run([client(3, "c", 5, 5, 3, ts=None)]) == []  # no SIGTERM yet: not a reboot
