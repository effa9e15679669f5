"""iMessage and FaceTime ID status lookups from the identity services status cache.

Facts: MVT's ``IDStatusCache`` module, plaso's ``ios_identityservices`` plist plugin and the
Amnesty 2021 methodology. The binary plist maps a service (``com.apple.madrid`` = iMessage,
``com.apple.ess`` = FaceTime...) to looked-up URIs (``mailto:..``, ``tel:..``) -> ``{LookupDate:
Cocoa seconds, IDStatus: int}`` (IDS states: 0 unknown, 1 valid, 2 invalid). Non-dictionary top
keys such as ``CacheVersion`` are skipped. Some versions group the lookups under the local sender
URI (one more level); both layouts are read and the sender goes to ``from_user``. Pegasus's
zero-click iMessage attacks left lookups of attacker iCloud accounts here, and MVT flags URIs
containing ``\\x00\\x00``. The file left iOS backups with iOS 14.7; full file system dumps keep
``Library/IdentityServices/idstatuscache.plist``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import Email, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_cocoa


@dataclass(frozen=True, slots=True, kw_only=True)
class IdStatusLookup(Record):
    """One ID status lookup of a phone number or e-mail address for a service."""

    TYPE = "ios.idstatuscache"
    MEANING = (
        "The phone asked Apple whether this address can receive iMessage or FaceTime. It "
        "happens when the user writes to, or receives a message from, that account; Pegasus "
        "zero-click attacks left lookups of attacker accounts here."
    )
    PUBLIC_FIELDS = ("service", "id_status")
    TS_DESC = "ID status lookup"

    service: str  # e.g. com.apple.madrid (iMessage)
    user: str  # the looked-up URI as stored (NUL characters kept)
    email: Email | None  # for mailto: URIs
    phone: str | None  # for tel: URIs
    id_status: int | None
    from_user: str | None  # the local sender URI in the nested layout
    occurrences: int  # how many lookups of the same URI the file holds


PATHS = (
    "/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist",
    "/private/var/mobile/Library/IdentityServices/idstatuscache.plist",
)

_ENTRY_KEYS = ("LookupDate", "IDStatus")

Lookup = tuple[str, str, str | None, dict[str, Any]]


def _is_entry(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in _ENTRY_KEYS)


def _lookups(root: dict[str, Any], ctx: ParseContext) -> Iterator[Lookup]:
    """(service, user, from_user, entry) for both layouts."""
    for service, users in root.items():
        if not isinstance(users, dict):
            continue  # CacheVersion and other scalars
        for user, value in users.items():
            if _is_entry(value):
                yield str(service), str(user), None, value
            elif isinstance(value, dict) and value and all(_is_entry(v) for v in value.values()):
                for target, entry in value.items():
                    yield str(service), str(target), str(user), entry
            else:
                ctx.warn(f"unexpected value for {service!s:.60} / {user!s:.60}")


def _status(value: Any, ctx: ParseContext) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    ctx.warn(f"IDStatus is not an integer: {value!r:.80}")
    return None


@artifact(record=IdStatusLookup, input="plist", paths=PATHS)
def parse(root: Any, ctx: ParseContext) -> Iterator[IdStatusLookup]:
    """iMessage/FaceTime lookups of phone numbers and e-mail addresses, with their time."""
    if not isinstance(root, dict):
        raise SchemaMismatch(f"top level is {type(root).__name__}, not a dictionary")
    found = list(_lookups(root, ctx))
    counts = Counter(user for _, user, _, _ in found)
    for service, user, from_user, entry in found:
        lowered = user.lower()
        email = user[7:].strip("'").replace("\x00", "") if lowered.startswith("mailto:") else None
        yield IdStatusLookup(
            ts=ctx.time(from_cocoa, entry.get("LookupDate"), None, "LookupDate"),
            service=service,
            user=user,
            email=email or None,
            phone=(user[4:] or None) if lowered.startswith("tel:") else None,
            id_status=_status(entry.get("IDStatus"), ctx),
            from_user=from_user,
            occurrences=counts[user],
        )
