from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import containers as c
from tracehound.demo.android.sms_backup import FROM, TO, member_name, mms, render, sms
from tracehound.parsers.android import sms_backup
from tracehound.parsers.android.sms_backup import BackupMessage
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources.base import SourceOptions
from tracehound.sources.detect import open_source

NAME = "android.sms_backup"
SMS_PATH = "ab:apps/com.android.providers.telephony/d_f/000000_sms_backup"
MMS_PATH = "ab:apps/com.android.providers.telephony/d_f/000001_mms_backup"
T0 = datetime(2024, 2, 1, 8, 15, 30, 250000, tzinfo=UTC)
T1 = datetime(2024, 2, 1, 8, 15, 27, tzinfo=UTC)
T2 = datetime(2024, 2, 3, 19, 2, 11, tzinfo=UTC)
EXPLOIT = "https://weather4free.com/r/8b1f?x=1"  # a Pegasus domain (bundled indicators)


def _write(tmp_path: Path, data: bytes, name: str = "000000_sms_backup") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _sms_file() -> bytes:
    return render([
        sms(address="+33698765432", body=f"Votre colis est en attente: {EXPLOIT}.", date=T0,
            date_sent=T1, read=0),
        sms(address="+33698765432", body="Merci, à demain", date=T2, box=2, archived=True),
        sms(address="sms@example.org", body="", date=T2, box=3, self_phone=None),
    ])  # fmt: skip


def test_sms_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse(NAME, _write(tmp_path, _sms_file()), SMS_PATH)
    assert ctx.warnings == 0
    assert [type(r) for r in records] == [BackupMessage] * 3
    first, second, draft = records
    assert first.ts == T0 and first.sent_at == T1 and first.row == 0
    assert (first.kind, first.direction, first.box) == ("sms", "received", 1)
    assert first.address == "+33698765432" and first.self_phone == "+33612345678"
    assert first.recipients == ("+33698765432",) and first.emails == ()
    assert first.links == (EXPLOIT,)
    assert first.read is False and first.status == -1 and first.archived is False
    assert second.direction == "sent" and second.sent_at is None and second.archived is True
    assert second.body == "Merci, à demain" and second.links == () and second.read is True
    assert draft.direction == "draft" and draft.emails == ("sms@example.org",)
    assert draft.self_phone is None and draft.body == ""


def test_mms_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render([
        mms(addresses=[(FROM, "+33698765432"), (TO, "+33612345678")], body="Regarde ça",
            subject=f"Photo {EXPLOIT}", date=T2, content_location="http://mms.example.net/Xy12"),
        mms(addresses=[(FROM, "insert-address-token"), (TO, "friend@example.org")],
            body="envoyé", date=T0, msg_box=2, read=1),
    ])  # fmt: skip
    records, ctx = parse(NAME, _write(tmp_path, data, "000001_mms_backup"), MMS_PATH)
    assert ctx.warnings == 0
    received, sent = records
    assert received.ts == T2  # MMS dates are Unix seconds
    assert (received.kind, received.direction, received.address) == ("mms", "received",
                                                                     "+33698765432")  # fmt: skip
    assert received.subject == f"Photo {EXPLOIT}" and received.links == (EXPLOIT,)
    assert received.mms_addresses == ("+33698765432", "+33612345678")
    assert received.content_location == "http://mms.example.net/Xy12"
    assert received.sent_at is None  # date_sent "0"
    assert sent.direction == "sent" and sent.address == "friend@example.org"
    assert sent.ts == datetime(2024, 2, 1, 8, 15, 30, tzinfo=UTC)  # seconds: no fraction
    assert sent.emails == ("friend@example.org",) and sent.recipients == ("friend@example.org",)


def test_units_by_magnitude(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """An MMS date written in milliseconds (some vendors) and an SMS in seconds still read."""
    entries = [{"address": "1", "body": "a", "date": "1706775330", "type": "1"},
               {"msg_box": "1", "mms_body": "b", "date": 1706775330250}]  # fmt: skip
    data = zlib.compress(json.dumps(entries).encode())
    records, ctx = parse(NAME, _write(tmp_path, data), SMS_PATH)
    assert ctx.warnings == 0
    assert [r.ts for r in records] == [datetime(2024, 2, 1, 8, 15, 30, tzinfo=UTC), T0]
    assert [r.kind for r in records] == ["sms", "mms"]


def test_broken_values_are_warnings(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    entries = [
        {"address": "+1", "body": 42, "date": "yesterday", "type": "1", "read": "x"},
        "not a message",
        {"address": "+2", "body": "ok", "type": "9", "recipients": "+2"},
        {"address": "+3", "body": "far", "date": "99999999999999999999", "type": "2"},
    ]
    data = zlib.compress(json.dumps(entries).encode())
    records, ctx = parse(NAME, _write(tmp_path, data), SMS_PATH)
    # body not text, date not a number, read not a number, not an object, no date,
    # recipients not a list, date out of range
    assert ctx.warnings == 7
    assert len(records) == 3
    assert records[0].body is None and records[0].ts is None and records[0].read is None
    assert records[1].direction is None and records[1].box == 9 and records[1].ts is None
    assert records[2].ts is None and records[2].direction == "sent"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01garbage",  # not zlib
        zlib.compress(b'[{"address": "+1"}]')[:-6],  # stream cut
        zlib.compress(b'[{"address": '),  # JSON cut
    ],
)
def test_corrupt(tmp_path: Path, parse, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        parse(NAME, _write(tmp_path, data), SMS_PATH)


def test_wrong_shape(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatch):
        parse(NAME, _write(tmp_path, zlib.compress(b'{"address": "+1"}')), SMS_PATH)


def test_decompression_bomb_is_refused(  # type: ignore[no-untyped-def]
    tmp_path: Path, parse, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sms_backup.MAX_INFLATED == 256 * 1024 * 1024
    monkeypatch.setattr(sms_backup, "MAX_INFLATED", 1024 * 1024)
    bomb = zlib.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]", 9)
    assert len(bomb) < 20_000
    with pytest.raises(InputError, match="decompression bomb"):
        parse(NAME, _write(tmp_path, bomb), SMS_PATH)
    small = zlib.compress(b"[" + b" " * 1000 + b"]")
    assert parse(NAME, _write(tmp_path, small), SMS_PATH)[0] == []


def test_plain_json_is_accepted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = json.dumps([sms(address="+1", body="hi", date=T0)]).encode()
    records, ctx = parse(NAME, _write(tmp_path, data), SMS_PATH)
    assert ctx.warnings == 0 and [r.ts for r in records] == [T0]


def test_backup_folder_exposes_the_same_paths(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    target = folder / member_name(0)
    target.parent.mkdir(parents=True)
    target.write_bytes(_sms_file())
    (folder / "apps/com.android.providers.telephony/_manifest").write_bytes(b"1\n")
    source = open_source(folder, SourceOptions())
    try:
        found = source.find(["ab:apps/com.android.providers.telephony/d_f/*_sms_backup"])
    finally:
        source.close()
    assert list(found.values()) == [[SMS_PATH]]


def test_encrypted_backup_link_matches_a_pegasus_indicator(tmp_path: Path) -> None:
    members = {
        "apps/com.android.providers.telephony/_manifest": b"1\n",
        member_name(0): _sms_file(),
        member_name(1, "mms"): render([mms(addresses=[(FROM, "+1")], body="x", date=T2)]),
    }
    backup = c.write_ab(tmp_path / "backup.ab", members, password="demo-pass")
    result = run_check(
        CheckOptions(
            target=backup,
            output=tmp_path / "out",
            source=SourceOptions(password="demo-pass"),
            jobs=1,
        )
    )
    arts = result.run["artifacts"]
    assert arts[NAME]["status"] == "ran" and arts[NAME]["records"] == 4
    hits = [d for d in result.detections if d["type"] == "indicator" and d["artifact"] == NAME]
    assert [h["value"] for h in hits] == [EXPLOIT]
    assert hits[0]["severity"] in ("high", "critical")  # the pipeline's policy for a domain
    assert hits[0]["indicator"]["malware"] == ["Pegasus"]
    assert hits[0]["ts"] == T0.isoformat()
    assert result.exit_code == 1
