from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, SchemaMismatch
from tracehound.demo.android import packages

SPY_CERT = "F9181C6CF9AACB3AB1092F5338C3198A8D833431"


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "packages.json"
    path.write_bytes(data)
    return path


def test_good(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = packages.render(
        [
            packages.package("com.whatsapp", uid=10271, trusted=True),
            packages.package("com.apspy.app", installer="null", uid=10311, cert_sha1=SPY_CERT),
            packages.package(
                "com.android.updater", installer="null", system=True, disabled=True, uid=1000
            ),
        ]
    )
    assert data.startswith(b'[\n    {\n        "name": "com.whatsapp"') and not data.endswith(b"\n")
    records, ctx = parse("android.packages", _write(tmp_path, data))
    assert ctx.warnings == 0
    assert [r.name for r in records] == ["com.whatsapp", "com.apspy.app", "com.android.updater"]
    wa, spy, upd = records
    assert wa.installer == "com.android.vending" and wa.uid == 10271 and wa.row == 0
    assert wa.trusted_certificate is True and wa.system is False and wa.third_party is True
    assert wa.apk_paths[0].startswith("/data/app/~~") and wa.apk_paths[0].endswith("/base.apk")
    assert len(wa.apk_sha256[0]) == 64 and len(wa.cert_md5[0]) == 32
    assert wa.cert_valid_from == (datetime(2019, 3, 1, 10, 0, tzinfo=UTC),)
    assert wa.ts is None and wa.installed is None and wa.user_id is None
    assert spy.installer == "null" and spy.cert_sha1 == (SPY_CERT.lower(),)
    assert spy.cert_subjects == ("C=US, O=com.apspy.app, CN=com.apspy.app",)
    assert (
        upd.disabled is True
        and upd.system is True
        and upd.apk_paths == ("/system/app/Updater/Updater.apk",)
    )


def test_mvt_style_entry_and_split_apks(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    cert = {"Md5": "", "Sha1": "", "Sha256": "", "ValidFrom": "0001-01-01T00:00:00Z"}
    entry = {
        "name": "org.example.split",
        "files": [
            {"path": "/data/app/x/base.apk", "sha256": "AA" * 32, "certificate": cert,
             "trusted_certificate": False},
            {"path": "/data/app/x/split_config.arm64_v8a.apk", "sha256": "BB" * 32,
             "certificate": cert, "trusted_certificate": False},
        ],
        "installer": "",
        "uid": 10300,
        "user_id": 10,
        "installed": True,
    }  # fmt: skip
    records, ctx = parse("android.packages", _write(tmp_path, json.dumps([entry]).encode()))
    assert ctx.warnings == 0
    (rec,) = records
    assert rec.installer is None  # unknown (pm without -i), not "no installer"
    assert rec.apk_sha256 == ("AA" * 32, "BB" * 32) and rec.cert_sha1 == ()
    assert rec.cert_valid_from == () and rec.trusted_certificate is False
    assert rec.user_id == 10 and rec.installed is True and rec.disabled is None


def test_broken_entries_are_counted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    data = [
        "not an object",
        {"files": []},
        {"name": "com.ok", "uid": "ten", "installer": 5, "files": "nope"},
        {"name": "com.cert", "files": [7, {"certificate": {"ValidFrom": "yesterday"}}]},
    ]
    records, ctx = parse("android.packages", _write(tmp_path, json.dumps(data).encode()))
    assert [r.name for r in records] == ["com.ok", "com.cert"]
    assert records[0].uid is None and records[0].installer is None
    # entry, name, uid, installer, files, file entry, ValidFrom
    assert ctx.warnings == 7


def test_null_is_empty_and_object_is_schema_mismatch(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    records, ctx = parse("android.packages", _write(tmp_path, b"null"))
    assert records == [] and ctx.warnings == 0
    with pytest.raises(SchemaMismatch, match="not a list"):
        parse("android.packages", _write(tmp_path, b'"packages"'))


def test_corrupt_file(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="not JSON"):
        parse("android.packages", _write(tmp_path, b'[{"name": "com.x", '))
