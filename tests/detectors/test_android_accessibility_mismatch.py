from __future__ import annotations

import dataclasses
import typing
from typing import Any

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_accessibility_mismatch import AccessibilityMismatch
from tracehound.parsers.android.dumpsys_accessibility import AccessibilityService
from tracehound.parsers.android.packages import Package

PROV = Provenance(source="androidqf", path="androidqf:dumpsys.txt", sha256=None,
                  parser="android.dumpsys_accessibility", parser_version="1")  # fmt: skip


def package(name: str) -> Package:
    """A package record with only its name set (tuples empty, the rest None)."""
    hints = typing.get_type_hints(Package)
    values: dict[str, Any] = {
        f.name: () if typing.get_origin(hints[f.name]) is tuple else None
        for f in dataclasses.fields(Package)
    }
    values["name"] = name
    return Package(**values)


def service(pkg: str, *, enabled: bool, installed: bool) -> AccessibilityService:
    return AccessibilityService(ts=None, package=pkg, service=f"{pkg}/{pkg}.A11y",
                                enabled=enabled, installed=installed, user=0)  # fmt: skip


def run(*records: Record) -> list[Finding]:
    det = AccessibilityMismatch()
    found = [f for r in records for f in det.feed(r, PROV)]
    return found + list(det.finish())


def test_enabled_not_installed() -> None:
    findings = run(service("com.gone.spy", enabled=True, installed=False),
                   service("com.screen.reader", enabled=True, installed=True))  # fmt: skip
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.MEDIUM, "com.gone.spy/com.gone.spy.A11y")]  # fmt: skip
    assert "enabled but not installed" in findings[0].message


def test_installed_service_of_a_package_missing_from_the_list() -> None:
    findings = run(service("com.hidden", enabled=False, installed=True),
                   service("com.listed", enabled=True, installed=True),
                   package("com.listed"))  # fmt: skip
    assert [(f.severity, f.value) for f in findings] == [
        (Severity.LOW, "com.hidden/com.hidden.A11y")]  # fmt: skip
    assert "not in the package list" in findings[0].message


def test_no_package_list_proves_nothing() -> None:
    assert run(service("com.hidden", enabled=False, installed=True)) == []
