from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_path
from tracehound.core.registry import artifacts
from tracehound.core.timeutil import to_cocoa
from tracehound.demo.ios import interaction_c as ic

T0 = datetime(2021, 3, 8, 11, 0, 0, 500000, tzinfo=UTC)
C0 = to_cocoa(T0)


def _db(tmp_path: Path, variant: ic.Variant = "current") -> Path:
    path = tmp_path / "interactionC.db"
    ic.write(
        path,
        contacts=[
            {"Z_PK": 1, "ZIDENTIFIER": "+15550100001", "ZDISPLAYNAME": "Alice"},
            {"Z_PK": 2, "ZIDENTIFIER": "bob@example.org", "ZDISPLAYNAME": "Bob"},
            {"Z_PK": 3, "ZIDENTIFIER": "15550100009@s.whatsapp.net", "ZDISPLAYNAME": None},
        ],
        interactions=[
            {  # incoming iMessage with a photo, created at once
                "Z_PK": 1,
                "ZSTARTDATE": C0,
                "ZENDDATE": C0,
                "ZCREATIONDATE": C0 + 2,
                "ZBUNDLEID": "com.apple.MobileSMS",
                "ZTARGETBUNDLEID": "com.apple.MobileSMS",
                "ZACCOUNT": "owner@icloud.example",
                "ZDIRECTION": ic.INCOMING,
                "ZISRESPONSE": 0,
                "ZSENDER": 2,
                "ZRECIPIENTCOUNT": 1,
                "ZDOMAINIDENTIFIER": "iMessage;-;bob@example.org",
                "ZGROUPNAME": "Family",
                "recipients": [1],
                "attachments": [1],
            },
            {  # outgoing WhatsApp call, recorded 90 days later
                "Z_PK": 2,
                "ZSTARTDATE": C0 + 600,
                "ZENDDATE": C0 + 660,
                "ZCREATIONDATE": C0 + 600 + 90 * 86400,
                "ZBUNDLEID": "net.whatsapp.WhatsApp",
                "ZDIRECTION": ic.OUTGOING,
                "ZMECHANISM": 4,
                "recipients": [3, 2],
            },
        ],
        attachments=[
            {
                "Z_PK": 1,
                "ZCONTENTURL": "https://photos.example/p/1.jpg",
                "ZCONTENTTEXT": "holiday",
                "ZUTI": "public.jpeg",
                "ZPHOTOLOCALIDENTIFIER": "ABC/L0/001",
            }
        ],
        variant=variant,
    )
    return path


@pytest.mark.parametrize("variant", ["current", "renumbered", "no_group"])
def test_good(tmp_path: Path, parse, variant: ic.Variant) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.interaction_c", _db(tmp_path, variant))
    assert ctx.warnings == 0
    assert [r.row for r in records] == [1, 2]
    sms, call = records
    assert sms.ts == T0 and sms.ended == T0
    assert sms.created == T0 + timedelta(seconds=2) and sms.creation_delta == 2.0
    assert sms.created_divergent is None
    assert sms.bundle_id == "com.apple.MobileSMS" and sms.direction == "incoming"
    assert sms.is_response is False and sms.account == "owner@icloud.example"
    assert (sms.sender_name, sms.sender_id) == ("Bob", "bob@example.org")
    assert sms.recipient_ids == ("+15550100001",) and sms.recipient_names == ("Alice",)
    assert sms.emails == ("bob@example.org",)
    assert sms.attachment_urls == ("https://photos.example/p/1.jpg",)
    assert sms.attachment_texts == ("holiday",) and sms.attachment_utis == ("public.jpeg",)
    assert sms.group_name == (None if variant == "no_group" else "Family")
    assert call.direction == "outgoing" and call.sender_id is None and call.mechanism == 4
    assert set(call.recipient_ids) == {"15550100009@s.whatsapp.net", "bob@example.org"}
    assert call.emails == ("bob@example.org",)  # a WhatsApp JID is not an e-mail address
    assert call.creation_delta == 90 * 86400.0
    assert call.created_divergent == datetime(2021, 6, 6, 11, 10, 0, 500000, tzinfo=UTC)


def test_oldest_schema_without_link_tables(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.interaction_c", _db(tmp_path, "no_links"))
    assert ctx.warnings == 0 and len(records) == 2
    assert records[0].sender_id == "bob@example.org" and records[0].recipient_ids == ()
    assert records[0].attachment_urls == () and records[0].group_name is None
    assert records[1].created_divergent is not None


def test_linked_table_without_key_reads_without_its_values(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/fuzz: ZATTACHMENT without Z_PK made the attachment join name an absent
    column, and sqlite3.OperationalError escaped; the interactions are read without them."""
    path = _db(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE ZATTACHMENT RENAME COLUMN Z_PK TO Z_PK_gone")
    conn.commit()
    conn.close()
    records, ctx = parse("ios.interaction_c", path)
    assert ctx.warnings == 0 and [r.row for r in records] == [1, 2]
    assert records[0].attachment_urls == () and records[0].recipient_ids == ("+15550100001",)


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "interactionC.db"
    ic.write(
        path,
        contacts=[{"Z_PK": 1, "ZIDENTIFIER": b"\x00\x01"}],
        interactions=[
            {"Z_PK": 1, "ZSTARTDATE": "now", "ZCREATIONDATE": C0, "ZSENDER": 1},
            {"Z_PK": 2, "ZSTARTDATE": C0, "ZDIRECTION": "in", "ZBUNDLEID": b"\xff"},
        ],
    )
    records, ctx = parse("ios.interaction_c", path)
    assert len(records) == 2
    bad_start, bad_direction = records
    assert bad_start.ts is None and bad_start.sender_id is None
    assert bad_start.created_divergent == T0  # no start: the creation date is the anchor
    assert bad_direction.direction is None and bad_direction.bundle_id is None
    assert bad_direction.created_divergent is None and bad_direction.creation_delta is None
    assert ctx.warnings == 4  # ZSTARTDATE, ZIDENTIFIER; ZDIRECTION, ZBUNDLEID


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "interactionC.db"
    sqlite3.connect(path).executescript("CREATE TABLE ZCONTACTS (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table ZINTERACTIONS"):
        parse("ios.interaction_c", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "interactionC.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x02\x00" * 50)
    with pytest.raises(InputError):
        parse("ios.interaction_c", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.interaction_c"]
    globs = GlobSet(list(art.paths))
    assert globs.matches(device_path("HomeDomain", "Library/CoreDuet/People/interactionC.db"))
    assert globs.matches("/private/var/mobile/Library/CoreDuet/People/interactionC.db")
