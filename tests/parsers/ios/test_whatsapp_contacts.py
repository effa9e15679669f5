from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import whatsapp_contacts as wc

T0 = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
C0 = to_cocoa(T0)


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "ContactsV2.sqlite"
    wc.write(
        path,
        [
            {
                "Z_PK": 1,
                "ZWHATSAPPID": "15550100001@s.whatsapp.net",
                "ZLID": "123456789012345@lid",
                "ZPHONENUMBER": "+1 555-0100-001",
                "ZFULLNAME": "Alice Example",
                "ZGIVENNAME": "Alice",
                "ZABOUTTEXT": "Hey there!",
                "ZABOUTTIMESTAMP": C0 - 86400,
                "ZLASTUPDATED": C0,
                "ZDISAPPEARINGMODEDURATION": 604800,
                "ZDISAPPEARINGMODETIMESTAMP": C0 - 3600,
                "ZPHONESTATUS": 1,
            },
            {
                "Z_PK": 2,
                "ZWHATSAPPID": "15550100002@s.whatsapp.net",
                "ZFULLNAME": b"Bob",  # some versions store strings as UTF-8 blobs
                "ZDISAPPEARINGMODEDURATION": 0,
            },
        ],
        old_schema=old_schema,
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.whatsapp_contacts", _db(tmp_path))
    assert ctx.warnings == 0
    alice, bob = records
    assert alice.row == 1 and alice.ts == T0
    assert alice.jid == "15550100001@s.whatsapp.net" and alice.lid == "123456789012345@lid"
    assert alice.phone_number == "+1 555-0100-001" and alice.full_name == "Alice Example"
    assert alice.about_text == "Hey there!"
    assert alice.about_set_at == datetime(2024, 2, 28, 23, 59, 59, tzinfo=UTC)
    assert alice.disappearing_seconds == 604800 and alice.phone_status == 1
    assert alice.disappearing_set_at == datetime(2024, 2, 29, 22, 59, 59, tzinfo=UTC)
    assert bob.full_name == "Bob" and bob.ts is None and bob.disappearing_seconds == 0


def test_old_schema(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.whatsapp_contacts", _db(tmp_path, old_schema=True))
    assert ctx.warnings == 0 and len(records) == 2
    alice = records[0]
    assert alice.lid is None and alice.disappearing_seconds is None
    assert alice.phone_status == 1  # read from ZPHONENUMBERSTATUS
    assert alice.jid == "15550100001@s.whatsapp.net" and alice.ts == T0


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ContactsV2.sqlite"
    wc.write(
        path,
        [{"Z_PK": 1, "ZLASTUPDATED": "later", "ZDISAPPEARINGMODEDURATION": "week"}],
    )
    records, ctx = parse("ios.whatsapp_contacts", path)
    assert len(records) == 1 and records[0].ts is None
    assert records[0].disappearing_seconds is None
    assert ctx.warnings == 2


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ContactsV2.sqlite"
    sqlite3.connect(path).executescript("CREATE TABLE ZWACONTACT (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table ZWAADDRESSBOOKCONTACT"):
        parse("ios.whatsapp_contacts", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ContactsV2.sqlite"
    path.write_bytes(b"")
    with pytest.raises(InputError):
        parse("ios.whatsapp_contacts", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.whatsapp_contacts"]
    globs = GlobSet(list(art.paths))
    domain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
    assert globs.matches(device_path(domain, "ContactsV2.sqlite"))
    uuid = "9C8B7A6D-5E4F-4321-8765-0FEDCBA98765"
    assert globs.matches(f"/private/var/mobile/Containers/Shared/AppGroup/{uuid}/ContactsV2.sqlite")
