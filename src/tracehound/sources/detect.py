"""Recognise the kind of acquisition at a path and open the matching source."""

from __future__ import annotations

from pathlib import Path

from tracehound.core.errors import NotAnAcquisition
from tracehound.sources.base import Source
from tracehound.sources.ios_backup import IOSBackup, looks_like_backup


def open_source(path: Path) -> Source:
    """Open ``path`` as a known acquisition, or raise NotAnAcquisition saying what is missing."""
    if not path.exists():
        raise NotAnAcquisition(f"{path}: no such file or folder")
    if not path.is_dir():
        raise NotAnAcquisition(
            f"{path}: is a file; tracehound reads an iOS backup folder "
            "(archives and other acquisition kinds are not supported yet)"
        )
    if looks_like_backup(path):
        return IOSBackup(path)
    subdirs = [p for p in sorted(path.iterdir()) if p.is_dir() and looks_like_backup(p)]
    if len(subdirs) == 1:
        return IOSBackup(subdirs[0])
    if len(subdirs) > 1:
        names = ", ".join(p.name for p in subdirs[:10])
        raise NotAnAcquisition(f"{path}: holds {len(subdirs)} backups ({names}); choose one")
    raise NotAnAcquisition(
        f"{path}: not an iOS backup: none of Manifest.db, Manifest.plist, Info.plist, "
        "Status.plist found here or in a single sub-folder"
    )
