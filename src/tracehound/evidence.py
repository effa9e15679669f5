"""Evidence integrity: hash every input before it is read, and prove afterwards nothing changed.

Checked after the run: each input's SHA-256 is unchanged, and no new file (such as a SQLite
``-wal``, ``-shm`` or ``-journal``) appeared in any folder that holds an input.

A database's own ``-wal`` and ``-shm`` (beside it when it is read: a dump keeps them there, the
iOS backup source stages them there) are inputs too: committed rows may live only in the -wal,
which the SQLite reader applies on a private copy (SQLite docs, "Write-Ahead Logging"). They are
hashed with the database, listed in run.json tied to it (``sidecar_of``) and re-checked.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError
from tracehound.sources.base import sha256_file

#: The files SQLite keeps beside a database in WAL mode (sqlite.org "Write-Ahead Logging").
SQLITE_SIDECARS = ("-wal", "-shm")


@dataclass
class InputFile:
    """One file the run read."""

    device_path: str
    local: Path
    location: str  # where it is inside the acquisition, for the report
    sha256: str
    size: int
    artifacts: list[str] = field(default_factory=list)
    #: The acquisition file that holds this input when it was decrypted or unpacked into a
    #: private copy (an encrypted backup file, a tar or zip archive), with its own SHA-256.
    origin: Path | None = None
    origin_sha256: str | None = None
    #: For a -wal or -shm: the device path of the database it belongs to.
    sidecar_of: str | None = None
    #: For a database: SHA-256 of its -wal and -shm, by suffix, when they were beside it.
    sidecars: dict[str, str] = field(default_factory=dict)


@dataclass
class EvidenceLog:
    """Hashes and folder listings taken before the inputs are read."""

    inputs: dict[Path, InputFile] = field(default_factory=dict)
    listings: dict[Path, set[str]] = field(default_factory=dict)
    origins: dict[Path, str] = field(default_factory=dict)  # container file -> SHA-256
    #: Re-hashing started early (:meth:`start_verify`): path -> the digest being computed.
    _early: dict[Path, Future[str | OSError]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def register(
        self,
        device_path: str,
        local: Path,
        location: str,
        artifact: str,
        origin: Path | None = None,
    ) -> InputFile:
        """Hash ``local`` (once) before it is opened; remember its folder's listing.

        ``origin`` is the acquisition file ``local`` was decrypted or unpacked from; it is hashed
        once however many inputs it holds, and re-checked after the run like the inputs.
        """
        known = self.inputs.get(local)
        if known is None:
            folder = local.parent
            if folder not in self.listings:
                self.listings[folder] = {p.name for p in folder.iterdir()}
            origin_sha = None
            if origin is not None:
                origin_sha = self.origins.get(origin)
                if origin_sha is None:
                    origin_sha = self.origins[origin] = sha256_file(origin)
            known = InputFile(
                device_path,
                local,
                location,
                sha256_file(local),
                local.stat().st_size,
                origin=origin,
                origin_sha256=origin_sha,
            )
            self.inputs[local] = known
        if artifact not in known.artifacts:
            known.artifacts.append(artifact)
        return known

    def register_sidecars(
        self,
        main: InputFile,
        artifact: str,
        describe: Callable[[str], str],
        origin: Callable[[str], Path | None],
    ) -> str | None:
        """Hash the -wal and -shm beside the database ``main`` (registered); return the
        -wal's SHA-256 when it holds data (the reader then applies it), else None.

        ``describe`` and ``origin`` are the source's, for the sidecar's device path."""
        wal: str | None = None
        for suffix in SQLITE_SIDECARS:
            local = main.local.with_name(main.local.name + suffix)
            if not local.is_file():
                continue
            side_path = main.device_path + suffix
            try:
                location = describe(side_path)
            except (OSError, ValueError, LookupError, InputError):
                location = main.location + suffix
            item = self.register(side_path, local, location, artifact, origin(side_path))
            item.sidecar_of = main.device_path
            main.sidecars[suffix] = item.sha256
            if suffix == "-wal" and item.size > 0:
                wal = item.sha256
        return wal

    def _checks(self) -> list[tuple[Path, str, str]]:
        checks = [(item.local, item.location, item.sha256) for item in self.inputs.values()]
        return checks + [(origin, str(origin), digest) for origin, digest in self.origins.items()]

    def start_verify(self) -> None:
        """Begin re-hashing the inputs known now, in two background threads, once nothing
        reads them any more (the parallel engine calls it when its workers are done, while
        this process still feeds the heuristics); :meth:`verify` waits for these digests."""
        pool = ThreadPoolExecutor(max_workers=2)
        try:
            for path, _, _ in self._checks():
                self._early.setdefault(path, pool.submit(_rehash, path))
        finally:
            pool.shutdown(wait=False)

    def verify(self) -> dict[str, Any]:
        """Re-hash the inputs and compare folder listings; describe any change."""
        changed: list[dict[str, str]] = []
        checks = self._checks()
        # Two threads: hashlib lets go of the GIL while it hashes, so the big databases are
        # re-hashed side by side (0.47 s for one thread at benchmark scale 100).
        with ThreadPoolExecutor(max_workers=2) as pool:
            later = {
                path: pool.submit(_rehash, path) for path, _, _ in checks if path not in self._early
            }
            digests = [(self._early.get(path) or later[path]).result() for path, _, _ in checks]
        self._early = {}
        for (_, location, digest), now in zip(checks, digests, strict=True):
            if isinstance(now, OSError):
                changed.append({"path": location, "problem": f"unreadable after run: {now}"})
            elif now != digest:
                changed.append({"path": location, "problem": "SHA-256 changed during the run"})
        new_files: list[str] = []
        for folder, before in self.listings.items():
            after = {p.name for p in folder.iterdir()}
            new_files.extend(str(folder / name) for name in sorted(after - before))
        return {
            "unchanged": not changed and not new_files,
            "inputs_checked": len(self.inputs) + len(self.origins),
            "changed": changed,
            "new_files": new_files,
        }

    def to_json(self) -> list[dict[str, Any]]:
        """The inputs as listed in run.json."""
        return [
            {
                "device_path": i.device_path,
                "location": i.location,
                "sha256": i.sha256,
                "size": i.size,
                "artifacts": sorted(i.artifacts),
                **(
                    {"origin": str(i.origin), "origin_sha256": i.origin_sha256}
                    if i.origin is not None
                    else {}
                ),
                **({"sidecar_of": i.sidecar_of} if i.sidecar_of is not None else {}),
                **{f"{suffix[1:]}_sha256": digest for suffix, digest in i.sidecars.items()},
            }
            for i in sorted(self.inputs.values(), key=lambda i: i.device_path)
        ]


def _rehash(path: Path) -> str | OSError:
    try:
        return sha256_file(path)
    except OSError as exc:
        return exc
