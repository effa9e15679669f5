from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_intrusion_security_events import IntrusionSecurityEvents
from tracehound.parsers.android.intrusion_logs import TAGS, IntrusionEvent

PROV = Provenance(source="intrusionlog", path="intrusionlog:log.jsonl", sha256=None,
                  parser="android.intrusion_logs", parser_version="1")  # fmt: skip
T = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def event(tag: int, data: tuple[str, ...], minute: int, kind: str = "security") -> IntrusionEvent:
    return IntrusionEvent(ts=T + timedelta(minutes=minute), event=kind, domain=None,
                          addresses=(), port=None, app_id=None, tag=tag,
                          tag_name=TAGS.get(tag), data=data, log_level=1)  # fmt: skip


def run(*events: IntrusionEvent) -> list[Finding]:
    det = IntrusionSecurityEvents()
    found = [f for e in events for f in det.feed(e, PROV)]
    return found + list(det.finish())


def test_repeated_failed_unlocks_are_medium_at_the_first() -> None:
    findings = run(event(210007, ("0", "1"), 5), event(210007, ("0", "1"), 2),
                   event(210007, ("1", "1"), 3), event(210007, ("0", "1"), 7))  # fmt: skip
    assert [(f.severity, f.value, f.ts) for f in findings] == [
        (Severity.MEDIUM, "failed_unlocks", T + timedelta(minutes=2))]  # fmt: skip
    assert findings[0].message.startswith("3 failed attempts")


def test_few_failures_and_successes_are_quiet() -> None:
    assert run(event(210007, ("0", "1"), 1), event(210007, ("0", "1"), 2),
               event(210007, ("1", "1"), 3), event(210009, (), 4)) == []  # fmt: skip


def test_adb_is_low_once() -> None:
    findings = run(event(210002, ("pm list packages",), 9), event(210001, (), 4))
    assert [(f.severity, f.value, f.ts) for f in findings] == [
        (Severity.LOW, "adb", T + timedelta(minutes=4))]  # fmt: skip
    assert "2 ADB" in findings[0].message and "adb_shell_interactive" in findings[0].message
