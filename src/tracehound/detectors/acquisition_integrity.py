"""An androidqf acquisition that no longer matches the hash list androidqf wrote.

androidqf records the SHA-256 of every file it collects in ``hashes.csv`` (mvt-project/androidqf
``acquisition/acquisition.go``, ``acquisition/streaming_zip.go``). A file whose content differs
from its row, or a listed file that is gone, means the acquisition changed after it was made:
the results cannot be trusted as a picture of the phone (HIGH). A file that could not be read to
check it leaves that question open (MEDIUM). A file present but not listed was added afterwards
or by another tool; the listed evidence is intact, but records read from that file are not
covered by the list (LOW). An acquisition without hashes.csv (older androidqf versions, or
re-packed by hand) cannot be checked at all (INFO). Differences androidqf itself causes (its own
log and hash list) are marked ``by_design`` by the parser and never reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.aqf_integrity import AqfIntegrity

_MESSAGES: dict[str, tuple[Severity, str]] = {
    "mismatch": (
        Severity.HIGH,
        "An acquisition file differs from the SHA-256 androidqf recorded in hashes.csv: it "
        "changed after the acquisition, so results from it may not reflect the phone",
    ),
    "missing": (
        Severity.HIGH,
        "A file listed in the acquisition's hashes.csv is missing: the acquisition is "
        "incomplete or was altered after it was made",
    ),
    "invalid": (
        Severity.HIGH,
        "A row of the acquisition's hashes.csv holds no valid SHA-256: the hash list itself "
        "was damaged or edited",
    ),
    "unreadable": (
        Severity.MEDIUM,
        "An acquisition file listed in hashes.csv could not be read to check its SHA-256",
    ),
    "unlisted": (
        Severity.LOW,
        "An acquisition file is not listed in hashes.csv: it was added after the acquisition "
        "or by another tool, and records read from it are not covered by the hash list",
    ),
    "no_hash_list": (
        Severity.INFO,
        "The androidqf acquisition has no hashes.csv, so its integrity cannot be verified "
        "(older androidqf versions did not write one, or the acquisition was re-packed)",
    ),
}


@detector
class AcquisitionIntegrity(Detector):
    """Flags androidqf files that differ from, or are missing from, hashes.csv."""

    NAME = "acquisition_integrity"
    TYPES = (AqfIntegrity.TYPE,)
    DESCRIPTION = (
        "androidqf hashes.csv against the files: changed, missing or invalid rows HIGH, "
        "unreadable MEDIUM, files not listed LOW, no hash list INFO"
    )

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, AqfIntegrity) or record.by_design:
            return
        known = _MESSAGES.get(record.status)
        if known is None:
            return
        severity, message = known
        yield Finding(
            detector=self.NAME,
            severity=severity,
            message=message,
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.path or record.listed_path,
        )
