"""Installed packages from ``dumpsys package``: versions, install times, installer, permissions.

Facts: AOSP ``Settings.dumpPackageLPr`` prints, under ``Packages:``, one block per package
starting ``  Package [<name>] (<hash>):`` with ``userId=``, ``codePath=``, ``versionCode=<n>
minSdk=<n> targetSdk=<n>``, ``versionName=``, ``flags=[ SYSTEM ... ]``, ``timeStamp=``,
``firstInstallTime=`` (per package up to Android 10, per ``User <n>:`` line since Android 11),
``lastUpdateTime=``, ``installerPackageName=``, then ``requested permissions:``, ``install
permissions:`` (``<perm>: granted=true``) and, per user, ``runtime permissions:`` blocks. Times
use ``SimpleDateFormat("yyyy-MM-dd HH:mm:ss")`` in the device's zone. MVT ``dumpsys_packages.py``
reads the same keys; its bugreport module counts permissions of ``DANGEROUS_PERMISSIONS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracehound.core.context import ParseContext
from tracehound.core.records import AppId, DevicePath, Record
from tracehound.core.registry import artifact
from tracehound.parsers.common.dumpsys import DUMPSYS, DeviceClock, Dumpsys, indent, sections

_PACKAGE_RE = re.compile(r"^  Package \[([^\]\s]+)\]")
_TARGET_RE = re.compile(r"targetSdk=(\d+)")
_KEYS = frozenset(
    {"userId", "versionCode", "versionName", "codePath", "flags", "timeStamp",
     "firstInstallTime", "lastUpdateTime", "installerPackageName"}
)  # fmt: skip
_TIMES = ("timeStamp", "firstInstallTime", "lastUpdateTime")
_LISTS = ("requested", "install", "runtime", "declared")


@dataclass(frozen=True, slots=True, kw_only=True)
class DumpsysPackage(Record):
    """One package as the package manager describes it."""

    TYPE = "android.dumpsys_packages"
    TS_DESC = "Package APK time (timeStamp)"
    EXTRA_TIMES = (("first_install", "Package first installed"), ("last_update", "Package updated"))

    package: AppId
    uid: int | None
    version_name: str | None
    version_code: int | None
    target_sdk: int | None
    first_install: datetime | None
    last_update: datetime | None
    installer: AppId | None
    system: bool
    code_path: DevicePath | None
    requested_permissions: tuple[str, ...]
    install_permissions: tuple[str, ...]  # granted install-time permissions
    runtime_permissions: tuple[str, ...]  # granted runtime permissions (any user)
    denied_permissions: tuple[str, ...]  # install or runtime permissions listed as not granted


def _blocks(text: str, ctx: ParseContext) -> Iterator[tuple[str, list[str]]]:
    lines = iter(text.splitlines())
    if not any(line.rstrip() == "Packages:" for line in lines):
        if text.strip():
            ctx.warn("package section not understood: no 'Packages:' list")
        return
    name: str | None = None
    block: list[str] = []
    blank = False
    for line in lines:
        if line.startswith("  Package ["):
            if name:
                yield name, block
            match = _PACKAGE_RE.match(line)
            name, block, blank = (match.group(1) if match else None), [], False
            if match is None:
                ctx.warn(f"package header not understood: {line.strip()[:80]!r}")
        elif not line.strip():
            blank = True
        elif blank or indent(line) == 0:
            break
        else:
            block.append(line)
    if name:
        yield name, block


def _number(value: str | None, name: str, ctx: ParseContext) -> int | None:
    if value is None:
        return None
    try:
        return int(value.split()[0])
    except (ValueError, IndexError):
        ctx.warn(f"{name} is not a number: {value[:80]!r}")
        return None


def _record(name: str, lines: list[str], clock: DeviceClock, ctx: ParseContext) -> DumpsysPackage:
    values: dict[str, str] = {}
    perms: dict[str, list[str]] = {"requested": [], "install": [], "runtime": [], "denied": []}
    listing, list_depth = "", 0
    for line in lines:
        depth, stripped = indent(line), line.strip()
        if listing and depth > list_depth:
            perm, _, state = stripped.partition(":")
            if listing == "requested":
                perms["requested"].append(perm.strip())
            elif listing in ("install", "runtime"):
                perms[listing if "granted=true" in state else "denied"].append(perm.strip())
            continue
        listing = ""
        kind = stripped.removesuffix(" permissions:")
        if kind != stripped and kind in _LISTS:
            listing, list_depth = kind, depth
            continue
        key, sep, value = stripped.partition("=")
        if sep and key in _KEYS and key not in values:
            values[key] = value.strip()
    installer = values.get("installerPackageName")
    target = _TARGET_RE.search(values.get("versionCode", ""))
    times = {k: clock.parse(values[k], k) if k in values else None for k in _TIMES}
    return DumpsysPackage(
        ts=times["timeStamp"],
        package=name,
        uid=_number(values.get("userId"), "userId", ctx),
        version_name=values.get("versionName"),
        version_code=_number(values.get("versionCode"), "versionCode", ctx),
        target_sdk=int(target.group(1)) if target else None,
        first_install=times["firstInstallTime"],
        last_update=times["lastUpdateTime"],
        installer=installer if installer and installer != "null" else None,
        system="SYSTEM" in values.get("flags", "").strip("[] ").split(),
        code_path=values.get("codePath"),
        requested_permissions=tuple(perms["requested"]),
        install_permissions=tuple(perms["install"]),
        runtime_permissions=tuple(dict.fromkeys(perms["runtime"])),
        denied_permissions=tuple(dict.fromkeys(perms["denied"])),
    )


@artifact(record=DumpsysPackage, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[DumpsysPackage]:
    """Installed packages with versions, install times, installer and permissions (dumpsys)."""
    clock = DeviceClock(ctx)
    for _, body in sections(dump, ("package",)):
        for name, lines in _blocks(body, ctx):
            yield _record(name, lines, clock, ctx)
