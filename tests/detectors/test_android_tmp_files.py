from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracehound.core.records import Provenance
from tracehound.core.registry import Finding, Severity
from tracehound.detectors.android_tmp_files import TmpFiles, is_executable
from tracehound.parsers.android.files import DeviceFile

T0 = datetime(2024, 3, 9, 22, 15, 7, tzinfo=UTC)
PROV = Provenance(source="androidqf", path="androidqf:files.json", sha256=None,
                  parser="android.files", parser_version="1")  # fmt: skip


def run(path: str, mode: str | None = "-rw-r--r--") -> list[Finding]:
    fields: dict[str, Any] = dict.fromkeys(
        ("size", "uid", "gid", "user", "group", "context", "accessed", "changed", "md5",
         "sha1", "sha256", "sha512", "mime_type", "error")
    )  # fmt: skip
    record = DeviceFile(ts=T0, path=path, mode=mode, **fields)
    return list(TmpFiles().feed(record, PROV))


def test_file_in_tmp_is_high() -> None:
    findings = run("/data/local/tmp/payload", "-rwxr-x--x")
    assert [(f.severity, f.value, f.ts) for f in findings] == [
        (Severity.HIGH, "/data/local/tmp/payload", T0)
    ]
    assert findings[0].message.startswith("Executable file /data/local/tmp/payload")
    plain = run("/data/local/tmp/notes.txt")
    assert plain[0].message.startswith("File /data/local/tmp/notes.txt")


def test_collector_and_other_folders_are_quiet() -> None:
    assert run("/data/local/tmp/collector", "-rwxrwxrwx") == []
    assert run("/data/local/tmpfoo/x") == [] and run("/system/bin/sh", "-rwxr-xr-x") == []


def test_is_executable() -> None:
    assert is_executable("-rwxr-xr-x") and is_executable("755") and is_executable("4750")
    assert is_executable("urwsr-xr-x") and is_executable("-rw-r--r-t")
    assert not is_executable("-rw-r--r--") and not is_executable("644")
    assert not is_executable(None) and not is_executable("")
