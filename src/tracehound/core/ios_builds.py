"""The bundled table of iOS builds: version, release date and whether the release fixed CVEs.

The table (``data/ios_builds/builds.json``, rebuilt by ``bench/ios_builds_table.py`` from the
public sources in ``data/ios_builds/SOURCES.md``) maps each build (``18F72``) to its version
(``14.6``), as MVT's ``ios_versions.json`` does, and adds the release date and the security
facts of Apple's security releases page (support.apple.com/en-us/100100, through the SOFA
feed) where a source gives them. The table knows only releases published before its sources
were taken, so "newest" always means "newest as of the table": its ``built`` date says when.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "ios_builds" / "builds.json"
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


def version_key(version: str | None) -> tuple[int, ...] | None:
    """``"14.6"`` -> ``(14, 6)`` (trailing zeros dropped: 14.6.0 == 14.6); None if not a
    dotted number, so an unknown or odd version is never compared."""
    text = (version or "").strip()
    if not _VERSION.match(text):
        return None
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class Release:
    """One build of the table."""

    build: str
    version: str
    released: date | None
    security: bool | None  # True: CVE entries published; False: none; None: not known
    cves: int | None
    advisory: str | None


def _release(row: dict[str, Any]) -> Release | None:
    build, version = row.get("build"), row.get("version")
    if not isinstance(build, str) or version_key(version) is None:
        return None
    released = row.get("released")
    security, cves = row.get("security"), row.get("cves")
    advisory = row.get("advisory")
    return Release(
        build=build,
        version=str(version),
        released=date.fromisoformat(released) if isinstance(released, str) else None,
        security=security if isinstance(security, bool) else None,
        cves=cves if isinstance(cves, int) and not isinstance(cves, bool) else None,
        advisory=advisory if isinstance(advisory, str) else None,
    )


@dataclass(frozen=True)
class BuildTable:
    """Builds by name, and the releases in version order."""

    built: date
    releases: tuple[Release, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildTable:
        rows = [_release(r) for r in data.get("builds", []) if isinstance(r, dict)]
        releases = sorted((r for r in rows if r), key=lambda r: (version_key(r.version), r.build))
        return cls(date.fromisoformat(str(data["built"])), tuple(releases))

    @functools.cached_property
    def _by_build(self) -> dict[str, Release]:
        return {r.build.upper(): r for r in self.releases}

    def find(self, build: str | None) -> Release | None:
        """The release of ``build`` (case-insensitive, as MVT's ``find_version_by_build``)."""
        return self._by_build.get((build or "").strip().upper())

    def newest(self) -> Release:
        """The newest release of the table (highest version; its latest dated build)."""
        top = version_key(self.releases[-1].version)
        same = [r for r in self.releases if version_key(r.version) == top]
        return max(same, key=lambda r: (r.released or date.min, r.build))

    def newer_than(self, version: str) -> list[Release]:
        """One release per version newer than ``version``, in version order."""
        key = version_key(version)
        if key is None:
            return []
        seen: dict[tuple[int, ...], Release] = {}
        for release in self.releases:
            rkey = version_key(release.version)
            if rkey is not None and rkey > key and rkey not in seen:
                seen[rkey] = release
        return list(seen.values())

    def label(self) -> str:
        """``table built 2026-12-02 (338 builds, newest iOS 26.6.1 (23G83) of 2026-08-17)``."""
        top = self.newest()
        when = f" of {top.released.isoformat()}" if top.released else ""
        return (
            f"table built {self.built.isoformat()} ({len(self.releases)} builds, newest iOS "
            f"{top.version} ({top.build}){when})"
        )


@functools.cache
def bundled_table() -> BuildTable:
    """The table shipped with tracehound."""
    return BuildTable.from_json(json.loads(TABLE_PATH.read_text(encoding="utf-8")))
