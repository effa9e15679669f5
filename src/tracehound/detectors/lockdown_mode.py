"""Whether Lockdown Mode is on, from the global preferences (``LDMGlobalEnabled``).

Fact: MVT ``GlobalPreferences.check_indicators`` reports "Lockdown mode enabled" when
``LDMGlobalEnabled`` is true and "Lockdown mode disabled" when it is false; nothing when absent.
Apple's Lockdown Mode hardens the device against mercenary spyware, so it being off is noted (LOW)
and it being on is context for the analyst (INFO).

A sysdiagnose holds no ``LDMGlobalEnabled`` but the effective management restrictions
(``ios.managed_settings``): ``allowLockdownMode`` false means a management profile forbids
turning Lockdown Mode on (Apple Device Management, Restrictions; iOS 17+), noted LOW; true is
the default and says nothing of the state, so it is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.global_preferences import GlobalPreference
from tracehound.parsers.ios.managed_settings import ManagedSetting

KEY = "LDMGlobalEnabled"
RESTRICTION = "allowLockdownMode"
_FALSE = frozenset({"", "false", "0", "0.0", "no"})


def is_enabled(value: str) -> bool:
    """Truth of a preference value kept as text (``True``, ``1``, ``yes``... are true)."""
    return value.strip().lower() not in _FALSE


@detector
class LockdownMode(Detector):
    NAME = "lockdown_mode"
    TYPES = (GlobalPreference.TYPE, ManagedSetting.TYPE)
    DESCRIPTION = (
        "Lockdown Mode state: enabled (INFO) or disabled (LOW); forbidden by a management "
        "restriction (LOW)"
    )

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if isinstance(record, ManagedSetting):
            yield from self._restriction(record, prov)
            return
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

    def _restriction(self, record: ManagedSetting, prov: Provenance) -> Iterator[Finding]:
        if record.key != RESTRICTION or is_enabled(record.value):
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.LOW,
            message=(
                "Lockdown Mode cannot be turned on: a management restriction "
                f"({RESTRICTION} = {record.value}) forbids it"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.value,
        )
