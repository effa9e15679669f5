"""Third-party apps receiving SMS or watching calls (informational).

Facts: MVT ``DumpsysReceiversArtifact.check_indicators`` logs, at info level only, every
receiver of ``SMS_RECEIVED``, ``NEW_OUTGOING_SMS``, ``DATA_SMS_RECEIVED``, ``PHONE_STATE`` and
``NEW_OUTGOING_CALL`` (see parsers/android/dumpsys_receivers.py). Messaging and dialer apps
register them legitimately, so this stays INFO. Packages that ``dumpsys package`` flags as
system apps are left out; when no package list is available every receiver is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_packages import DumpsysPackage
from tracehound.parsers.android.dumpsys_receivers import INTENTS, PackageReceiver


@detector
class AndroidSmsReceivers(Detector):
    NAME = "android_sms_receivers"
    TYPES = (PackageReceiver.TYPE, DumpsysPackage.TYPE)
    DESCRIPTION = "Third-party apps registered to receive SMS or watch calls (informational)"

    def __init__(self) -> None:
        self._receivers: list[tuple[PackageReceiver, Provenance]] = []
        self._system: set[str] = set()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, PackageReceiver):
            self._receivers.append((record, prov))
        elif isinstance(record, DumpsysPackage) and record.system:
            self._system.add(record.package)
        return iter(())

    def finish(self) -> Iterator[Finding]:
        for record, prov in self._receivers:
            if record.package in self._system:
                continue
            what = INTENTS.get(record.intent, record.intent)
            yield Finding(
                detector=self.NAME,
                severity=Severity.INFO,
                message=f"App {record.package} registered a receiver to {what}",
                ts=record.ts,
                record=record,
                prov=prov,
                value=record.receiver,
            )
