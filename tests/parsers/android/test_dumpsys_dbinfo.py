from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    DbOpSpec,
    dbinfo_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_dbinfo"
ROME = {"timezone": "Europe/Rome"}
DB = "/data/user/0/com.spy.monitor/databases/exfil.db"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = dbinfo_section(
        [
            DbOpSpec(5748, "com.spy.monitor", DB, datetime(2024, 3, 5, 12, 0, 0, 458000),
                     action="executeForLastInsertedRowId",
                     sql='INSERT INTO sms(body, "to") VALUES(?, ?)'),
            DbOpSpec(5748, "com.spy.monitor", DB, datetime(2024, 3, 5, 11, 59, 0)),
            DbOpSpec(812, "com.sec.android.inputmethod",
                     "/data/user/0/com.sec.android.inputmethod/databases/StickerRecentList",
                     datetime(2023, 7, 27, 12, 21, 44, 458000), samsung=True),
        ]
    )  # fmt: skip
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"dbinfo": section})), device=ROME)
    assert ctx.warnings == 0
    first, second, samsung = records
    assert first.ts == datetime(2024, 3, 5, 11, 0, 0, 458000, tzinfo=UTC)
    assert first.action == "executeForLastInsertedRowId" and first.status == "succeeded"
    assert first.sql == 'INSERT INTO sms(body, "to") VALUES(?, ?)'
    assert first.path == DB and first.process == "com.spy.monitor" and first.pid == 5748
    assert first.path_components == ("com.spy.monitor", "exfil.db")
    assert second.ts == datetime(2024, 3, 5, 10, 59, tzinfo=UTC)
    assert second.sql == "PRAGMA database_list;"
    assert samsung.pid == 0 and samsung.action == "executeForCursorWindow"
    assert samsung.path_components == ("com.sec.android.inputmethod",)
    assert samsung.ts == datetime(2023, 7, 27, 10, 21, 44, 458000, tzinfo=UTC)


MAIL = "/data/user/0/com.example.mail/databases/mail.db"
DUMPSTATE_BODY = (
    "Applications Database Info:\n\n"
    "** Database info for pid 2001 [com.example.mail] **\n\n"
    f"Connection pool for {MAIL}:\n"
    "  Available primary connection:\n"
    "    Connection #0:\n"
    "      Most recently executed operations:\n"
    "        0: [2024-01-02 03:04:05.006] execute took 2ms - failed, "
    f'sql="DELETE FROM m", path={MAIL}, exception="disk I/O error"\n'
    "        1: [2024-13-02 03:04:05.006] prepare took 0ms - succeeded, "
    f'sql="SELECT 1", path={MAIL}\n'
    "        2: [2024-01-02 03:04:04.000] executeForChangedRowCount started 5ms ago - running, "
    'sql="UPDATE m SET r=1"\n'
    "  Available non-primary connections:\n"
    "    <none>\n"
)


def test_dumpstate_layout_and_bad_time(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"dbinfo": DUMPSTATE_BODY}, {})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt", ROME)
    assert ctx.warnings == 1  # month 13
    got = [(r.action, r.status, r.sql, r.path, r.ts) for r in records]
    mail = MAIL
    assert got == [
        ("execute", "failed", "DELETE FROM m", mail, datetime(2024, 1, 2, 2, 4, 5, 6000, UTC)),
        ("prepare", "succeeded", "SELECT 1", mail, None),
        ("executeForChangedRowCount", "running", None, mail,
         datetime(2024, 1, 2, 2, 4, 4, tzinfo=UTC)),
    ]  # fmt: skip
    assert records[0].pid == 2001 and records[0].process == "com.example.mail"


def test_garbled_section(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpsys({"dbinfo": "Exception: java.lang.SecurityException\n"})
    records, ctx = parse(NAME, write(tmp_path, data), device=ROME)
    assert records == [] and ctx.warnings == 1
