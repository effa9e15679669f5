"""Device-path globs: ``*`` and ``?`` stay in one segment, ``**`` spans zero or more segments."""

from __future__ import annotations

import re
from functools import cache


@cache
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile a device-path glob to an anchored regular expression."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("/**/", i):
            out.append("/(?:.*/)?")
            i += 4
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def literal_basename(pattern: str) -> str | None:
    """The pattern's last segment if it has no wildcard (lets sources index by file name)."""
    base = pattern.rsplit("/", 1)[-1]
    return None if any(ch in base for ch in "*?[") else base


class GlobSet:
    """Many globs matched against many paths: literal basenames are looked up, not scanned."""

    def __init__(self, patterns: list[str]) -> None:
        self.by_base: dict[str, list[str]] = {}
        self.wild: list[str] = []
        for pattern in dict.fromkeys(patterns):
            base = literal_basename(pattern)
            if base is None:
                self.wild.append(pattern)
            else:
                self.by_base.setdefault(base, []).append(pattern)

    def matches(self, path: str) -> list[str]:
        """The patterns that ``path`` matches."""
        base = path.rsplit("/", 1)[-1]
        hits = [p for p in self.by_base.get(base, ()) if compile_glob(p).match(path)]
        hits.extend(p for p in self.wild if compile_glob(p).match(path))
        return hits
