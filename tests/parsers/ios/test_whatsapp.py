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
from tracehound.demo.ios import whatsapp as wa
from tracehound.parsers.ios.whatsapp import is_whatsapp_media

T0 = datetime(2019, 5, 2, 20, 14, 33, tzinfo=UTC)
C0 = to_cocoa(T0)
ME = "15550100000@s.whatsapp.net"
ALICE = "15550100001@s.whatsapp.net"
CDN = "https://mmg.whatsapp.net/d/f/AbCdEf.enc"


def _db(tmp_path: Path, old_schema: bool = False) -> Path:
    path = tmp_path / "ChatStorage.sqlite"
    wa.write(
        path,
        sessions=[{"Z_PK": 1, "ZCONTACTJID": ALICE, "ZPARTNERNAME": "Alice"}],
        messages=[
            {
                "Z_PK": 1,
                "ZMESSAGEDATE": C0,
                "ZISFROMME": 0,
                "ZFROMJID": ALICE,
                "ZTEXT": "look: https://news.example/a?b=1, and (https://x.example/p)",
                "ZCHATSESSION": 1,
                "ZPUSHNAME": "Ali",
                "ZSTANZAID": "3EB0A1B2C3",
            },
            {
                "Z_PK": 2,
                "ZMESSAGEDATE": C0 + 30,
                "ZISFROMME": 1,
                "ZTOJID": ALICE,
                "ZTEXT": None,
                "ZMESSAGETYPE": wa.IMAGE,
                "ZCHATSESSION": 1,
            },
            {
                "Z_PK": 3,
                "ZMESSAGEDATE": C0 + 60,
                "ZISFROMME": 0,
                "ZFROMJID": ALICE,
                "ZTEXT": "preview",
                "ZMESSAGETYPE": wa.LINK,
                "ZCHATSESSION": 1,
            },
        ],
        media=[{"Z_PK": 1, "ZMESSAGE": 2, "ZMEDIAURL": CDN, "ZAUTHORNAME": "me"}],
        data_items=[
            {"ZMESSAGE": 3, "ZMATCHEDTEXT": "https://preview.example/story", "ZTITLE": "Story"},
            {"ZMESSAGE": 3, "ZCONTENT1": "https://second.example/x", "ZINDEX": 1},
        ],
        old_schema=old_schema,
    )
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.whatsapp", _db(tmp_path))
    assert ctx.warnings == 0
    assert [r.row for r in records] == [1, 2, 3]
    received, photo, preview = records
    assert received.ts == T0 and received.sent_at == T0 and received.direction == "received"
    assert received.from_jid == ALICE and received.to_jid is None
    assert received.chat_jid == ALICE and received.chat_name == "Alice"
    assert received.push_name == "Ali" and received.stanza_id == "3EB0A1B2C3"
    assert received.links == ("https://news.example/a?b=1", "https://x.example/p")
    assert photo.ts == datetime(2019, 5, 2, 20, 15, 3, tzinfo=UTC)
    assert photo.direction == "sent" and photo.to_jid == ALICE and photo.text is None
    assert photo.media_url == CDN and photo.links == ()  # WhatsApp's own media link is dropped
    assert photo.message_type == wa.IMAGE
    assert preview.links == ("https://preview.example/story", "https://second.example/x")
    urls = {v for r in records for _, k, v in semantic_values(r) if k is Kind.URL}
    assert CDN not in urls and "https://second.example/x" in urls


def test_old_schema(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("ios.whatsapp", _db(tmp_path, old_schema=True))
    assert ctx.warnings == 0 and len(records) == 3
    assert records[0].sent_at is None and records[0].ts == T0
    assert records[2].links == ()  # no link-preview table in this version


def test_media_filter() -> None:
    assert is_whatsapp_media(CDN) and is_whatsapp_media("https://mmg-fna.whatsapp.net/x")
    assert not is_whatsapp_media("https://evil.example/mmg.whatsapp.net/")
    assert not is_whatsapp_media("https://mmg.whatsapp.net.evil.example/x")
    assert not is_whatsapp_media("https://chat.whatsapp.com/invite")


def test_bad_values_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ChatStorage.sqlite"
    wa.write(
        path,
        messages=[
            {"Z_PK": 1, "ZMESSAGEDATE": "x", "ZTEXT": b"\xff\xfe", "ZISFROMME": "me"},
            {"Z_PK": 2, "ZMESSAGEDATE": C0, "ZTEXT": "ok https://fine.example/"},
        ],
        data_items=[{"ZMESSAGE": 2, "ZCONTENT2": b"\x00blob"}],
    )
    records, ctx = parse("ios.whatsapp", path)
    assert len(records) == 2
    assert records[0].ts is None and records[0].text is None and records[0].direction is None
    assert records[1].links == ("https://fine.example/",)
    assert ctx.warnings == 5  # ZMESSAGEDATE, ZTEXT, ZISFROMME, ZSENTDATE (copied "x"); ZCONTENT2


def test_missing_table_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ChatStorage.sqlite"
    sqlite3.connect(path).executescript("CREATE TABLE ZWACHATSESSION (Z_PK INTEGER);").close()
    with pytest.raises(SchemaMismatch, match="table ZWAMESSAGE"):
        parse("ios.whatsapp", path)


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ChatStorage.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"\xde\xad" * 200)
    with pytest.raises(InputError):
        parse("ios.whatsapp", path)


def test_paths_cover_backup_and_filesystem() -> None:
    (art,) = [a for a in artifacts() if a.name == "ios.whatsapp"]
    globs = GlobSet(list(art.paths))
    domain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
    assert globs.matches(device_path(domain, "ChatStorage.sqlite"))
    uuid = "9C8B7A6D-5E4F-4321-8765-0FEDCBA98765"
    assert globs.matches(
        f"/private/var/mobile/Containers/Shared/AppGroup/{uuid}/ChatStorage.sqlite"
    )
