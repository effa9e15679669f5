"""Folders of an iPhone that Apple's programs never run from: the one list shared by the
``shutdown_suspicious_path`` and ``process_suspicious_path`` heuristics.

Facts, per folder:

- ``/private/var/db/``: Kaspersky, "A lightweight method to detect potential iOS malware"
  (Securelist, Jan 2024, and its iShutdown_detect.py): every Pegasus infection it analysed ran
  an implant from there (``/private/var/db/com.apple.xpc.roleaccountd.staging/``); Amnesty
  International's "Forensic Methodology Report: How to catch NSO Group's Pegasus" (July 2021)
  lists Pegasus processes launched from the same roleaccountd staging folder.
- ``/private/var/tmp/``: the same Kaspersky write-up found Predator running from there.
- ``/private/tmp/``, ``/tmp/``, ``/private/var/root/``, ``/private/var/mobile/``: Apple Platform
  Security guide ("Signed system volume security", "App code signing process"): Apple's
  executables sit on the sealed, read-only system volume (and signed cryptexes); third-party
  code runs from app bundles in ``/private/var/containers/Bundle/Application/<UUID>/``
  (``/private/var/mobile/Containers/Bundle/Application/`` on iOS 8). Temporary folders, root's
  home and the mobile user's data folder hold data, never programs, so a process running from
  them is suspicious; no public report ties them to one spyware family, hence MEDIUM.
- ``/Library/`` is not watched: it is on the system volume, and only jailbreak tweaks are known
  to add programs there (no public spyware report).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracehound.core.registry import Severity


@dataclass(frozen=True)
class Place:
    """A watched folder, how serious a program running from it is, and why."""

    folder: str
    severity: Severity
    why: str


_DATA = "where Apple's programs never run (they run from the read-only system volume)"
PLACES = (
    Place(
        "/private/var/db/",
        Severity.HIGH,
        "where Apple's own programs never run and Kaspersky (iShutdown) and Amnesty found "
        "Pegasus implants running",
    ),
    Place(
        "/private/var/tmp/",
        Severity.HIGH,
        "where Apple's own programs never run and Kaspersky (iShutdown) found Predator "
        "implants running",
    ),
    Place("/private/tmp/", Severity.MEDIUM, f"a temporary folder, {_DATA}"),
    Place("/private/var/root/", Severity.MEDIUM, f"root's home folder, {_DATA}"),
    Place("/private/var/mobile/", Severity.MEDIUM, f"the user's data folder, {_DATA}"),
)
#: App bundles below a watched folder (iOS 8 kept them in the mobile user's folder).
APP_BUNDLES = ("/private/var/mobile/Containers/Bundle/",)


def canonical(path: str) -> str:
    """``/var/...`` and ``/tmp/...`` (links on iOS) as their ``/private/...`` targets."""
    if path.startswith(("/var/", "/tmp/")):  # noqa: S108 - device paths, not local files
        return "/private" + path
    return path


def place_of(path: str) -> Place | None:
    """The watched folder that ``path`` is in (never an app bundle), or None."""
    full = _resolved(canonical(path.strip()))
    if full.startswith(APP_BUNDLES):
        return None
    return next((place for place in PLACES if full.startswith(place.folder)), None)


def _resolved(path: str) -> str:
    """``path`` with ``.`` and ``..`` segments resolved (``/usr/../private/var/db/x``)."""
    if "/." not in path:
        return path
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    tail = "/" if path.endswith("/") else ""
    return canonical("/" + "/".join(parts) + tail)
