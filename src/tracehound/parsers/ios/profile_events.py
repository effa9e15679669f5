"""Configuration profile install/removal events (MCProfileEvents.plist): profile, operation.

Facts: MVT ``ProfileEvents``: relativePath ``Library/ConfigurationProfiles/MCProfileEvents.plist``
(searched in every domain; its commented backup id is the one of the ``SysSharedContainerDomain-
systemgroup.com.apple.configurationprofiles`` domain), key ``ProfileEvents``: a list of dicts
{profile id: {"timestamp": <plist date>, "operation": ..., "process": ...}}; MVT lower-cases the
inner keys and keeps any others. It matches ``process`` against process indicators and the profile
id against profile indicators.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.records import ExecPath, ProcessName, ProfileId, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc

PATHS = (
    "/private/var/containers/Shared/SystemGroup/*/Library/ConfigurationProfiles/MCProfileEvents.plist",
    "/private/var/mobile/Library/ConfigurationProfiles/MCProfileEvents.plist",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEvent(Record):
    """One operation (install, remove...) on a configuration profile by a process."""

    TYPE = "ios.profile_events"
    MEANING = (
        "The log of configuration profile installs and removals, with the process that did it."
    )
    PUBLIC_FIELDS = ("operation",)
    TS_DESC = "Profile operation"

    profile_id: ProfileId
    index: int  # position in the ProfileEvents list
    operation: str | None
    process: ProcessName | None  # the last path component when the process is given as a path
    process_path: ExecPath | None  # the process as given, when it is a path
    other: tuple[str, ...]  # further "key=value" pairs of the event


def _event(profile_id: str, body: Any, index: int, ctx: ParseContext) -> ProfileEvent:
    fields = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
    if not isinstance(body, dict):
        ctx.warn(f"event {index} of {profile_id} is not a dictionary")
    stamp = fields.pop("timestamp", None)
    if stamp is not None and not isinstance(stamp, datetime):
        ctx.warn(f"event {index}: timestamp is not a date: {str(stamp)[:80]!r}")
        stamp = None
    operation = fields.pop("operation", None)
    process = fields.pop("process", None)
    if process is not None and not isinstance(process, str):
        ctx.warn(f"event {index}: process is not text: {str(process)[:80]!r}")
        process = None
    return ProfileEvent(
        ts=as_utc(stamp),
        index=index,
        profile_id=profile_id,
        operation=None if operation is None else str(operation),
        process=(process.rstrip("/").rsplit("/", 1)[-1] or None) if process else None,
        process_path=process if process and "/" in process else None,
        other=tuple(f"{k}={str(v)[:200]}" for k, v in sorted(fields.items())),
    )


@artifact(record=ProfileEvent, input="plist", paths=PATHS, requires={"": ("ProfileEvents",)})
def parse(data: dict[str, Any], ctx: ParseContext) -> Iterator[ProfileEvent]:
    """Configuration profile installs and removals: profile id, operation, process, time."""
    events = data["ProfileEvents"]
    if not isinstance(events, list):
        ctx.warn("ProfileEvents is not a list")
        return
    for index, event in enumerate(events):
        if not isinstance(event, dict) or not event:
            ctx.warn(f"ProfileEvents entry {index} is not a {{profile id: event}} dictionary")
            continue
        for profile_id, body in event.items():
            yield _event(str(profile_id), body, index, ctx)
