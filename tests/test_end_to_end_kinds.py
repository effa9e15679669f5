"""The same infected iPhone as an encrypted backup and as filesystem dumps (folder, tar, zip)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.test_end_to_end import CLEAN, EXPECTED, key
from tracehound.demo import generate
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources.base import SourceOptions

#: A dump has no Manifest.db: the staged file and roleaccountd.plist are found by the file
#: walk instead. It also keeps what backups leave out: shutdown.log and WebKit website data.
DUMP_ONLY = Counter(
    {
        ("indicator", "ios.filesystem", "critical", "mptbd"): 2,  # the folder and the binary
        ("indicator", "ios.shutdown_log", "critical", "mptbd"): 2,  # client path and process
        ("heuristic", "ios.shutdown_log", "high", "shutdown_suspicious_path"): 1,
        ("indicator", "ios.webkit_indexeddb", "high", "free247downloads.com"): 1,
    }
)


def _expected_for_dump() -> Counter[tuple[str, str, str, str]]:
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for (kind, artifact, severity, value), count in EXPECTED.items():
        artifact = "ios.filesystem" if artifact == "ios.manifest" else artifact
        expected[(kind, artifact, severity, value)] += count
    return expected + DUMP_ONLY


def _run(path: Path, out: Path, password: str | None = None) -> Any:
    options = CheckOptions(target=path, output=out, source=SourceOptions(password=password))
    result = run_check(options)
    run = json.loads((out / "run.json").read_text())
    assert run["evidence_check"]["unchanged"] and not run["acquisition"]["errors"]
    return result


@pytest.mark.parametrize("kind", ["ffs", "ffs-tar", "ffs-zip"])
def test_filesystem_dumps_find_the_same_traces(kind: str, tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", kind)
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == _expected_for_dump()
    assert result.run["acquisition"]["kind"] == "ios_fs"
    assert result.run["acquisition"]["os_version"] == "14.6"
    arts = result.run["artifacts"]
    assert arts["ios.applications_fs"]["records"] == 10
    assert arts["ios.manifest"]["status"] == "not_present"
    assert all(a["status"] in ("ran", "not_present") for a in arts.values())


def test_encrypted_backup_finds_exactly_the_same(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "encrypted")
    result = _run(path, tmp_path / "out", password=generate.DEMO_PASSWORD)
    assert result.exit_code == 1
    assert Counter(key(d) for d in result.detections) == EXPECTED
    assert result.run["acquisition"]["encrypted"] is True
    # Every decrypted input names the encrypted file it came from, with that file's hash.
    files = [i for i in result.run["inputs"] if not i["device_path"].startswith("backup:")]
    assert files and all(len(i.get("origin_sha256") or "") == 64 for i in files)


def test_clean_dump_exit_0(tmp_path: Path) -> None:
    path = generate.write_demo(tmp_path / "in", "ffs-zip", infected=False)
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 0
    assert Counter(key(d) for d in result.detections) == CLEAN


def test_dump_of_private_var_as_filesystem2_finds_the_same(tmp_path: Path) -> None:
    """A Cellebrite-style dump of the data partition alone (``filesystem2/mobile/...``)."""
    path = generate.write_demo(tmp_path / "in", "ffs-var")
    assert sorted(p.name for p in path.iterdir()) == ["filesystem2"]
    result = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    # No system volume, so no SystemVersion.plist and no journal: the version is unknown and
    # never called outdated.
    unknown = Counter({("heuristic", "ios.system_version", "low", "ios_version_outdated"): 1})
    assert Counter(key(d) for d in result.detections) == _expected_for_dump() - unknown
    acquisition = result.run["acquisition"]
    assert acquisition["kind"] == "ios_fs"
    assert acquisition["os_version"] is None  # SystemVersion.plist is on the system volume
