"""Installed configuration profile stubs (``Library/ConfigurationProfiles/profile-<hex>.stub``).

Facts: MVT ``ConfigurationProfiles`` (domain ``SysSharedContainerDomain-systemgroup.com.apple.
configurationprofiles``, files whose name starts with ``profile-``, keys PayloadUUID,
PayloadDisplayName, PayloadDescription, PayloadContent[*].PayloadType, InstallDate, SignerCerts);
Apple's Configuration Profile Reference for the top-level keys (PayloadIdentifier,
PayloadOrganization, PayloadRemovalDisallowed, PayloadType "Configuration", PayloadVersion,
IsEncrypted). Stubs are binary plists named ``profile-`` + 64 hex digits + ``.stub`` (seen in
public device listings); the digest used here (SHA-256 of the identifier) is illustrative.
"""

from __future__ import annotations

import hashlib
import plistlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
FOLDER = "Library/ConfigurationProfiles"


@dataclass(frozen=True)
class Profile:
    """One installed profile. ``payloads`` are PayloadContent dicts or bare PayloadType strings."""

    uuid: str
    identifier: str
    display_name: str | None = "Example profile"
    organization: str | None = "Example Org"
    description: str | None = None
    payloads: Sequence[Mapping[str, Any] | str] = ("com.apple.wifi.managed",)
    install_date: datetime | None = datetime(2023, 1, 1, tzinfo=UTC)
    removal_disallowed: bool | None = None
    encrypted: bool = False
    signer_certs: Sequence[bytes] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # more top-level keys

    @property
    def stub_name(self) -> str:
        return f"profile-{hashlib.sha256(self.identifier.encode()).hexdigest()}.stub"

    @property
    def relative_path(self) -> str:
        """The backup relativePath of this stub (in :data:`DOMAIN`)."""
        return f"{FOLDER}/{self.stub_name}"


def _payload(item: Mapping[str, Any] | str, profile: Profile, index: int) -> dict[str, Any]:
    if isinstance(item, str):
        item = {"PayloadType": item}
    base = {
        "PayloadIdentifier": f"{profile.identifier}.payload{index}",
        "PayloadUUID": f"{profile.uuid[:-4]}{index:04X}",
        "PayloadVersion": 1,
        "PayloadDisplayName": item.get("PayloadType", "Payload"),
    }
    return {**base, **item}


def stub(profile: Profile) -> dict[str, Any]:
    """The stub plist's content for ``profile``."""
    data: dict[str, Any] = {
        "PayloadIdentifier": profile.identifier,
        "PayloadType": "Configuration",
        "PayloadUUID": profile.uuid,
        "PayloadVersion": 1,
    }
    optional = {
        "PayloadDisplayName": profile.display_name,
        "PayloadOrganization": profile.organization,
        "PayloadDescription": profile.description,
        "PayloadRemovalDisallowed": profile.removal_disallowed,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if profile.install_date is not None:
        data["InstallDate"] = profile.install_date.astimezone(UTC).replace(tzinfo=None)
    if profile.encrypted:
        data["IsEncrypted"] = True
        data["EncryptedPayloadContent"] = b"\x30\x82encrypted-cms"
    else:
        data["PayloadContent"] = [_payload(p, profile, i) for i, p in enumerate(profile.payloads)]
    if profile.signer_certs:
        data["SignerCerts"] = list(profile.signer_certs)
    data.update(profile.extra)
    return data


def write(path: Path, profile: Profile) -> None:
    """Write one ``profile-<hex>.stub`` (binary plist) at ``path`` (see ``Profile.stub_name``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(stub(profile), fmt=plistlib.FMT_BINARY))
