from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.app_source import AppSource
from tracehound.parsers.ios.applications import Application

T0 = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="backup:Info.plist",
    sha256=None,
    parser="ios.applications",
    parser_version="1",
)


def app(**changes: Any) -> Application:
    fields: dict[str, Any] = {
        "ts": T0,
        "bundle_id": "com.example.app",
        "process": "com.example.app",
        "store_bundle_id": "com.example.app",
        "store_id_mismatch": None,
        "name": "App",
        "display_name": "App",
        "artist": "Example",
        "version": "1.0",
        "bundle_version": "1.0.0",
        "source_app": "com.apple.AppStore",
        "apple_id": None,
        "ds_person_id": None,
        "genre": None,
        "factory_install": None,
        "sideloaded_vpp": None,
        "release_date": None,
        "icon_sha256": None,
        "has_metadata": True,
        "installed": True,
    }
    fields.update(changes)
    return Application(**fields)


def run(record: Application) -> list[Finding]:
    return list(AppSource().feed(record, PROV))


def test_app_store_mdm_and_unknown_source_are_quiet() -> None:
    for source in (
        "com.apple.AppStore",
        "com.apple.AppStore.ProductPageExtension",
        "com.apple.dmd",
        "dmd",
        None,
    ):
        assert run(app(source_app=source)) == []


def test_outside_app_store_is_medium() -> None:
    findings = run(app(bundle_id="com.evil.vpn", source_app="com.marketplace.store"))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.MEDIUM and finding.detector == "app_source"
    assert finding.value == "com.marketplace.store" and finding.ts == T0
    assert "com.evil.vpn" in finding.message and "outside the App Store" in finding.message
    assert finding.record.bundle_id == "com.evil.vpn" and finding.prov is PROV


def test_missing_store_bundle_id_is_medium() -> None:
    findings = run(app(store_bundle_id=None))
    assert [(f.severity, f.value) for f in findings] == [(Severity.MEDIUM, "com.example.app")]
    assert "softwareVersionBundleId" in findings[0].message
    both = run(app(store_bundle_id=None, source_app="com.other.installer"))
    assert len(both) == 2


def test_app_without_metadata_is_quiet() -> None:
    assert run(app(has_metadata=False, store_bundle_id=None, source_app=None)) == []
