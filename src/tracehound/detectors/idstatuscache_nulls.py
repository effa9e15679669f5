"""ID status cache lookups of malformed URIs containing two NUL characters.

Facts: MVT's ``IDStatusCache`` module raises a high alert for entries whose user string contains
``\\x00\\x00`` (MVT escapes NUL characters before the check, so both real NULs and the escaped
text match); such malformed iMessage lookups were seen in exploitation.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.ios.idstatuscache import IdStatusLookup

_PATTERNS = ("\x00\x00", "\\x00\\x00")


@detector
class IdStatusCacheNulls(Detector):
    NAME = "idstatuscache_nulls"
    TYPES = (IdStatusLookup.TYPE,)
    DESCRIPTION = "iMessage/FaceTime lookup of a malformed URI containing NUL characters"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, IdStatusLookup):
            return
        if not any(p in record.user for p in _PATTERNS):
            return
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=(
                "Identity services looked up a malformed address containing NUL characters, "
                "a pattern seen in iMessage exploitation"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.user.replace("\x00", "\\x00"),
        )
