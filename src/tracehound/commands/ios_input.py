"""The input check of the commands that read iOS backups only (``decrypt``, ``extract-key``).

Both commands exist for encrypted iOS backups, as MVT's ``mvt-ios decrypt-backup`` and
``mvt-ios extract-key`` do (MVT has no Android counterpart). They offer no Android option: an
encrypted Android backup (.ab) or androidqf .zip.age needs no separate decryption step, since
``tracehound check`` decrypts it itself into its private temporary folder. An Android input
therefore gets one line saying so, instead of a generic "not an iOS backup".
"""

from __future__ import annotations

from pathlib import Path

from tracehound.core.errors import NotAnAcquisition
from tracehound.sources.android_backup import MAGIC as AB_MAGIC
from tracehound.sources.android_backup import looks_like_backup_folder
from tracehound.sources.androidqf import AGE_MAGIC, looks_like_androidqf
from tracehound.sources.ios_backup import find_backup

_ANDROID_HINT = (
    "'tracehound check' reads it directly and decrypts it itself "
    "(--password-file for an .ab, --age-identity for a .zip.age)"
)


def _android_kind(path: Path) -> str | None:
    """What Android acquisition ``path`` is, from a file's header or a folder's names only
    (nothing is unpacked: zip members are not listed here)."""
    if path.is_file():
        try:
            with path.open("rb") as handle:
                head = handle.read(max(len(AB_MAGIC), len(AGE_MAGIC)))
        except OSError:
            return None
        if head.startswith(AB_MAGIC):
            return "an Android backup (.ab)"
        if head.startswith(AGE_MAGIC):
            return "an age-encrypted androidqf acquisition (.zip.age)"
        return None
    if path.is_dir():
        if looks_like_androidqf(p.name for p in path.iterdir()):
            return "an androidqf acquisition"
        if looks_like_backup_folder(path):
            return "a folder unpacked from an Android backup"
    return None


def ios_backup_root(path: Path, command: str) -> Path:
    """The iOS backup folder at ``path``; else NotAnAcquisition in one line that says what
    ``path`` is instead and, for an Android input, what to run."""
    if not path.exists():
        raise NotAnAcquisition(f"{path}: no such file or folder")
    root = find_backup(path)
    if root is not None:
        return root
    android = _android_kind(path)
    if android is not None:
        raise NotAnAcquisition(
            f"{path}: {android}; '{command}' reads only iOS backups: {_ANDROID_HINT}"
        )
    raise NotAnAcquisition(f"{path}: not an iOS backup folder (no Manifest.plist)")
