"""androidqf root_binaries.json: a JSON list of the ``which -a`` outputs that found something.

Facts: androidqf ``modules/root_binaries.go`` (binaries looked for: su, busybox, supersu,
Superuser.apk, KingoUser.apk, SuperSu.apk, magisk, magiskhide, magiskinit, magiskpolicy; saved with
``saveCommandOutputJson``, ``[]`` when none was found); example paths as in MVT's
``tests/artifacts/androidqf/root_binaries.json``.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracehound.demo.android._go import go_json


def render(found: Iterable[str]) -> bytes:
    """root_binaries.json bytes; each item is one ``which -a`` output (paths, one per line)."""
    return go_json(list(found))
