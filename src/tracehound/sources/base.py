"""What every source offers: device paths, the local file behind each, facts and hashing."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracehound.core.files import FileEntry

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SourceOptions:
    """What the user gave to open protected or device-local acquisitions.

    ``password_prompt`` is set by the command line when a terminal is attached: a source that
    needs a password and has none calls it (once) instead of failing.
    """

    password: str | None = None
    key: bytes | None = None  # an iOS backup's derived key (``tracehound extract-key``)
    password_prompt: Callable[[], str] | None = None
    age_identity: Path | None = None
    timezone: str | None = None  # overrides the device time zone (IANA name)


#: ``(path, options) -> Source | None``: None when ``path`` is not this opener's kind; raise
#: NotAnAcquisition/EncryptedBackup (with a clear message) when it is but cannot be opened.
Opener = Callable[[Path, SourceOptions], "Source | None"]
_OPENERS: list[tuple[int, str, Opener]] = []


def source_opener(priority: int) -> Callable[[Opener], Opener]:
    """Register an opener; lower ``priority`` is tried first (specific kinds before generic)."""

    def wrap(func: Opener) -> Opener:
        name = f"{func.__module__}.{func.__qualname__}"
        if all(n != name for _, n, _ in _OPENERS):
            _OPENERS.append((priority, name, func))
            _OPENERS.sort(key=lambda item: (item[0], item[1]))
        return func

    return wrap


def openers() -> list[Opener]:
    """Registered openers in the order they are tried."""
    return [func for _, _, func in _OPENERS]


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
        #: Set when the acquisition's index (Manifest.db, a zip's central directory, androidqf's
        #: listing) could not be read whole: absence then proves nothing, so every artifact that
        #: found no input is ``error`` with this cause, never ``not_present``.
        self.index_damage: str | None = None

    @abstractmethod
    def facts(self) -> dict[str, Any]:
        """Device and acquisition facts (model, OS version, dates, encryption...)."""

    @abstractmethod
    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        """For each glob, the matching device paths of files (one pass over the acquisition)."""

    @abstractmethod
    def local(self, device_path: str) -> Path:
        """The local file holding ``device_path``'s content; open it read-only.

        Sources over archives or encrypted containers return a private temporary copy of that
        one file (never the whole acquisition); ``close`` removes it.
        """

    def origin(self, device_path: str) -> Path | None:
        """The acquisition file that ``local(device_path)`` was decrypted or unpacked from.

        None when ``local`` is the acquisition's own file. The evidence log hashes the origin
        too and checks after the run that it did not change.
        """
        return None

    def entries(self) -> Iterator[FileEntry]:
        """Every file and folder of the acquisition (for listing artifacts: filesystem walk...).

        Sources that cannot list return nothing; listing artifacts then read as not present.
        """
        return iter(())

    def own_inputs(self) -> list[tuple[str, Path]]:
        """Files the source itself reads (indexes, metadata), as (name, local path)."""
        return []

    def describe(self, device_path: str) -> str:
        """Where ``device_path`` lives in the acquisition, for messages and run.json."""
        return str(self.local(device_path))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release temporary resources."""
