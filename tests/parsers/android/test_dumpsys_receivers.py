from __future__ import annotations

from pathlib import Path

from tracehound.demo.android.dumpsys import packages_section, render_dumpstate, render_dumpsys

NAME = "android.dumpsys_receivers"
SMS = "android.provider.Telephony.SMS_RECEIVED"
CALL = "android.intent.action.NEW_OUTGOING_CALL"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def test_androidqf_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = packages_section(
        [],
        activities={SMS: ["com.wrong.table/.NotAReceiver"]},
        receivers={
            SMS: ["com.spy.monitor/com.spy.monitor.SmsRx", "com.android.messaging/.SmsReceiver"],
            CALL: ["com.spy.monitor/.CallRx"],
            "android.intent.action.BOOT_COMPLETED": ["com.spy.monitor/.Boot"],
        },
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"package": section})))
    assert ctx.warnings == 0
    got = [(r.intent, r.package, r.receiver, r.ts) for r in records]
    assert got == [
        (SMS, "com.spy.monitor", "com.spy.monitor/.SmsRx", None),
        (SMS, "com.android.messaging", "com.android.messaging/.SmsReceiver", None),
        (CALL, "com.spy.monitor", "com.spy.monitor/.CallRx", None),
    ]


# Layout of MVT's androidqf fixture (Samsung): entries without " filter <hash>".
SAMSUNG = """Receiver Resolver Table:
  Non-Data Actions:
      com.android.storagemanager.automatic.SHOW_NOTIFICATION:
        23fa699 com.android.storagemanager/.automatic.NotificationController
      android.intent.action.PHONE_STATE:
        85c0aa6 com.example.social/com.example.social.CallReceiver
        ba10b0b com.sec.hearingadjust/.Receiver
      android.intent.action.NEW_OUTGOING_CALL:
        2906244 com.google.android.gms/.chimera.GmsIntentOperationService$PersistentTrustedReceiver
        !!!
  MIME Typed Actions:
      android.provider.Telephony.SMS_RECEIVED:
        1a2b3c4 com.spy.monitor/.MimeSms

Active APEX packages:
"""


def test_dumpstate_samsung_layout(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = render_dumpstate({"package": SAMSUNG}, {})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt")
    got = [(r.intent.rsplit(".", 1)[-1], r.package) for r in records]
    assert got == [
        ("PHONE_STATE", "com.example.social"),
        ("PHONE_STATE", "com.sec.hearingadjust"),
        ("NEW_OUTGOING_CALL", "com.google.android.gms"),
        ("SMS_RECEIVED", "com.spy.monitor"),
    ]
    assert records[2].receiver.endswith("$PersistentTrustedReceiver")
    assert ctx.warnings == 1  # "!!!"
