"""Computers trusted for USB debugging (ADB host keys) on the phone.

Facts: ``dumpsys adb`` lists the keys of ``/data/misc/adb/adb_keys`` and ``adb_temp_keys.xml``
(``parsers/android/dumpsys_adb.py``); MVT ``DumpsysADBState`` lists them for review. A computer
holding such a key gets a shell on the phone without the user's confirmation, so each one is
reported (ours), LOW: the helpline's own computer (androidqf, adb bugreport) is among them, and
the analyst checks the others by their ``user@host`` and fingerprint. One finding per key.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.dumpsys_adb import AdbKey


@detector
class AdbTrustedKeys(Detector):
    NAME = "android_adb_trusted_keys"
    TYPES = (AdbKey.TYPE,)
    DESCRIPTION = "A computer trusted for USB debugging (ADB key); check it is a known one (LOW)"

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, AdbKey) or record.key in self.seen:
            return
        self.seen.add(record.key)
        who = record.user or "a computer with no name"
        yield Finding(
            detector=self.NAME, severity=Severity.LOW, ts=record.ts, record=record, prov=prov,
            value=record.fingerprint or record.key[:32],
            message=(
                f"{who} (key {record.fingerprint or 'not decodable'}, {record.source}) is trusted "
                "for USB debugging: it can run commands on the phone; check it is a known computer"
            ),
        )  # fmt: skip
