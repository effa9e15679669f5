"""App installs and removals from a sysdiagnose's MobileInstallation logs.

Facts: iLEAPP ``mobileInstall`` artifacts (Alexis Brignoni; ``scripts/artifacts/
mobileInstallationLogs.py``) and the EC-DIGIT-CSIRC sysdiagnose ``mobileinstallation`` parser:
``logs/MobileInstallation/mobile_installation.log.N`` lines start with a local time without a
zone, ``Mon Apr  7 07:40:47 2025 [446] <notice> (0x16fc9b000) -[Class method]: message``.
Messages read: ``Install Successful for (Placeholder:|Customer:|System:)<bundle id>``,
``Uninstalling identifier <bundle id>``, ``Destroying container <bundle id> ... at <path>``,
``main: Reboot detected``. The local time is converted with the UTC offset in the
sysdiagnose's name (a daylight-saving change inside the log shifts older lines by an hour; the
local text is kept in ``local_time``); with no offset known it is read as UTC, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import AppId, DevicePath, Record
from tracehound.core.registry import artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallEvent(Record):
    """One install, uninstall, container removal or reboot line (``row`` is its line)."""

    TYPE = "ios.mobile_installation"
    TS_DESC = "App installed, removed, or device rebooted (MobileInstallation log)"

    action: str  # install, uninstall, destroy_container, reboot
    bundle_id: AppId | None
    path: DevicePath | None
    local_time: str  # the line's time as written (device local, no zone)


PATHS = ("sysdiagnose:logs/MobileInstallation/mobile_installation.log*",)
_LINE = re.compile(r"^\w{3} (\w{3}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}) \[\d+\] ")
_ACTIONS = (
    ("install", re.compile(r"Install Successful for \((?:\w+:)?([^)\s]+)\)", re.I)),
    ("uninstall", re.compile(r"Uninstalling identifier (\S+)")),
    ("destroy_container", re.compile(r"Destroying container (\S+).*? at (/\S+)")),
    ("reboot", re.compile(r"main: Reboot detected()")),
)


def from_mi_local(text: str, offset: str | None) -> datetime | None:
    """``Apr 7 07:40:47 2025`` at UTC offset ``-0700`` (``None``: UTC), aware UTC."""
    try:
        naive = datetime.strptime(text, "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    sign, hours, minutes = 1, 0, 0
    if offset and re.fullmatch(r"[+-]\d{4}", offset):
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[3:])
    return (naive - sign * timedelta(hours=hours, minutes=minutes)).replace(tzinfo=UTC)


def _event(line: str, number: int, offset: str | None, ctx: ParseContext) -> InstallEvent | None:
    head = _LINE.match(line)
    if head is None:
        return None
    for action, pattern in _ACTIONS:
        found = pattern.search(line, head.end())
        if found is None:
            continue
        local = f"{head[1]} {head[2]} {head[3]} {head[4]}"
        groups = found.groups()
        return InstallEvent(
            ts=ctx.time(lambda t: from_mi_local(t, offset), local, number, "time"),
            row=number,
            action=action,
            bundle_id=groups[0] or None,
            path=groups[1] if len(groups) > 1 else None,
            local_time=local,
        )
    return None


@artifact(record=InstallEvent, input="text", paths=PATHS)
def parse(text: str, ctx: ParseContext) -> Iterator[InstallEvent]:
    """App installs, removals and reboots (MobileInstallation log): bundle id, path, time."""
    offset = ctx.device.get("utc_offset")
    if not offset:
        ctx.warn("no UTC offset known for this log's local times: read as UTC")
    dated = 0
    for number, line in enumerate(text.splitlines(), 1):
        dated += _LINE.match(line) is not None
        event = _event(line, number, offset, ctx)
        if event is not None:
            yield event
    if dated == 0 and text.strip():
        raise SchemaMismatch("no MobileInstallation log lines (local time, [pid], level)")
