"""Recognise the kind of acquisition at a path and open the matching source.

Each source module registers an opener with ``@source_opener(priority)``; importing every module
of this package registers them all, so adding an acquisition kind is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from tracehound.core.errors import NotAnAcquisition
from tracehound.sources.base import Source, SourceOptions, openers

KNOWN_KINDS = (
    "an iOS backup folder (encrypted or not), an iOS full filesystem dump (folder, .tar, "
    ".tar.gz, .zip), an iOS sysdiagnose (.tar.gz or folder), a folder of iOS crash logs (.ips), "
    "an androidqf acquisition (folder, .zip, .zip.age), an Android bugreport "
    "(.zip or folder), an Android backup (.ab) or an exported Android 16 intrusion log"
)


def _load_openers() -> None:
    package = importlib.import_module("tracehound.sources")
    for info in pkgutil.iter_modules(package.__path__, prefix="tracehound.sources."):
        importlib.import_module(info.name)


def open_source(path: Path, options: SourceOptions | None = None) -> Source:
    """Open ``path`` as a known acquisition, or raise NotAnAcquisition saying what is missing."""
    if not path.exists():
        raise NotAnAcquisition(f"{path}: no such file or folder")
    _load_openers()
    opts = options or SourceOptions()
    source = _open_as_is(path, opts)
    if source is None and path.is_dir():
        # A folder holding exactly one acquisition (a .tar dump, an androidqf zip, a backup
        # folder...) is that acquisition; hidden files (.DS_Store, ._*) do not count.
        only = _only_entry(path)
        if only is not None:
            source = _open_as_is(only, opts)
    if source is None:
        raise NotAnAcquisition(
            f"{path}: not an acquisition tracehound knows; it reads {KNOWN_KINDS}, or a folder "
            "holding exactly one of them"
        )
    return source


def _open_as_is(path: Path, options: SourceOptions) -> Source | None:
    for opener in openers():
        source = opener(path, options)
        if source is not None:
            return source
    return None


def _only_entry(folder: Path) -> Path | None:
    """The one visible entry of ``folder`` (not a link), or None."""
    try:
        visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError as exc:
        raise NotAnAcquisition(f"{folder}: cannot be listed: {exc.strerror or exc}") from None
    if len(visible) != 1 or visible[0].is_symlink():
        return None
    return visible[0]
