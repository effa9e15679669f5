"""What the demo generators need from an acquisition writer (backup or filesystem dump)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol


class Writer(Protocol):
    """Stores a file under a backup domain and relative path (``BackupWriter``,
    ``FilesystemWriter``)."""

    def add(
        self,
        domain: str,
        rel: str,
        data: bytes,
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path: ...

    def add_built(
        self,
        domain: str,
        rel: str,
        build: Callable[[Path], None],
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path: ...


class BuildsInScratch:
    """``add_built`` for writers that have ``add``: the builder writes into a scratch folder."""

    def add(
        self,
        domain: str,
        rel: str,
        data: bytes,
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        raise NotImplementedError

    def add_built(
        self,
        domain: str,
        rel: str,
        build: Callable[[Path], None],
        birth: datetime | None = None,
        modified: datetime | None = None,
    ) -> Path:
        """Run ``build(path)`` in a scratch folder and store the file it writes."""
        with tempfile.TemporaryDirectory(prefix="tracehound-demo-") as tmp:
            scratch = Path(tmp) / Path(rel).name
            build(scratch)
            return self.add(domain, rel, scratch.read_bytes(), birth, modified)
