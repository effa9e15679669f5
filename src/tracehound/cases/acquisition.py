"""The SHA-256 that names an acquisition, whatever its form.

A file (an archive, an encrypted backup's container) is hashed as it is. A folder (an iTunes
backup, an extracted dump) is hashed as the ``sha256sum``-style listing of its regular files:
one line ``<hex>  <relative path>\\n`` per file, sorted by the path's bytes, then SHA-256 over
those lines; a symbolic link contributes a line ``link  <path> -> <target>`` and is not
followed (an acquisition's link may point anywhere on the analyst's machine). So the same
acquisition gives the same hash on any machine, wherever it was copied, and one changed byte
or one renamed file gives another. The folder is only read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tracehound.core.errors import TracehoundError
from tracehound.sources.base import sha256_file


def acquisition_sha256(path: Path) -> str:
    """The acquisition's SHA-256 (see the module docstring); TracehoundError if unreadable."""
    try:
        if path.is_file():
            return sha256_file(path)
        if not path.is_dir():
            raise TracehoundError(f"{path}: no such acquisition")
        lines: list[bytes] = []
        root = os.fsencode(path)
        for folder, dirs, files in os.walk(root, followlinks=False):
            rel_folder = os.path.relpath(folder, root)
            for name in dirs:  # links to folders are listed, not walked
                full = os.path.join(folder, name)
                if os.path.islink(full):
                    rel = os.path.normpath(os.path.join(rel_folder, name))
                    lines.append(b"link  " + rel + b" -> " + os.readlink(full) + b"\n")
            for name in files:
                full = os.path.join(folder, name)
                rel = os.path.normpath(os.path.join(rel_folder, name))
                if os.path.islink(full):
                    lines.append(b"link  " + rel + b" -> " + os.readlink(full) + b"\n")
                elif os.path.isfile(full):
                    hexdigest = sha256_file(Path(os.fsdecode(full))).encode()
                    lines.append(hexdigest + b"  " + rel + b"\n")
        lines.sort(key=lambda line: line.split(b"  ", 1)[1])
        return hashlib.sha256(b"".join(lines)).hexdigest()
    except OSError as exc:
        raise TracehoundError(
            f"{path}: cannot hash the acquisition: {exc.strerror or exc}"
        ) from None
