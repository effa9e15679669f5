from __future__ import annotations

import plistlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.ios import idstatuscache

T0 = datetime(2020, 7, 10, 6, 15, 30, 250000, tzinfo=UTC)
T1 = datetime(2020, 7, 10, 6, 20, 0, tzinfo=UTC)

LOOKUPS = [
    {
        "service": "com.apple.madrid",
        "user": "mailto:attacker@example.com",
        "lookup_date": T0,
        "id_status": 1,
    },
    {"service": "com.apple.madrid", "user": "tel:+15555550100", "lookup_date": T1, "id_status": 2},
    {
        "service": "com.apple.ess",
        "user": "mailto:attacker@example.com",
        "lookup_date": T1,
        "id_status": 1,
    },
    {
        "service": "com.apple.madrid",
        "user": "mailto:x\x00\x00@example.com",
        "lookup_date": T1,
        "id_status": 0,
    },
]


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "com.apple.identityservices.idstatuscache.plist"
    idstatuscache.write(path, LOOKUPS, cache_version=1)
    records, ctx = parse("ios.idstatuscache", path)
    assert ctx.warnings == 0
    assert len(records) == 4
    by_key = {(r.service, r.user): r for r in records}
    first = by_key[("com.apple.madrid", "mailto:attacker@example.com")]
    assert first.email == "attacker@example.com" and first.phone is None
    assert first.ts == T0 and first.id_status == 1 and first.from_user is None
    assert first.occurrences == 2
    tel = by_key[("com.apple.madrid", "tel:+15555550100")]
    assert tel.phone == "+15555550100" and tel.email is None and tel.ts == T1 and tel.id_status == 2
    assert tel.occurrences == 1
    assert by_key[("com.apple.ess", "mailto:attacker@example.com")].ts == T1
    nul = by_key[("com.apple.madrid", "mailto:x\x00\x00@example.com")]
    assert nul.email == "x@example.com" and "\x00\x00" in nul.user


def test_nested_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "idstatuscache.plist"
    nested = [{**item, "from_user": "tel:+15555550199"} for item in LOOKUPS[:2]]
    idstatuscache.write(path, nested, nested=True)
    records, ctx = parse(
        "ios.idstatuscache",
        path,
        "/private/var/mobile/Library/IdentityServices/idstatuscache.plist",
    )
    assert ctx.warnings == 0
    assert [(r.user, r.from_user, r.ts) for r in records] == [
        ("mailto:attacker@example.com", "tel:+15555550199", T0),
        ("tel:+15555550100", "tel:+15555550199", T1),
    ]


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.plist"
    root = {
        "CacheVersion": 3,
        "com.apple.madrid": {
            "mailto:a@example.com": {"LookupDate": "yesterday", "IDStatus": "valid"},
            "tel:+1": {"LookupDate": float("nan"), "IDStatus": 1},
            "tel:+2": "not a dict",
        },
    }
    path.write_bytes(plistlib.dumps(root, fmt=plistlib.FMT_BINARY))
    records, ctx = parse("ios.idstatuscache", path)
    assert len(records) == 2
    assert all(r.ts is None for r in records)
    assert records[0].id_status is None and records[1].id_status == 1
    assert ctx.warnings == 4


def test_wrong_shape_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.plist"
    path.write_bytes(plistlib.dumps(["a", "b"], fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        parse("ios.idstatuscache", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.plist"
    path.write_bytes(b"bplist00\x00\x01garbage")
    with pytest.raises(InputError):
        parse("ios.idstatuscache", path)
