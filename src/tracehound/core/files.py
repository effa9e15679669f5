"""One entry of an acquisition's file listing: what sources list and listing artifacts read.

In ``core`` so that parsers read listings without importing the sources that make them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file or folder of an acquisition's file listing (no content)."""

    path: str  # canonical device path
    is_dir: bool
    size: int | None = None
    modified: datetime | None = None  # aware UTC
    mode: int | None = None
