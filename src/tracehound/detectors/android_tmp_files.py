"""Files in /data/local/tmp/, the scratch folder where exploits and droppers stage payloads.

Facts: MVT ``AQFFiles`` (``SUSPICIOUS_PATHS = ["/data/local/tmp/"]``) raises a HIGH alert for
every file listed under /data/local/tmp/ except androidqf's own collector, which androidqf pushes
to ``/data/local/tmp/collector`` (androidqf ``adb/collector.go``: ``<tmp dir>/collector``), and
says "executable" when the mode contains ``x``. The folder is writable by the adb shell user and
empty on a phone that is not used for development.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracehound.core.records import Provenance, Record
from tracehound.core.registry import Detector, Finding, Severity, detector
from tracehound.parsers.android.files import DeviceFile

TMP = "/data/local/tmp/"
COLLECTOR = "/data/local/tmp/collector"


def is_executable(mode: str | None) -> bool:
    """True if any execute bit is set: ``-rwxr-xr-x`` (Go/ls; s and t imply x) or octal ``755``."""
    if not mode:
        return False
    if mode.isdigit():
        return int(mode, 8) & 0o111 != 0
    return any(char in "xst" for char in mode[-9:])


@detector
class TmpFiles(Detector):
    NAME = "android_tmp_files"
    TYPES = (DeviceFile.TYPE,)
    DESCRIPTION = "Files in /data/local/tmp/ other than androidqf's collector (HIGH)"

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        if not isinstance(record, DeviceFile):
            return
        if not record.path.startswith(TMP) or record.path == COLLECTOR:
            return
        kind = "Executable file" if is_executable(record.mode) else "File"
        yield Finding(
            detector=self.NAME,
            severity=Severity.HIGH,
            message=(
                f"{kind} {record.path} is in /data/local/tmp/, the adb shell's scratch folder "
                "where exploits and spyware installers stage their payloads"
            ),
            ts=record.ts,
            record=record,
            prov=prov,
            value=record.path,
        )
