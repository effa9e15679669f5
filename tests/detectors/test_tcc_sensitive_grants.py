from __future__ import annotations

from datetime import UTC, datetime

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.tcc_sensitive_grants import TccSensitiveGrants
from tracehound.parsers.ios.tcc import TccAccess

T0 = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)
PROV = Provenance(
    source="ios_backup",
    path="/private/var/mobile/Library/TCC/TCC.db",
    sha256=None,
    parser="ios.tcc",
    parser_version="1",
)


def grant(service: str, allowed: bool | None, client: str = "com.example.chat") -> TccAccess:
    return TccAccess(
        ts=T0,
        row=1,
        service=service,
        client=client,
        client_type=0,
        client_bundle=client,
        client_path=None,
        client_name=client,
        allowed=allowed,
        access=None,
        auth_value=None,
        auth_reason=None,
        reason=None,
        prompt_count=None,
        indirect_object=None,
        schema="v3",
    )


def run(record: TccAccess) -> list:  # type: ignore[type-arg]
    return list(TccSensitiveGrants().feed(record, PROV))


def test_camera_and_microphone_grants_are_info() -> None:
    cam = run(grant("kTCCServiceCamera", True))
    mic = run(grant("kTCCServiceMicrophone", True, "com.example.voice"))
    assert [f.severity for f in cam + mic] == [Severity.INFO, Severity.INFO]
    assert "camera" in cam[0].message and "microphone" in mic[0].message
    assert cam[0].value == "com.example.chat" and mic[0].value == "com.example.voice"
    assert cam[0].ts == T0


def test_negative_cases() -> None:
    assert run(grant("kTCCServiceCamera", False)) == []
    assert run(grant("kTCCServiceMicrophone", None)) == []
    assert run(grant("kTCCServicePhotos", True)) == []
