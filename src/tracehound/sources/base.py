"""What every source offers: device paths, the local file behind each, facts and hashing."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HASH_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Source(ABC):
    """A read-only view of an acquisition keyed by canonical device path."""

    kind: str = "source"
    platform: str = "ios"

    def __init__(self, root: Path) -> None:
        self.root = root
        #: Problems that make the run incomplete (e.g. an unreadable file index).
        self.errors: list[str] = []

    @abstractmethod
    def facts(self) -> dict[str, Any]:
        """Device and acquisition facts (model, OS version, dates, encryption...)."""

    @abstractmethod
    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        """For each glob, the matching device paths of files (one pass over the acquisition)."""

    @abstractmethod
    def local(self, device_path: str) -> Path:
        """The local file holding ``device_path``'s content; open it read-only."""

    def own_inputs(self) -> list[tuple[str, Path]]:
        """Files the source itself reads (indexes, metadata), as (name, local path)."""
        return []

    def describe(self, device_path: str) -> str:
        """Where ``device_path`` lives in the acquisition, for messages and run.json."""
        return str(self.local(device_path))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release temporary resources."""
