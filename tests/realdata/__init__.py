"""Regression tests on real public test files (tests/data/, each origin in its ORIGIN.md).

Expected values were worked out from the files themselves (sqlite3, plistlib, zlib, reading the
text) or taken from the origin project's own tests, cited where used; never copied from our
parsers' output.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def tree_state(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its SHA-256: run before and after to prove read-only."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
