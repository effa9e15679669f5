"""Android security patch level more than six months older than the acquisition.

Fact: MVT ``warn_android_patch_level`` (``src/mvt/android/utils.py``) warns when
``ro.build.version.security_patch`` (``YYYY-MM-DD``) is more than ``6 * 31`` days before now, and
``GetProp`` raises it as a MEDIUM alert. Here the reference date is the acquisition start
(``acquired`` on the getprop record, from the device facts), so an old acquisition is judged by
the date it was made; today's date is used only when the acquisition date is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.getprop import Property

PATCH_PROPERTY = "ro.build.version.security_patch"
MAX_AGE = timedelta(days=6 * 31)


def patch_date(value: str) -> datetime | None:
    """The patch level as a date (midnight UTC), or None when it is not ``YYYY-MM-DD``."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@detector
class SecurityPatchOld(Detector):
    NAME = "android_security_patch_old"
    TYPES = (Property.TYPE,)
    DESCRIPTION = "Security patch level over six months older than the acquisition (MEDIUM)"

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now  # for tests; None means the current time

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, Property) or record.name != PATCH_PROPERTY:
            return
        patch = patch_date(record.value)
        if patch is None:
            return
        if record.acquired is not None:
            reference, label = record.acquired, "the acquisition date"
        else:
            reference = self.now or datetime.now(UTC)
            label = "today's date (the acquisition date is unknown)"
        age = reference.date() - patch.date()  # whole days, as the patch level is a date
        if age <= MAX_AGE:
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.MEDIUM,
            message=(
                f"Security patch level {record.value.strip()} is {age.days} days older than "
                f"{label}, {reference:%Y-%m-%d}: the phone had not received Android security "
                "updates for more than six months, so publicly known vulnerabilities that "
                "spyware exploits may be open"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.value.strip(),
        )
