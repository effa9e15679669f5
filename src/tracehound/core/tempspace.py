"""The one private temporary space: folders 0700, files 0600, gone when closed.

Everything tracehound unpacks, decrypts or stages (archive members, decrypted backup files,
SQLite copies with their -wal applied, worker staging, timeline runs) lives in a ``TempSpace``.
It is made under ``tempfile.gettempdir()``, so ``TMPDIR`` chooses the disk, and it is removed by
``close()``, by leaving its ``with`` block (normally, on an error or on KeyboardInterrupt) and,
as a safety net, when the object is garbage collected or the interpreter exits
(``weakref.finalize``). Decrypted or unpacked evidence must never outlive the run, and nobody
but the analyst may read it: folders are 0700 and the files handed out are created 0600
(``os.open`` with ``O_EXCL``, so an existing file or link is never reused).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._()-]+")


def safe_file_name(name: str) -> str:
    """A harmless local file name that keeps the look of ``name``'s last segment.

    Names come from the device (attacker-controlled): no separator, no leading dot, bounded.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip(".")[:100]
    return base or "file"


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class TempSpace:
    """A private temporary folder, made on first use; ``close`` removes it with its content."""

    def __init__(self, prefix: str = "tracehound-") -> None:
        self.prefix = prefix
        self._root: Path | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._count = 0

    @property
    def root(self) -> Path:
        """The folder (mode 0700), created now if it does not exist yet."""
        if self._root is None:
            # mkdtemp makes the folder 0700 itself; chmod again in case of an odd umask policy.
            root = Path(tempfile.mkdtemp(prefix=self.prefix, dir=tempfile.gettempdir()))
            root.chmod(FOLDER_MODE)
            self._root = root
            self._finalizer = weakref.finalize(self, _remove, str(root))
        return self._root

    @property
    def exists(self) -> bool:
        """Whether the folder was made and is still there."""
        return self._root is not None and self._root.exists()

    def folder(self, name: str | None = None) -> Path:
        """A new private sub-folder (``name`` made safe, or a counter)."""
        self._count += 1
        label = (
            f"{self._count:06d}" if name is None else f"{self._count:06d}-{safe_file_name(name)}"
        )
        path = self.root / label
        path.mkdir(mode=FOLDER_MODE)
        path.chmod(FOLDER_MODE)
        return path

    def slot(self, name: str) -> Path:
        """A new empty file (0600) named like ``name``, alone in a new sub-folder.

        One sub-folder per file keeps SQLite siblings (``-wal``) of different inputs apart.
        """
        path = self.folder() / safe_file_name(name)
        self.create(path)
        return path

    def create(self, path: Path) -> Path:
        """Create the new empty file ``path`` (inside this space) with mode 0600."""
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"{path}: not inside the private temporary folder")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.close(fd)
        return path

    def free_bytes(self) -> int:
        """Free space on the file system that holds the folder."""
        return shutil.disk_usage(self.root).free

    def close(self) -> None:
        """Remove the folder and everything in it (safe to call twice)."""
        if self._finalizer is not None:
            self._finalizer()
        self._root = None
        self._finalizer = None

    def __enter__(self) -> TempSpace:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
