"""Installed configuration profiles (profile-*.stub): UUID, identifier, payload types, install date.

Facts: MVT ``ConfigurationProfiles`` reads every file whose name starts with ``profile-`` in the
backup domain ``SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles`` under
``Library/ConfigurationProfiles/`` (device folder ``/private/var/containers/Shared/SystemGroup/
<container>/``), matches PayloadUUID against profile indicators and flags a
``com.apple.notificationsettings`` payload. Keys from Apple's Configuration Profile Reference:
PayloadUUID, PayloadIdentifier, PayloadDisplayName, PayloadOrganization, PayloadDescription,
PayloadType, PayloadRemovalDisallowed, IsEncrypted, PayloadContent (payload dicts with their
PayloadType); the stub adds InstallDate (plist date, UTC) and SignerCerts (DER certificates).
The second path is the folder's pre-iOS 10 place in the mobile home (recalled, not verified;
harmless when absent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.core.context import ParseContext
from tracehound.core.errors import SchemaMismatch
from tracehound.core.records import CertHash, ProfileId, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import as_utc

PATHS = (
    "/private/var/containers/Shared/SystemGroup/*/Library/ConfigurationProfiles/profile-*",
    "/private/var/mobile/Library/ConfigurationProfiles/profile-*",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigurationProfile(Record):
    """One installed profile; ``ts`` is its install date."""

    TYPE = "ios.configuration_profiles"
    MEANING = (
        "A configuration profile installed on the phone: it can change settings, certificates "
        "and network routing."
    )
    TS_DESC = "Profile installed"

    profile_id: ProfileId | None  # PayloadUUID
    identifier: str | None
    display_name: str | None
    organization: str | None
    description: str | None
    payload_type: str | None
    payload_types: tuple[str, ...]  # PayloadContent[*].PayloadType, in order
    payload_ids: tuple[ProfileId, ...]  # PayloadContent[*].PayloadUUID
    removal_disallowed: bool | None
    is_encrypted: bool
    signer_cert_sha256: tuple[CertHash, ...]  # SHA-256 of each SignerCerts DER certificate
    file_name: str  # the stub's file name


def _payloads(data: dict[str, Any], ctx: ParseContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    content = data.get("PayloadContent")
    if content is None:
        return (), ()
    if not isinstance(content, list):
        ctx.warn("PayloadContent is not a list")
        return (), ()
    types: list[str] = []
    ids: list[str] = []
    for item in content:
        if not isinstance(item, dict):
            ctx.warn("a PayloadContent entry is not a dictionary")
            continue
        kind = item.get("PayloadType")
        if isinstance(kind, str):
            types.append(kind)
        uuid = item.get("PayloadUUID")
        if isinstance(uuid, str):
            ids.append(uuid)
    return tuple(types), tuple(ids)


def _certs(data: dict[str, Any], ctx: ParseContext) -> tuple[str, ...]:
    certs = data.get("SignerCerts")
    if certs is None:
        return ()
    if not isinstance(certs, list) or not all(isinstance(c, bytes) for c in certs):
        ctx.warn("SignerCerts is not a list of certificates")
        return ()
    return tuple(hashlib.sha256(c).hexdigest() for c in certs)


def _date(data: dict[str, Any], ctx: ParseContext) -> datetime | None:
    value = data.get("InstallDate")
    if value is None or isinstance(value, datetime):
        return as_utc(value)
    ctx.warn(f"InstallDate is not a date: {str(value)[:80]!r}")
    return None


@artifact(record=ConfigurationProfile, input="plist", paths=PATHS)
def parse(data: Any, ctx: ParseContext) -> Iterator[ConfigurationProfile]:
    """Installed configuration profiles: UUID, name, organization, payload types, install date."""
    if not isinstance(data, dict):
        raise SchemaMismatch(f"top level is {type(data).__name__}, not a dictionary")
    if "PayloadUUID" not in data and "PayloadIdentifier" not in data:
        raise SchemaMismatch("missing key PayloadUUID, PayloadIdentifier")
    types, ids = _payloads(data, ctx)
    removal = data.get("PayloadRemovalDisallowed")
    yield ConfigurationProfile(
        ts=_date(data, ctx),
        profile_id=ctx.text(data.get("PayloadUUID"), None, "PayloadUUID"),
        identifier=ctx.text(data.get("PayloadIdentifier"), None, "PayloadIdentifier"),
        display_name=ctx.text(data.get("PayloadDisplayName"), None, "PayloadDisplayName"),
        organization=ctx.text(data.get("PayloadOrganization"), None, "PayloadOrganization"),
        description=ctx.text(data.get("PayloadDescription"), None, "PayloadDescription"),
        payload_type=ctx.text(data.get("PayloadType"), None, "PayloadType"),
        payload_types=types,
        payload_ids=ids,
        removal_disallowed=removal if isinstance(removal, bool) else None,
        is_encrypted=data.get("IsEncrypted") is True or "EncryptedPayloadContent" in data,
        signer_cert_sha256=_certs(data, ctx),
        file_name=ctx.path.rsplit("/", 1)[-1],
    )
