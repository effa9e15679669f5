"""The indicator files shipped with tracehound (``data/iocs``; sources in ``SOURCES.md``)."""

from __future__ import annotations

from pathlib import Path

from tracehound.iocs.load import load_iocs
from tracehound.iocs.stix import IocSet

#: Folder of the bundled indicators: one sub-folder per source, each with its LICENSE.txt.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "iocs"


def bundled_stix_paths() -> list[Path]:
    """The bundled STIX2 files, sorted."""
    return sorted(BUNDLED_DIR.glob("*/*.stix2"))


def bundled_paths() -> list[Path]:
    """Every bundled indicator file: the STIX2 bundles, then the stalkerware source's own
    ``ioc.yaml`` and ``samples.csv`` (newer than its STIX2 export; see iocs/stalkerware.py)."""
    extras = [BUNDLED_DIR / "stalkerware" / name for name in ("ioc.yaml", "samples.csv")]
    return bundled_stix_paths() + [p for p in extras if p.is_file()]


def source_label(path: Path) -> str:
    """``bundled:<folder>/<file>`` for a bundled file (stable across installs), else the path."""
    try:
        return "bundled:" + path.resolve().relative_to(BUNDLED_DIR).as_posix()
    except ValueError:
        return str(path)


def load_bundled() -> IocSet:
    """Load every bundled STIX2 file."""
    return load_iocs(bundled_paths(), source_label)
