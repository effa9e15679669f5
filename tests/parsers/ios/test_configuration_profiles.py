from __future__ import annotations

import hashlib
import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import configuration_profiles
from tracehound.demo.ios.configuration_profiles import Profile

FOLDER = (
    "/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles"
    "/Library/ConfigurationProfiles/"
)
UUID = "7A1C2E3F-1111-4B2C-9D8E-0123456789AB"


def _run(parse, tmp_path: Path, profile: Profile):  # type: ignore[no-untyped-def]
    path = tmp_path / profile.stub_name
    configuration_profiles.write(path, profile)
    return parse("ios.configuration_profiles", path, FOLDER + profile.stub_name)


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    profile = Profile(
        uuid=UUID,
        identifier="com.example.mdm.profile",
        display_name="Company Wi-Fi",
        organization="Example Corp",
        description="Wi-Fi and notifications",
        payloads=("com.apple.wifi.managed", {"PayloadType": "com.apple.notificationsettings"}),
        install_date=datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC),
        removal_disallowed=True,
        signer_certs=(b"\x30\x82cert-one",),
    )
    records, ctx = _run(parse, tmp_path, profile)
    assert ctx.warnings == 0
    assert len(records) == 1
    rec = records[0]
    assert rec.ts == datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert rec.profile_id == UUID and rec.identifier == "com.example.mdm.profile"
    assert (rec.display_name, rec.organization) == ("Company Wi-Fi", "Example Corp")
    assert rec.description == "Wi-Fi and notifications" and rec.payload_type == "Configuration"
    assert rec.payload_types == ("com.apple.wifi.managed", "com.apple.notificationsettings")
    assert rec.payload_ids == (UUID[:-4] + "0000", UUID[:-4] + "0001")
    assert rec.removal_disallowed is True and rec.is_encrypted is False
    assert rec.signer_cert_sha256 == (hashlib.sha256(b"\x30\x82cert-one").hexdigest(),)
    assert rec.file_name == profile.stub_name and rec.file_name.startswith("profile-")


def test_encrypted_profile(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Encrypted profiles have no PayloadContent, only EncryptedPayloadContent."""
    profile = Profile(uuid=UUID, identifier="com.example.enc", encrypted=True, install_date=None)
    records, ctx = _run(parse, tmp_path, profile)
    assert ctx.warnings == 0
    assert records[0].is_encrypted and records[0].payload_types == () and records[0].ts is None


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    profile = Profile(
        uuid=UUID,
        identifier="com.example.bad",
        payloads=("com.apple.vpn.managed",),
        extra={
            "InstallDate": "2023-01-01",
            "PayloadDisplayName": 5,
            "SignerCerts": ["not bytes"],
            "PayloadContent": [{"PayloadType": "com.apple.vpn.managed"}, "junk"],
        },
    )
    records, ctx = _run(parse, tmp_path, profile)
    assert len(records) == 1
    rec = records[0]
    assert rec.ts is None and rec.display_name is None and rec.signer_cert_sha256 == ()
    assert rec.payload_types == ("com.apple.vpn.managed",) and rec.profile_id == UUID
    assert ctx.warnings == 4


def test_not_a_profile_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile-x.stub"
    path.write_bytes(plistlib.dumps({"ProfileEvents": []}, fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch, match="PayloadUUID"):
        parse("ios.configuration_profiles", path, FOLDER + "profile-x.stub")


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile-x.stub"
    path.write_bytes(b"bplist00" + b"\xff" * 40)
    with pytest.raises(InputError):
        parse("ios.configuration_profiles", path, FOLDER + "profile-x.stub")
