"""``--redact``: what a redacted report hides.

A redacted report can go to people who must not see the victim's private life: for records not
involved in a detection, message bodies, contacts, web history and other personal content are
left out (only booleans and a few enumerations saying what kind of event it was remain), app
container ids and package folders in paths become ``[app]``, and only non-identifying
acquisition facts are shown.
"""

from __future__ import annotations

import re
from typing import Any

from tracehound.reports.derived import cut as _text

REDACTED = "[redacted]"

#: Record fields still shown for records outside any detection in a redacted report: booleans
#: and these enumerations, which say what kind of event it was without saying who or what.
_REDACT_KEEP = frozenset(
    [
        "direction",
        "service",
        "text_source",
        "transition_type",
        "redirect",
        "operation",
        "access",
        "schema",
        "value_type",
        "id_status",
    ]
)
#: Path segments that name an app (container ids, package folders): hidden when redacting.
_APP_SEGMENT = re.compile(
    r"(/Containers/(?:Data|Shared)/(?:Application|AppGroup|PluginKitPlugin|System|SystemGroup)/"
    r"|/containers/(?:Data|Shared)/(?:System|SystemGroup)/|/data/data/|/data/user/\d+/"
    r"|/data/user_de/\d+/|ab:apps/)[^/]+"
)
#: Acquisition facts shown in a redacted report (the others may identify the person).
_ACQ_SAFE = frozenset(
    [
        "kind",
        "platform",
        "product_type",
        "os_version",
        "os_build",
        "backup_date",
        "encrypted",
        "full_backup",
        "backup_version",
        "timezone",
        "timezone_source",
    ]
)


def redact_path(path: str) -> str:
    """``path`` with app container ids and package folders replaced by ``[app]``."""
    return _APP_SEGMENT.sub(lambda m: m.group(1) + "[app]", path)


def record_summary(rec: dict[str, Any], redact: bool, limit: int) -> str:
    """The record's fields as ``name=value`` text; with ``redact``, only what is not personal."""
    parts: list[str] = []
    hidden = 0
    for name, value in rec.items():
        if name in ("type", "ts", "row", "_provenance") or value in (None, "", []):
            continue
        if redact and not (isinstance(value, bool) or name in _REDACT_KEEP):
            hidden += 1
            continue
        parts.append(f"{name}={_text(value, 200)}")
        if sum(len(p) for p in parts) > limit:
            break
    if hidden:
        parts.append(f"[{hidden} fields redacted]")
    return _text(" ".join(parts), limit)


def acquisition_fact(key: str, value: Any, redact: bool, limit: int) -> str:
    """The shown value of one acquisition fact: ``[redacted]`` if it may identify the person."""
    if redact and key not in _ACQ_SAFE:
        return REDACTED
    return _text(value, limit)


def indicator_path(path: str, redact: bool) -> str:
    """An indicator file's path; when redacting, only its name (bundled files in full)."""
    if redact and not path.startswith("bundled:"):
        return path.replace("\\", "/").rsplit("/", 1)[-1]
    return path
