from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fuzz.seeds_intrusion import INTRUSION_EVENTS, intrusion_log, render_intrusion_log
from tracehound.core.errors import InputError
from tracehound.core.timeutil import from_unix_ns
from tracehound.parsers.android.intrusion_logs import looks_like_intrusion_log

NAME = "android.intrusion_logs"
DEVICE_PATH = "androidqf:intrusion_logs/intrusion_log.jsonl"


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, intrusion_log(tmp_path), DEVICE_PATH)
    assert ctx.warnings == 0
    dns, connect, unlock, adb = records
    assert (dns.event, dns.domain, dns.addresses, dns.app_id) == (
        "dns", "updates.example-cdn.net", ("203.0.113.7",), "com.example.reader")  # fmt: skip
    assert dns.ts == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert (connect.event, connect.addresses, connect.port) == ("connect", ("198.51.100.23",), 443)
    assert connect.ts == datetime(2026, 3, 1, 10, 0, 1, tzinfo=UTC)
    assert (unlock.tag, unlock.tag_name, unlock.data) == (
        210007, "keyguard_dismiss_auth_attempt", ("0", "1"))  # fmt: skip
    assert unlock.ts == datetime(2026, 3, 1, 10, 1, tzinfo=UTC)
    assert (adb.tag_name, adb.data, adb.domain, adb.addresses) == (
        "adb_shell_cmd", ("pm list packages",), None, ())  # fmt: skip


def test_nested_and_named_types(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    events: list[dict[str, object]] = [
        {"type": "NETWORK_EVENT_DNS", "dnsEvent": {"hostname": "a.example", "timestamp": "5"}},
        {"connectEvent": {"inetAddress": "192.0.2.1", "port": 80, "timestamp": 1}},
    ]
    path = tmp_path / "log.jsonl"
    path.write_bytes(render_intrusion_log(events))
    records, ctx = parse(NAME, path, DEVICE_PATH)
    assert ctx.warnings == 0
    assert [(r.event, r.domain, r.addresses) for r in records] == [
        ("dns", "a.example", ()), ("connect", None, ("192.0.2.1",))]  # fmt: skip


def test_broken_lines_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    lines = [json.dumps(INTRUSION_EVENTS[0]), "{not json", "[1, 2]", json.dumps({"type": 9}),
             json.dumps({"type": 0, "tag": 210001})]  # fmt: skip
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    records, ctx = parse(NAME, path, DEVICE_PATH)
    # one good event, the security event without a time is kept but warned about
    assert [r.event for r in records] == ["dns", "security"]
    assert ctx.warnings == 4 and records[1].ts is None


def test_not_an_intrusion_log(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError):
        parse(NAME, path, DEVICE_PATH)


def test_recognised_by_content(tmp_path: Path) -> None:
    assert looks_like_intrusion_log(intrusion_log(tmp_path).read_bytes()[:4096])
    assert not looks_like_intrusion_log(b'{"name": "x"}\n')
    assert not looks_like_intrusion_log(b"\x00\x01")


def test_from_unix_ns_keeps_microseconds() -> None:
    assert from_unix_ns(1_772_359_200_123_456_789) == datetime(
        2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)  # fmt: skip
    assert from_unix_ns(None) is None and from_unix_ns(10**30) is None
