"""The indicator files shipped with tracehound (``data/iocs``; sources in ``SOURCES.md``)."""

from __future__ import annotations

from pathlib import Path

from tracehound.iocs.stix import IocSet, load_iocs

#: Folder of the bundled indicators: one sub-folder per source, each with its LICENSE.txt.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "iocs"


def bundled_paths() -> list[Path]:
    """The bundled STIX2 files, sorted."""
    return sorted(BUNDLED_DIR.glob("*/*.stix2"))


def source_label(path: Path) -> str:
    """``bundled:<folder>/<file>`` for a bundled file (stable across installs), else the path."""
    try:
        return "bundled:" + path.resolve().relative_to(BUNDLED_DIR).as_posix()
    except ValueError:
        return str(path)


def load_bundled() -> IocSet:
    """Load every bundled STIX2 file."""
    return load_iocs(bundled_paths(), source_label)
