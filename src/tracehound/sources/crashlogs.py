"""A folder of iOS crash logs (``.ips``): exported from Settings > Privacy > Analytics Data, or
synced by iTunes/Finder to a computer.

Facts: Apple, "Acquiring crash reports and diagnostic logs" (developer.apple.com/documentation/
xcode/acquiring-crash-reports-and-diagnostic-logs): the device keeps them under Analytics Data,
and a Mac that syncs the device copies them to ``~/Library/Logs/CrashReporter/MobileDevice/
<device name>/`` (older ones in a ``Retired/`` sub-folder). The folder is recognised by its
content: at least one ``.ips`` file, and every visible file at its top an ``.ips`` report (a
``.ips.synced`` marker or ``.DS_Store`` aside), so a backup or dump folder is never taken for
it. Files are exposed as ``crashlogs:<relative path>``. A crash-log folder has no device facts
of its own; the reports' ``os_version`` field is kept in each record.
"""

from __future__ import annotations

from pathlib import Path

from tracehound.core.errors import NotAnAcquisition
from tracehound.sources.android_container import FolderTree
from tracehound.sources.archive import ExtractSpace
from tracehound.sources.base import Source, SourceOptions, source_opener
from tracehound.sources.sysdiagnose import Sysdiagnose

PREFIX = "crashlogs:"
REPORT_SUFFIXES = (".ips", ".ips.synced")


class CrashLogFolder(Sysdiagnose):
    """Read-only view of a crash-log folder as ``crashlogs:`` paths."""

    kind = "crashlogs"
    prefix = PREFIX

    def _version(self) -> dict[str, object]:
        return {}  # no SystemVersion.plist in a crash-log folder


def looks_like_crashlogs(folder: Path) -> bool:
    """At least one .ips, and only .ips reports (or folders) at the top of ``folder``."""
    try:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError as exc:
        raise NotAnAcquisition(f"{folder}: cannot be listed: {exc.strerror or exc}") from None
    files = [p for p in entries if not p.is_dir()]
    reports = [p for p in files if p.name.lower().endswith(REPORT_SUFFIXES)]
    return bool(reports) and len(reports) == len(files)


@source_opener(priority=65)
def open_crashlogs(path: Path, options: SourceOptions) -> Source | None:
    """A folder of .ips crash logs; else None."""
    if not path.is_dir() or not looks_like_crashlogs(path):
        return None
    return CrashLogFolder(path, FolderTree(path), "folder", ExtractSpace("tracehound-crash-"))
