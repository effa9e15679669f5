"""The one device-path glob matcher: ``*`` and ``?`` stay in one segment, ``**`` spans segments.

Every source and the parser runner match artifact globs with ``GlobSet``; nothing else turns a
glob into a regular expression. Only ``*`` and ``?`` are wildcards (``[`` is an ordinary
character, as in device file names such as ``Photos [1].jpg``).
"""

from __future__ import annotations

import re
import string
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

    def candidates(self, paths: pa.Array) -> list[int]:
        """The positions of the paths (an Arrow string column) that may match a pattern: those
        holding the longest literal part of one (a path that matches a glob holds each of its
        literal parts), found by one regular expression over the column. ``matches`` decides."""
        literals = {_longest_literal(p) for p in self._patterns()}
        if not literals or "" in literals:
            return list(range(len(paths)))
        either = "|".join(_re2_literal(lit) for lit in sorted(literals))
        found = pc.fill_null(pc.match_substring_regex(paths, either), False)
        return pc.indices_nonzero(found).to_pylist()  # type: ignore[no-any-return]

    def _patterns(self) -> list[str]:
        return [p for group in self.by_base.values() for p in group] + [w[2] for w in self.wild]

    def could_contain(self, folder: str) -> bool:
        """Whether a path below folder ``folder`` can match a pattern (prunes folder walks)."""
        inside = folder + "/"
        return any(p.startswith(inside) or inside.startswith(p) for p in self.prefixes)


def _re2_literal(text: str) -> str:
    """``text`` as a literal in Arrow's (RE2) regular expressions: ASCII punctuation escaped
    (RE2 reads a backslash before punctuation as that character), other characters as they
    are (a backslash before a letter, a space or a control character is an error in RE2)."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in text)
