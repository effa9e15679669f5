"""Loading indicator files: STIX2 bundles, and the stalkerware source's ioc.yaml / samples.csv.

The one entry point, :func:`load_iocs`, picks the reader by file (``iocs.stix`` for STIX2
bundles, ``iocs.stalkerware`` for the Echap files); both readers depend on the model in
``iocs.stix`` and not on each other or on this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from tracehound.iocs.stalkerware import is_stalkerware_file, load_stalkerware
from tracehound.iocs.stix import (
    Indicator,
    IocFile,
    IocFileError,
    IocSet,
    load_bundle_bytes,
    read_indicator_file,
)


def _wanted(path: Path) -> bool:
    """Indicator files inside a folder: STIX2 bundles and the stalkerware source's files."""
    return path.is_file() and (path.suffix in (".stix2", ".json") or is_stalkerware_file(path))


#: Why a path given as indicators yields no file; recorded as that path's IocFile error.
NO_SUCH_PATH = "no such file or directory"
EMPTY_FOLDER = (
    "no indicator file in this folder (.stix2 or .json STIX2 bundles, ioc.yaml, samples.csv)"
)


def expand(paths: Sequence[Path]) -> list[tuple[Path, str | None]]:
    """Files named, and indicator files under directories (sorted), once each, with None; a
    path that does not exist or a folder without any indicator file comes with the reason, so
    that it is reported like a broken file instead of silently adding nothing."""
    entries: list[tuple[Path, str | None]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if _wanted(p))
            entries += [(p, None) for p in found] if found else [(path, EMPTY_FOLDER)]
        elif path.exists():
            entries.append((path, None))
        else:
            entries.append((path, NO_SUCH_PATH))
    seen: set[Path] = set()
    unique: list[tuple[Path, str | None]] = []
    for path, error in entries:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, error))
    return unique


def _load_any(
    path: Path, data: bytes, name: str
) -> tuple[list[Indicator], list[str], int, str | None]:
    """A STIX2 bundle, or the stalkerware source's ioc.yaml / samples.csv by file name."""
    if is_stalkerware_file(path):
        indicators, warnings = load_stalkerware(path, data, name)
        return indicators, warnings, 0, None
    return load_bundle_bytes(path, data, name)


def load_iocs(paths: Sequence[Path], label: Callable[[Path], str] = str) -> IocSet:
    """Load indicator files and directories; a bad file is recorded and loading goes on.

    ``label`` names each file in indicators, run.json and messages (default: its path).
    """
    result = IocSet()
    for path, problem in expand(paths):
        name = label(path)
        entry = IocFile(path=name, sha256="")
        result.files.append(entry)
        try:
            if problem is not None:
                raise IocFileError(name, problem)
            data = read_indicator_file(path)
            entry.sha256 = hashlib.sha256(data).hexdigest()
            indicators, warnings, entry.duplicates, entry.newest = _load_any(path, data, name)
        except IocFileError as exc:
            entry.error = exc.reason
            result.warn(str(exc))
            continue
        counts: dict[str, int] = {}
        names: set[str] = set()
        for ind in indicators:
            counts[ind.kind.value] = counts.get(ind.kind.value, 0) + 1
            names.update(ind.malware)
        entry.indicators, entry.counts = len(indicators), counts
        entry.malware, entry.warnings = tuple(sorted(names)), len(warnings)
        result.indicators += indicators
        for message in warnings:
            result.warn(message)
    return result
