"""Make device text safe to show on a terminal.

Device strings are attacker-controlled: an SMS can carry ANSI escape sequences that rewrite the
analyst's terminal, or bidirectional overrides (U+202E) that make a file name read backwards
(Unicode TR #36, "Bidirectional Text Spoofing"). Control (Cc), format (Cf) and line/paragraph
separator (Zl, Zp) characters are shown as visible ``\\u{XXXX}`` escapes instead.
"""

from __future__ import annotations

import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def printable(text: str) -> str:
    """``text`` with every control, format or unassigned character made visible."""
    if text.isprintable():
        return text
    return "".join(
        f"\\u{{{ord(ch):04x}}}" if unicodedata.category(ch) in _HIDDEN else ch for ch in text
    )


def noun(count: float, singular: str, plural: str | None = None) -> str:
    """``singular`` for a count of exactly 1, else ``plural`` (default: ``singular`` + "s")."""
    return singular if count == 1 else plural or f"{singular}s"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with thousands separators and its noun: "1 detection", "2,345 detections"."""
    return f"{count:,} {noun(count, singular, plural)}"
