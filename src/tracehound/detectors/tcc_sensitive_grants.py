"""Camera and microphone permissions granted to apps or executables (informational).

Facts: MVT's ``TCC`` module logs, at info level, every client with access to
``kTCCServiceCamera`` or ``kTCCServiceMicrophone``. A grant alone is not suspicious, but it lists
who could record; an unknown client or a path client deserves a look.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.tcc import TccAccess

SENSITIVE = {"kTCCServiceCamera": "camera", "kTCCServiceMicrophone": "microphone"}


@detector
class TccSensitiveGrants(Detector):
    NAME = "tcc_sensitive_grants"
    TYPES = (TccAccess.TYPE,)
    DESCRIPTION = "Camera or microphone access granted (informational)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, TccAccess) or record.allowed is not True:
            return
        device = SENSITIVE.get(record.service or "")
        if device is None:
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.INFO,
            message=f"A client was granted {device} access",
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.client,
        )
