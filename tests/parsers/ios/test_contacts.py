from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.records import Kind, semantic_values
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import contacts as ab

T0 = datetime(2020, 5, 17, 18, 4, 2, tzinfo=UTC)
T1 = datetime(2023, 1, 9, 7, 0, 0, tzinfo=UTC)


def _db(tmp_path: Path, legacy: bool = False) -> Path:
    path = tmp_path / "AddressBook.sqlitedb"
    ab.write(
        path,
        people=[
            {
                "ROWID": 1,
                "First": "Ada",
                "Middle": "K.",
                "Last": "Example",
                "Organization": "Example Labs",
                "CreationDate": int(to_cocoa(T0)),
                "ModificationDate": int(to_cocoa(T1)),
            },
            {"ROWID": 2, "First": "Bob", "Last": None, "Organization": None},
        ],
        values=[
            {"record_id": 1, "property": ab.PHONE, "label": ab.MOBILE, "value": "+1 555 0100"},
            {"record_id": 1, "property": ab.EMAIL, "label": ab.WORK, "value": "ada@example.org"},
            {"record_id": 1, "property": ab.URL, "label": "blog", "value": "https://ada.example"},
            {"record_id": 1, "property": ab.PHONE, "label": ab.HOME, "value": None},  # skipped
        ],
        legacy=legacy,
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.contacts", _db(tmp_path))
    assert ctx.warnings == 0
    assert [(r.person_id, r.kind) for r in records] == [
        (1, "phone"),
        (1, "email"),
        (1, "url"),
        (2, None),
    ]
    phone, email, url, bob = records
    assert phone.ts == T0 and phone.modified == T1 and phone.row == 1
    assert (phone.first, phone.middle, phone.last) == ("Ada", "K.", "Example")
    assert phone.organization == "Example Labs" and phone.label == "Mobile"
    assert phone.value == "+1 555 0100" and phone.email is None and phone.url is None
    assert email.email == "ada@example.org" and email.label == "Work" and email.row == 2
    assert url.url == "https://ada.example" and url.label == "blog"
    assert bob.first == "Bob" and bob.value is None and bob.row is None and bob.ts is None
    kinds = {(kind, value) for r in records for _, kind, value in semantic_values(r)}
    assert kinds == {(Kind.EMAIL, "ada@example.org"), (Kind.URL, "https://ada.example")}


def test_legacy_schema(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.contacts", _db(tmp_path, legacy=True))
    assert ctx.warnings == 0 and len(records) == 4
    phone, email = records[0], records[1]
    assert phone.ts is None and phone.modified is None and phone.nickname is None
    assert phone.label == "label 1" and email.label == "label 2"
    assert email.email == "ada@example.org"


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "AddressBook.sqlitedb"
    ab.write(
        path,
        people=[{"ROWID": 1, "First": b"\xff\xfe", "CreationDate": "soon"}],
        values=[
            {"record_id": 1, "property": "mail", "value": "x@example.org"},
            {"record_id": 1, "property": ab.EMAIL, "value": b"\x00\x01"},
        ],
    )
    records, ctx = parse("ios.contacts", path)
    assert len(records) == 2
    assert records[0].kind is None and records[0].first is None and records[0].ts is None
    assert records[1].email is None and records[1].value is None
    # per row: First and CreationDate (x2), property (row 1), value (row 2)
    assert ctx.warnings == 6


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "AddressBook.sqlitedb"
    sqlite3.connect(path).executescript("CREATE TABLE ABPerson (First TEXT, Last TEXT);").close()
    with pytest.raises(SchemaMismatch, match="table ABMultiValue"):
        parse("ios.contacts", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "AddressBook.sqlitedb"
    path.write_bytes(b"\x00" * 4096)
    with pytest.raises(InputError, match="not a SQLite"):
        parse("ios.contacts", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.contacts"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(device_path("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb"))
    assert globs.matches("/private/var/mobile/Library/AddressBook/AddressBook.sqlitedb")


def test_label_column_or_label_text_absent(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/fuzz: with ABMultiValueLabel present but ABMultiValue.label absent (or
    the label table without its value column), the join named the absent column and
    sqlite3.OperationalError escaped; the values are read, without label."""
    path = _db(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE ABMultiValue RENAME COLUMN label TO label_gone")
    conn.commit()
    conn.close()
    records, ctx = parse("ios.contacts", path)
    assert [(r.kind, r.label) for r in records] == [
        ("phone", None),
        ("email", None),
        ("url", None),
        (None, None),
    ]
    assert ctx.warnings == 0
    path = _db(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE ABMultiValueLabel RENAME COLUMN value TO value_gone")
    conn.commit()
    conn.close()
    records, ctx = parse("ios.contacts", path)
    assert len(records) == 4 and ctx.warnings == 0
