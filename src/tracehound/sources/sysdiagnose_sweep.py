"""Which files of a sysdiagnose the text sweep (``ios.sysdiagnose_text``) reads, and why the
others are left: one decision shared by the sweep and the sysdiagnose's coverage notes.

Swept: files with text names (``.txt``, ``.log``, ``.log.N``, ``.json``, ``.plist``...) that no
other artifact reads, up to ``MAX_BYTES`` each. Left: files another artifact reads (ps.txt,
crash reports...), the unified log (``system_logs.logarchive/``: binary tracev3, no maintained
reader), AppleDouble ``._`` sidecars (MVT PR #922: metadata, not the file beside them), other
names (SQLite databases, archives, binaries), and files over the cap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import cache

from tracehound.core.glob import GlobSet

ARTIFACT = "ios.sysdiagnose_text"
MAX_BYTES = 16 * 1024 * 1024
PREFIX = "sysdiagnose:"
_TEXT_NAME = re.compile(
    r"\.(?:txt|json|jsonl|plist|xml|csv|conf|cfg|strings|html)\Z|\.log(?:\.\d+)?\Z", re.I
)
#: Globs the sweep declares (the finer choice is ``reason_left``).
GLOBS = (
    f"{PREFIX}**.txt",
    f"{PREFIX}**.log",
    f"{PREFIX}**.log.*",
    f"{PREFIX}**.json",
    f"{PREFIX}**.jsonl",
    f"{PREFIX}**.plist",
    f"{PREFIX}**.xml",
    f"{PREFIX}**.csv",
    f"{PREFIX}**.conf",
    f"{PREFIX}**.cfg",
    f"{PREFIX}**.strings",
    f"{PREFIX}**.html",
)
LOGARCHIVE = "system_logs.logarchive/"
OWN = "read by its own artifact"
UNIFIED = "unified log (binary tracev3)"
SIDECAR = "AppleDouble sidecar"
OTHER = "not a text file name (database, archive, binary...)"
LARGE = f"over the {MAX_BYTES // (1024 * 1024)} MiB cap"


@cache
def claimed() -> GlobSet:
    """The paths every other sysdiagnose artifact reads (from the registry)."""
    from tracehound.core.registry import artifacts  # the registry loads the parsers

    arts = artifacts(platform="ios", source_kind="sysdiagnose")
    return GlobSet(p for a in arts if a.name != ARTIFACT and a.input != "listing" for p in a.paths)


def reason_left(rel: str, size: int | None, others: GlobSet | None = None) -> str | None:
    """Why the sweep leaves ``rel`` (a path below the sysdiagnose's top folder), or None."""
    name = rel.rpartition("/")[2]
    if rel.startswith(LOGARCHIVE) and "/Extra/" not in f"/{rel}":
        return UNIFIED
    if name.startswith("._"):
        return SIDECAR
    if (others or claimed()).matches(PREFIX + rel):
        return OWN
    if not _TEXT_NAME.search(name):
        return OTHER
    if size is not None and size > MAX_BYTES:
        return LARGE
    return None


def coverage_note(files: Mapping[str, int | None], others: GlobSet | None = None) -> str:
    """One coverage line: how many files were swept (the first names) and why others were not."""
    swept: list[str] = []
    left: Counter[str] = Counter()
    large: list[str] = []
    for rel, size in sorted(files.items()):
        reason = reason_left(rel, size, others)
        if reason is None:
            swept.append(rel)
        else:
            left[reason] += 1
            if reason == LARGE:
                large.append(rel)
    shown = ", ".join(swept[:8]) + (" ..." if len(swept) > 8 else "")
    parts = [f"{n} {reason}" for reason, n in sorted(left.items())]
    if large:
        parts.append("over the cap: " + ", ".join(large[:5]))
    return (
        f"{ARTIFACT}: {len(swept)} text files swept for URLs, domains, paths and process "
        f"names ({shown or 'none'}); not swept: {'; '.join(parts) or 'none'}"
    )
