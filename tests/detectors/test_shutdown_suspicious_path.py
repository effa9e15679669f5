from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.shutdown_suspicious_path import (
    ShutdownSuspiciousPath,
    suspicious_folder,
)
from tracehound.parsers.ios.shutdown_log import ShutdownClient, split_client

T0 = datetime(2021, 4, 2, 6, 30, 11, tzinfo=UTC)
PROV = Provenance(
    source="ios_fs",
    path="/private/var/db/diagnostics/shutdown.log",
    sha256="0" * 64,
    parser="ios.shutdown_log",
    parser_version="1",
)
UID = "42286BD8-3758-3B85-B19F-6E1FDB2CB030"


def client(raw: str, days: int | None = 0, reboot: int = 1) -> ShutdownClient:
    path, uid, name = split_client(raw)
    return ShutdownClient(
        ts=None if days is None else T0 + timedelta(days=days),
        row=3,
        pid=1234,
        client=path,
        client_raw=raw,
        client_uuid=uid,
        process=name,
        delay=0.5,
        times_listed=1,
        times_delayed=1,
        reboot=reboot,
    )


def run(records: list[ShutdownClient]) -> list:  # type: ignore[type-arg]
    det = ShutdownSuspiciousPath()
    out = []
    for r in records:
        out.extend(det.feed(r, PROV))
    out.extend(det.finish())
    return out


def test_pegasus_staging_path_is_high_once_per_client() -> None:
    staged = f"/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd/{UID}"
    found = run([client(staged, 3, 2), client(staged, 0, 1), client(staged, None, 3)])
    assert len(found) == 1
    f = found[0]
    assert f.severity is Severity.HIGH and f.detector == "shutdown_suspicious_path"
    assert f.value == "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd"
    assert f.ts == T0 and "3 shutdown(s)" in f.message and "Pegasus" in f.message
    assert f.record.reboot == 2  # the first record seen is kept


def test_predator_tmp_path_and_var_spelling() -> None:
    found = run([client("/var/tmp/UserEventAgent"), client("/private/var/tmp/x/y")])
    assert [(f.value, "Predator" in f.message) for f in found] == [
        ("/private/var/tmp/x/y", True),
        ("/var/tmp/UserEventAgent", True),
    ]


def test_negative_cases() -> None:
    assert run([client("/usr/libexec/mobileassetd"), client("/private/var/dbx/a")]) == []
    assert run([client("/System/Library/PrivateFrameworks/X.framework/db/tmp/agent")]) == []
    app = "/private/var/containers/Bundle/Application/0A1B2C3D-0000-4000-8000-000000000001"
    assert run([client(f"{app}/Notes.app/Notes")]) == []
    assert run([client("/private/var/mobile/Containers/Bundle/Application/A/B.app/B")]) == []
    assert suspicious_folder("/private/var/db") is None
    assert suspicious_folder("/var/db/x") == "/private/var/db/"


def test_other_data_folders_are_medium() -> None:
    found = run(
        [
            client("/private/var/mobile/Library/Caches/x/agentd"),
            client("/var/root/.cache/helper"),
            client("/tmp/run/loader"),
            client("/usr/../private/var/db/z"),
        ]
    )
    assert [(f.value, f.severity) for f in found] == [
        ("/private/var/mobile/Library/Caches/x/agentd", Severity.MEDIUM),
        ("/tmp/run/loader", Severity.MEDIUM),
        ("/usr/../private/var/db/z", Severity.HIGH),
        ("/var/root/.cache/helper", Severity.MEDIUM),
    ]
    assert "the user's data folder" in found[0].message and "Pegasus" in found[2].message
    assert suspicious_folder("/var/mobile/x") == "/private/var/mobile/"
