from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from tracehound.demo.android.dumpsys import (
    AdbKeySpec,
    adb_key,
    adb_section,
    render_dumpstate,
    render_dumpsys,
)

NAME = "android.dumpsys_adb"
KEY1, KEY2 = adb_key(1), adb_key(2)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "dumpsys.txt"
    path.write_bytes(data)
    return path


def md5_print(key: str) -> str:
    digest = hashlib.md5(base64.b64decode(key), usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_androidqf_xml_keystore(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    assert KEY1.startswith("QAAAA") and len(base64.b64decode(KEY1)) == 524
    section = adb_section(
        [
            AdbKeySpec(KEY1, "alice@laptop", last_connection_ms=1709649000123),
            AdbKeySpec(KEY2, "bob@desk", in_keystore=False),
        ]
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"adb": section})))
    assert ctx.warnings == 0
    got = [(r.user, r.key, r.fingerprint, r.source, r.ts) for r in records]
    assert got == [
        ("alice@laptop", KEY1, md5_print(KEY1), "user_keys",
         datetime(2024, 3, 5, 14, 30, 0, 123000, tzinfo=UTC)),
        ("bob@desk", KEY2, md5_print(KEY2), "user_keys", None),
    ]  # fmt: skip


def test_dumpstate_binary_keystore(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    section = adb_section([AdbKeySpec(KEY1, "alice@laptop", 1709649000123)], binary_keystore=True)
    body = section.replace(f"user_keys={KEY1} alice@laptop", "user_keys=")
    assert "ABX\x00" in body
    data = render_dumpstate({"adb": body}, {})
    records, ctx = parse(NAME, write(tmp_path, data), "bugreport:dumpstate.txt")
    assert ctx.warnings == 0
    assert [(r.user, r.key, r.source, r.ts) for r in records] == [
        ("alice@laptop", KEY1, "keystore", None)
    ]


def test_broken_keys(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    body = (
        "ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n"
        "    user_keys=QAAAA!!notbase64 eve@x\n    not a key at all\n\n"
        '    keystore=<keyStore><adbKey key="QUJD eve@y" lastConnection="soon" /></keyStore>\n'
        "  }\n}\n"
    )
    records, ctx = parse(NAME, write(tmp_path, render_dumpsys({"adb": body})))
    assert [(r.key, r.fingerprint) for r in records] == [("QUJD", md5_print("QUJD"))]
    assert ctx.warnings == 3  # two bad key lines, invalid lastConnection
    garbled = render_dumpsys({"adb": "\x00\x00junk\n"})
    records, ctx = parse(NAME, write(tmp_path, garbled))
    assert records == [] and ctx.warnings == 1
