"""Evidence integrity: hash every input before it is read, and prove afterwards nothing changed.

Checked after the run: each input's SHA-256 is unchanged, and no new file (such as a SQLite
``-wal``, ``-shm`` or ``-journal``) appeared in any folder that holds an input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.sources.base import sha256_file


@dataclass
class InputFile:
    """One file the run read."""

    device_path: str
    local: Path
    location: str  # where it is inside the acquisition, for the report
    sha256: str
    size: int
    artifacts: list[str] = field(default_factory=list)


@dataclass
class EvidenceLog:
    """Hashes and folder listings taken before the inputs are read."""

    inputs: dict[Path, InputFile] = field(default_factory=dict)
    listings: dict[Path, set[str]] = field(default_factory=dict)

    def register(self, device_path: str, local: Path, location: str, artifact: str) -> InputFile:
        """Hash ``local`` (once) before it is opened; remember its folder's listing."""
        known = self.inputs.get(local)
        if known is None:
            folder = local.parent
            if folder not in self.listings:
                self.listings[folder] = {p.name for p in folder.iterdir()}
            known = InputFile(
                device_path, local, location, sha256_file(local), local.stat().st_size
            )
            self.inputs[local] = known
        if artifact not in known.artifacts:
            known.artifacts.append(artifact)
        return known

    def verify(self) -> dict[str, Any]:
        """Re-hash the inputs and compare folder listings; describe any change."""
        changed: list[dict[str, str]] = []
        for item in self.inputs.values():
            try:
                now = sha256_file(item.local)
            except OSError as exc:
                changed.append({"path": item.location, "problem": f"unreadable after run: {exc}"})
                continue
            if now != item.sha256:
                changed.append({"path": item.location, "problem": "SHA-256 changed during the run"})
        new_files: list[str] = []
        for folder, before in self.listings.items():
            after = {p.name for p in folder.iterdir()}
            new_files.extend(str(folder / name) for name in sorted(after - before))
        return {
            "unchanged": not changed and not new_files,
            "inputs_checked": len(self.inputs),
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
                "artifacts": i.artifacts,
            }
            for i in sorted(self.inputs.values(), key=lambda i: i.device_path)
        ]
