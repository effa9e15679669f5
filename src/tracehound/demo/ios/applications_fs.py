"""An app bundle's ``iTunesMetadata.plist`` as a file system dump holds it.

Facts: on the device each App Store app's bundle container
``/private/var/containers/Bundle/Application/<UUID>/`` holds ``iTunesMetadata.plist``, the same
store metadata that a backup copies into Info.plist (MVT ``Applications``). The plist content
is built by ``backup_info.itunes_metadata`` (binary plist), so both builders agree.
"""

from __future__ import annotations

from pathlib import Path

from tracehound.demo.ios.backup_info import App, itunes_metadata

__all__ = ["App", "write"]


def write(path: Path, app: App) -> None:
    """Write ``app``'s iTunesMetadata.plist (``app.raw_metadata`` verbatim when set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(app.raw_metadata or itunes_metadata(app))
