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
    ".tar.gz, .zip), an androidqf acquisition (folder, .zip, .zip.age), an Android bugreport "
    "(.zip or folder) or an Android backup (.ab)"
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
    for opener in openers():
        source = opener(path, opts)
        if source is not None:
            return source
    raise NotAnAcquisition(f"{path}: not an acquisition tracehound knows; it reads {KNOWN_KINDS}")
