"""iLEAPP's module test cases (tests/data/ileapp, see ORIGIN.md): files cut from public test
images (Josh Hickman's iOS 15 and iOS 17 images, Magnet's MVS 2023 image, BelkaCTF 6).

Two of them keep their rows only in the -wal file (the main file is an empty shell), so they
prove that a -wal next to a database is read, on a private copy, without touching the evidence.
Expected values: sqlite3 on a private copy with the -wal, and the row counts iLEAPP records in
``admin/test/results/<module>/*.json`` at the commit in ORIGIN.md.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.realdata import DATA, tree_state
from tracehound.core.errors import SchemaMismatch

ILEAPP = DATA / "ileapp"
APP = "/private/var/mobile/Containers/Data/Application/90F2C1EE-68DD-4243-B040-007638E92E37"
CACHE_DB = f"{APP}/Library/Caches/com.apple.mobilesafari/Cache.db"


def cocoa(seconds: float) -> datetime:
    """Reference conversion: Apple's epoch 2001-01-01 UTC plus seconds."""
    return datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def test_safari_cache_rows_live_in_the_wal(parse: Any) -> None:
    before = tree_state(ILEAPP / "josh_ios17")
    records, ctx = parse("ios.cache_files", ILEAPP / "josh_ios17/Cache.db", CACHE_DB)
    assert tree_state(ILEAPP / "josh_ios17") == before  # no -shm, no checkpoint
    # iLEAPP safariCache josh_ios17_ffs: 6 rows. sqlite3 (copy with -wal): entry_ID 1..6,
    # time_stamp 2024-01-11 23:13:37 ... 2024-07-07 15:47:54, storage_policy 0.
    assert ctx.warnings == 0
    assert [r.entry_id for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.ts for r in records] == [
        datetime(2024, 1, 11, 23, 13, 37, tzinfo=UTC),
        datetime(2024, 1, 12, 0, 37, 37, tzinfo=UTC),
        datetime(2024, 1, 12, 0, 37, 37, tzinfo=UTC),
        datetime(2024, 1, 12, 0, 37, 38, tzinfo=UTC),
        datetime(2024, 7, 7, 15, 47, 53, tzinfo=UTC),
        datetime(2024, 7, 7, 15, 47, 54, tzinfo=UTC),
    ]
    assert records[0].url == (
        "https://configuration.apple.com/configurations/internetservices/safari/"
        "AutoFillQuirks-1.plist"
    )
    assert {r.cache_folder for r in records} == {"com.apple.mobilesafari"}


def test_safari_cache_without_its_wal_is_empty(parse: Any, tmp_path: Path) -> None:
    """The control: the main file alone has the table and no row."""
    shutil.copyfile(ILEAPP / "josh_ios17/Cache.db", tmp_path / "Cache.db")
    records, ctx = parse("ios.cache_files", tmp_path / "Cache.db", CACHE_DB)
    assert (records, ctx.warnings) == ([], 0)


def test_address_book_lives_in_the_wal(parse: Any, tmp_path: Path) -> None:
    before = tree_state(ILEAPP / "belkactf6")
    records, ctx = parse("ios.contacts", ILEAPP / "belkactf6/AddressBook.sqlitedb")
    assert tree_state(ILEAPP / "belkactf6") == before
    # iLEAPP addressBook belkasoft_ctf6_ios_device1: 1 row. sqlite3 (copy with -wal): ABPerson
    # 1 William Phorger, ModificationDate 734047664; ABMultiValue property 4 (e-mail), label
    # _$!<Home>!$_, value billthemegakill@icloud.com.
    assert ctx.warnings == 0 and len(records) == 1
    c = records[0]
    assert (c.first, c.last, c.kind, c.label, c.email) == (
        "William",
        "Phorger",
        "email",
        "Home",
        "billthemegakill@icloud.com",
    )
    assert c.ts == c.modified == cocoa(734047664)
    # Without the -wal the 4096-byte main file has no table at all.
    shutil.copyfile(ILEAPP / "belkactf6/AddressBook.sqlitedb", tmp_path / "AddressBook.sqlitedb")
    with pytest.raises(SchemaMismatch):
        parse("ios.contacts", tmp_path / "AddressBook.sqlitedb")


def test_whatsapp_messages(parse: Any) -> None:
    records, ctx = parse("ios.whatsapp", ILEAPP / "josh_ios15/ChatStorage.sqlite")
    # iLEAPP whatsAppMessages josh_ios15_ffs: 32 rows. sqlite3: 32 ZWAMESSAGE rows, 11 with
    # ZISFROMME = 1; Z_PK 12 sent "I’m here!" ZMESSAGEDATE 704735807.221498, ZSENTDATE
    # 704735807.287341, ZTOJID 19198887386@s.whatsapp.net; Z_PK 13 received, 704735850.
    assert ctx.warnings == 0 and len(records) == 32
    assert sum(r.direction == "sent" for r in records) == 11
    by_row = {r.row: r for r in records}
    sent, received = by_row[12], by_row[13]
    assert (sent.direction, sent.text, sent.to_jid) == (
        "sent",
        "I\u2019m here!",
        "19198887386@s.whatsapp.net",
    )
    assert (sent.ts, sent.sent_at) == (cocoa(704735807.221498), cocoa(704735807.287341))
    assert (received.direction, received.from_jid, received.ts) == (
        "received",
        "19198887386@s.whatsapp.net",
        cocoa(704735850),
    )
    assert received.chat_name == "This Is DFIR Two"  # ZWACHATSESSION 5 ZPARTNERNAME
    # Z_PK 1: a group event in "Med Report Review", ZMESSAGEDATE 676082810.
    assert (by_row[1].chat_jid, by_row[1].ts) == ("120363044520422953@g.us", cocoa(676082810))


def test_whatsapp_contacts_real_schema(parse: Any) -> None:
    """Magnet's MVS 2023 ContactsV2.sqlite: the real schema (ZDISAPPEARINGMODEDURATION INTEGER,
    no ZLID column), no contact rows (sqlite3 count: 0; iLEAPP records none either)."""
    records, ctx = parse("ios.whatsapp_contacts", ILEAPP / "mvs_ios_2023/ContactsV2.sqlite")
    assert (records, ctx.warnings) == ([], 0)
