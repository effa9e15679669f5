"""An exported Android 16 intrusion log file, as an acquisition on its own.

The file (newline-delimited JSON of DNS, connect and security events; see
``parsers/android/intrusion_logs.py`` for the fields and what could not be established from
public sources) is recognised by its content, not its name: the first line must be a JSON object
with intrusion-event fields. It is exposed as the one device path ``intrusionlog:<file name>``,
read in place (read-only) and hashed like every input.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError
from tracehound.core.glob import compile_glob
from tracehound.parsers.android.intrusion_logs import looks_like_intrusion_log
from tracehound.sources.base import Source, SourceOptions, source_opener

PREFIX = "intrusionlog:"
#: Enough of the file to hold its first event line.
HEAD_BYTES = 64 * 1024


class IntrusionLog(Source):
    """One exported intrusion log file."""

    kind = "intrusionlog"
    platform = "android"

    def __init__(self, path: Path, options: SourceOptions) -> None:
        super().__init__(path)
        self.options = options
        self.device_path = PREFIX + path.name

    def facts(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "platform": self.platform,
            "container": "file",
            "encrypted": False,
            "timezone": self.options.timezone,
        }

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        return {
            p: [self.device_path] if compile_glob(p).match(self.device_path) else []
            for p in patterns
        }

    def local(self, device_path: str) -> Path:
        if device_path != self.device_path:
            raise InputError(f"{device_path}: not in this intrusion log acquisition")
        return self.root


@source_opener(priority=80)
def open_intrusion_log(path: Path, options: SourceOptions) -> Source | None:
    """A regular file whose first line is an intrusion-log event."""
    if not path.is_file() or path.is_symlink():
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    return IntrusionLog(path, options) if looks_like_intrusion_log(head) else None
