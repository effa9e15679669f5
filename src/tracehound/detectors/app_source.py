"""Apps installed from outside the App Store, and app metadata without a bundle id.

Facts: MVT ``Applications.check_indicators``: an app whose iTunesMetadata ``sourceApp`` is not one
of the known installers (``com.apple.AppStore``, ``com.apple.AppStore.ProductPageExtension``,
``com.apple.dmd``, ``dmd``: App Store and MDM) is "not installed from the App Store or MDM"
(MEDIUM); a missing ``sourceApp`` counts as the App Store. Metadata lacking
``softwareVersionBundleId`` is suspicious too (MVT checks it only when indicators are loaded and
recent MVT rates it HIGH; here it is always checked, MEDIUM).
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.applications import Application

KNOWN_INSTALLERS = frozenset(
    {"com.apple.AppStore", "com.apple.AppStore.ProductPageExtension", "com.apple.dmd", "dmd"}
)


@detector
class AppSource(Detector):
    NAME = "app_source"
    TYPES = (Application.TYPE, "ios.applications_fs")
    DESCRIPTION = "Apps installed from outside the App Store or MDM, or without a store bundle id"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, Application) or not record.has_metadata:
            return
        source = record.source_app
        if source is not None and source not in KNOWN_INSTALLERS:
            yield Finding(
                detector=self.NAME,
                severity=Severity.MEDIUM,
                message=(
                    f"App {record.bundle_id} was installed from outside the App Store or MDM "
                    f"(installer: {source})"
                ),
                ts=record.ts,
                record=record,
                prov=prov,
                value=source,
            )
        if not record.store_bundle_id:
            yield Finding(
                detector=self.NAME,
                severity=Severity.MEDIUM,
                message=(
                    f"App {record.bundle_id} has store metadata without a bundle id "
                    "(softwareVersionBundleId)"
                ),
                ts=record.ts,
                record=record,
                prov=prov,
                value=record.bundle_id,
            )
