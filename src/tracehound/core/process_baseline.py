"""The bundled baseline of iOS's own processes, and whether a process a record names is known.

The baseline (``data/ios_processes/baseline.json``, rebuilt by ``bench/ios_process_baseline.py``
from the public sources in ``data/ios_processes/SOURCES.md``) lists the process names and Apple
bundle ids seen on iOS 9.3 to 15.1 phones. A process is *known* when its name is in it, when it
carries an Apple bundle id of it, or when it belongs to an app installed on the checked phone
(its bundle id, or a name equal to that bundle id). Anything else is *unknown*: Amnesty's 2021
methodology found Pegasus through such processes (``bh``, ``msgacntd``, ``roleaccountd``), new
to the phone and often named like an Apple daemon, first using the network seconds after an
exploit was delivered.

Facts used in matching: ``ZPROCNAME`` of DataUsage/netusage reads ``process`` or
``process/bundle`` (MVT ``NetBase``; plaso's ``ios_netusage`` test data); the kernel keeps 16
characters of a process name (``MAXCOMLEN`` in XNU's ``sys/param.h``), so netusage holds
truncations such as ``AssetCacheLocato`` for ``AssetCacheLocatorService``; app rows may read
``<UUID>/<bundle id>``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

BASELINE_PATH = Path(__file__).resolve().parent.parent / "data" / "ios_processes" / "baseline.json"
#: Process names longer than this are truncated by the kernel (XNU ``MAXCOMLEN``).
MAXCOMLEN = 16
#: A reverse-DNS bundle id of a third-party app (``net.whatsapp.WhatsApp``).
_APP_ID = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


@dataclass(frozen=True)
class ProcessBaseline:
    """Process names and Apple bundle ids iOS ships, with the iOS versions of their sources."""

    version: str
    names: frozenset[str]
    bundles: frozenset[str]
    truncated: frozenset[str]  # the 16-character prefixes of longer names and bundle ids
    ios_versions: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ProcessBaseline:
        names = frozenset(_keys(data.get("processes")))
        bundles = frozenset(_keys(data.get("bundles")))
        truncated = frozenset(v[:MAXCOMLEN] for v in names | bundles if len(v) > MAXCOMLEN)
        sources = data.get("sources")
        versions = sorted(
            {str(v.get("ios")) for v in sources.values() if isinstance(v, dict)}
            if isinstance(sources, dict)
            else set()
        )
        return cls(str(data.get("version", "?")), names, bundles, truncated, tuple(versions))

    def label(self) -> str:
        """``baseline 2026.12.1 (429 process names from iOS 9.3 to 15.1 phones)``."""
        # Versions of the phones behind the sources ("15.1 (19A404)"), not ranges ("or later").
        known = [v.split()[0] for v in self.ios_versions if v[:1].isdigit() and " or " not in v]
        span = f" from iOS {min(known, key=_version)} to {max(known, key=_version)} phones"
        return f"baseline {self.version} ({len(self.names)} process names{span if known else ''})"

    def why_known(
        self, name: str | None, bundle: str | None, apps: Collection[str] = ()
    ) -> str | None:
        """Why the process ``name`` (with its ``bundle`` id, if any) is known, or None if it is
        neither iOS's (by name, truncated name or Apple bundle id) nor an installed app's."""
        first = (name or "").split("/", 1)[0].strip()
        if first and not _UUID.match(first):
            if first in self.names:
                return "iOS process"
            if len(first) == MAXCOMLEN and first in self.truncated:
                return "iOS process (name truncated to 16 characters)"
            if first in apps or first in self.bundles:
                return "app"
        for ident in (bundle, (name or "").partition("/")[2]):
            if ident and ident in self.bundles:
                return "Apple app or service"
            if ident and ident in apps:
                return "installed app"
        if bundle and _APP_ID.match(bundle) and not bundle.startswith("com.apple."):
            # DataUsage keeps the rows of apps deleted since: an app's bundle id, not installed.
            return "app (not installed now)"
        return None


def _keys(value: object) -> list[str]:
    return [str(k) for k in value] if isinstance(value, dict) else []


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


@functools.cache
def bundled_baseline() -> ProcessBaseline:
    """The baseline shipped with tracehound (read once per process)."""
    return load_baseline(BASELINE_PATH)


def load_baseline(path: Path) -> ProcessBaseline:
    return ProcessBaseline.from_json(json.loads(path.read_text(encoding="utf-8")))
