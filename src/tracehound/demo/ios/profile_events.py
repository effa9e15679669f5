"""MCProfileEvents.plist: the log of configuration profile installs and removals.

Facts: MVT ``ProfileEvents`` (relativePath ``Library/ConfigurationProfiles/MCProfileEvents.plist``,
backup id aeb25de2... = SHA1 of ``SysSharedContainerDomain-systemgroup.com.apple.
configurationprofiles-<relPath>``): top-level key ``ProfileEvents``, a list of one-key dicts
{profile id: {"timestamp": <date>, "operation": <str>, "process": <str>}}. Binary plist.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
RELATIVE_PATH = "Library/ConfigurationProfiles/MCProfileEvents.plist"


@dataclass(frozen=True)
class ProfileEvent:
    """One install/removal of a profile by a process."""

    profile_id: str
    timestamp: datetime | None
    operation: str = "install"
    process: str | None = "Preferences"
    extra: Mapping[str, Any] = field(default_factory=dict)  # more keys of the event


def write(path: Path, events: Sequence[ProfileEvent], raw_events: Sequence[Any] = ()) -> None:
    """Write MCProfileEvents.plist; ``raw_events`` are appended to the list verbatim."""
    items: list[Any] = []
    for event in events:
        body: dict[str, Any] = {"operation": event.operation}
        if event.timestamp is not None:
            body["timestamp"] = event.timestamp.astimezone(UTC).replace(tzinfo=None)
        if event.process is not None:
            body["process"] = event.process
        body.update(event.extra)
        items.append({event.profile_id: body})
    items.extend(raw_events)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps({"ProfileEvents": items}, fmt=plistlib.FMT_BINARY))
