"""Whether Lockdown Mode is on, from the global preferences (``LDMGlobalEnabled``).

Fact: MVT ``GlobalPreferences.check_indicators`` reports "Lockdown mode enabled" when
``LDMGlobalEnabled`` is true and "Lockdown mode disabled" when it is false; nothing when absent.
Apple's Lockdown Mode hardens the device against mercenary spyware, so it being off is noted (LOW)
and it being on is context for the analyst (INFO).
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.global_preferences import GlobalPreference

KEY = "LDMGlobalEnabled"
_FALSE = frozenset({"", "false", "0", "0.0", "no"})


def is_enabled(value: str) -> bool:
    """Truth of a preference value kept as text (``True``, ``1``, ``yes``... are true)."""
    return value.strip().lower() not in _FALSE


@detector
class LockdownMode(Detector):
    NAME = "lockdown_mode"
    TYPES = (GlobalPreference.TYPE,)
    DESCRIPTION = "Lockdown Mode state: enabled (INFO) or disabled (LOW)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, GlobalPreference) or record.key != KEY:
            return
        enabled = is_enabled(record.value)
        yield Finding(
            detector=self.NAME,
            severity=Severity.INFO if enabled else Severity.LOW,
            message="Lockdown Mode is enabled" if enabled else "Lockdown Mode is disabled",
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.value,
        )
