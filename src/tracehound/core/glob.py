"""The one device-path glob matcher: ``*`` and ``?`` stay in one segment, ``**`` spans segments.

Every source and the parser runner match artifact globs with ``GlobSet``; nothing else turns a
glob into a regular expression. Only ``*`` and ``?`` are wildcards (``[`` is an ordinary
character, as in device file names such as ``Photos [1].jpg``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

WILDCARDS = "*?"


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
    return None if any(ch in base for ch in WILDCARDS) else base


def literal_prefix(pattern: str) -> str:
    """The part of ``pattern`` before its first wildcard."""
    cut = min((i for i in (pattern.find(c) for c in WILDCARDS) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _longest_literal(pattern: str) -> str:
    """The longest run of ``pattern`` without a wildcard."""
    parts = pattern.replace("?", "*").split("*")
    return max(parts, key=len)


class GlobSet:
    """Many globs matched against many paths: literal basenames are looked up, not scanned;
    other globs are tried only on paths that start with their literal prefix."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.by_base: dict[str, list[str]] = {}
        # (literal prefix, longest literal part, pattern): a path that matches the pattern starts
        # with the prefix and holds every literal part, so most paths are ruled out by two
        # string tests, without the regular expression (``/**/x`` has the prefix "/" only).
        self.wild: list[tuple[str, str, str]] = []
        for pattern in dict.fromkeys(patterns):
            base = literal_basename(pattern)
            if base is None:
                self.wild.append((literal_prefix(pattern), _longest_literal(pattern), pattern))
            else:
                self.by_base.setdefault(base, []).append(pattern)
        literal = [p for group in self.by_base.values() for p in group]
        self.prefixes = sorted({literal_prefix(p) for p in literal} | {w[0] for w in self.wild})

    def matches(self, path: str) -> list[str]:
        """The patterns that ``path`` matches."""
        base = path.rpartition("/")[2]
        hits = [p for p in self.by_base.get(base, ()) if compile_glob(p).match(path)]
        hits.extend(
            p
            for pre, part, p in self.wild
            if path.startswith(pre) and part in path and compile_glob(p).match(path)
        )
        return hits

    def matching_rows(self, paths: pa.Array) -> dict[str, list[int]]:
        """For a column of paths (Arrow strings), the positions each pattern matches, as
        :meth:`matches` would find them path by path: the indexes (basename, prefix, literal
        part) are applied to the whole column at once, and each glob's regular expression
        only to the paths they leave."""
        found: dict[str, list[int]] = {}
        if self.by_base:
            # Each path's basename (after its last "/"; ``(?s)``: a name may hold a newline),
            # looked up among the literal basenames in one pass.
            names = pc.replace_substring_regex(paths, pattern="(?s)^.*/", replacement="")
            near = pc.is_in(names, value_set=pa.array(list(self.by_base), pa.string()))
            rows = pc.indices_nonzero(pc.fill_null(near, False)).to_pylist()
            values = pc.take(paths, pa.array(rows, pa.int64())).to_pylist()
            for row, path in zip(rows, values, strict=True):
                for pattern in self.by_base[path.rpartition("/")[2]]:
                    if compile_glob(pattern).match(path):
                        found.setdefault(pattern, []).append(row)
        by_prefix: dict[str, list[tuple[str, str]]] = {}
        for prefix, part, pattern in self.wild:
            by_prefix.setdefault(prefix, []).append((part, pattern))
        for prefix, group in by_prefix.items():
            starts = pc.fill_null(pc.starts_with(paths, prefix), False)
            if not pc.any(starts).as_py():
                continue  # no path under this prefix (another kind's "sysdiagnose:...")
            for part, pattern in group:
                self._verify(
                    paths, pc.and_(starts, pc.match_substring(paths, part)), [pattern], found
                )
        return found

    @staticmethod
    def _verify(
        paths: pa.Array, near: pa.Array, patterns: list[str], found: dict[str, list[int]]
    ) -> None:
        rows = pc.indices_nonzero(pc.fill_null(near, False))
        if not len(rows):
            return
        values = pc.take(paths, rows).to_pylist()
        for pattern in patterns:
            match = compile_glob(pattern).match
            hits = [row for row, path in zip(rows.to_pylist(), values, strict=True) if match(path)]
            if hits:
                found.setdefault(pattern, []).extend(hits)

    def could_contain(self, folder: str) -> bool:
        """Whether a path below folder ``folder`` can match a pattern (prunes folder walks)."""
        inside = folder + "/"
        return any(p.startswith(inside) or inside.startswith(p) for p in self.prefixes)
