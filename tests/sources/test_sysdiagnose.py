"""The sysdiagnose and crash-log folder sources: layout recognition, facts, the shared guard."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.demo.sysdiagnose import FOLDER, write_demo_sysdiagnose
from tracehound.sources import archive as guard
from tracehound.sources.crashlogs import CrashLogFolder
from tracehound.sources.detect import open_source
from tracehound.sources.sysdiagnose import Sysdiagnose, TarTree, name_time

PS = "sysdiagnose:ps.txt"
SHUTDOWN = "sysdiagnose:system_logs.logarchive/Extra/shutdown.log"


def _member(tf: tarfile.TarFile, name: str, data: bytes = b"x", kind: bytes = b"0") -> None:
    info = tarfile.TarInfo(name)
    info.size, info.type = len(data), kind
    if kind != tarfile.REGTYPE:  # links and devices carry no data
        info.size, info.linkname = 0, "/etc/passwd"
    tf.addfile(info, io.BytesIO(data) if info.size else None)


def _hostile(path: Path) -> Path:
    top = FOLDER
    with tarfile.open(path, "w:gz") as tf:
        _member(tf, f"{top}/sysdiagnose.log", b"log\n")
        _member(tf, f"{top}/ps.txt", b"USER PID COMMAND\nroot 1 /sbin/launchd\n")
        _member(tf, f"{top}/logs/x.txt")
        _member(tf, "../../outside.txt")
        _member(tf, f"{top}/ps_thread.txt", kind=tarfile.SYMTYPE)
        _member(tf, f"{top}/dev0", kind=tarfile.CHRTYPE)
    return path


@pytest.mark.parametrize("kind", ["sysdiagnose", "sysdiagnose-folder"])
def test_archive_and_folder_give_the_same_view(kind: str, tmp_path: Path) -> None:
    path = write_demo_sysdiagnose(tmp_path, kind)
    src = open_source(path)
    try:
        assert isinstance(src, Sysdiagnose)
        facts = src.facts()
        assert (facts["os_version"], facts["os_build"]) == ("14.6", "18F72")
        assert facts["sysdiagnose_time"] == "2021-07-20T08:00:00+00:00"
        found = src.find([PS, "sysdiagnose:crashes_and_spins/**.ips", SHUTDOWN])
        assert found[PS] == [PS] and found[SHUTDOWN] == [SHUTDOWN]
        assert len(found["sysdiagnose:crashes_and_spins/**.ips"]) == 3
        assert src.local(PS).read_text().startswith("USER ")
        assert src.describe(PS).endswith(f"{FOLDER}/ps.txt" if kind == "sysdiagnose" else "ps.txt")
    finally:
        src.close()


def test_recognised_by_layout_not_by_name(tmp_path: Path) -> None:
    path = write_demo_sysdiagnose(tmp_path, "sysdiagnose")
    renamed = path.rename(tmp_path / "evidence-17.bin")
    src = open_source(renamed)
    try:
        assert isinstance(src, Sysdiagnose)
    finally:
        src.close()
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tf:
        _member(tf, "sysdiagnose_x/notes.txt")
    with pytest.raises(NotAnAcquisition):
        open_source(other)


def test_hostile_members_are_refused_and_named(tmp_path: Path) -> None:
    src = open_source(_hostile(tmp_path / "sd.tar.gz"))
    try:
        assert isinstance(src, Sysdiagnose)
        paths = {e.path for e in src.entries()}
        assert not any("outside" in p or "ps_thread" in p or "dev0" in p for p in paths)
        joined = "\n".join(src.errors)
        assert "outside.txt" in joined and "ps_thread.txt" in joined and "dev0" in joined
        assert src.local(PS).read_bytes().startswith(b"USER")
        assert not (tmp_path / "outside.txt").exists()
    finally:
        src.close()


def test_oversized_member_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = open_source(write_demo_sysdiagnose(tmp_path, "sysdiagnose"))
    try:
        monkeypatch.setattr(guard.LIMITS, "member_bytes", 8)
        with pytest.raises(InputError, match=r"ps\.txt' is \d+ bytes, over the 8 byte limit"):
            src.local(PS)
    finally:
        src.close()


def test_cut_archive_sets_index_damage(tmp_path: Path) -> None:
    path = write_demo_sysdiagnose(tmp_path / "in", "sysdiagnose")
    data = path.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    src = open_source(cut)
    try:
        assert isinstance(src, Sysdiagnose)
        assert src.index_damage is not None and "damaged" in src.index_damage
    finally:
        src.close()


def test_folder_is_read_in_place_and_never_written(tmp_path: Path) -> None:
    root = write_demo_sysdiagnose(tmp_path, "sysdiagnose-folder")
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    src = open_source(root)
    try:
        assert src.local(PS) == root / "ps.txt"
    finally:
        src.close()
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def test_crash_log_folder_recognised_by_content(tmp_path: Path) -> None:
    folder = write_demo_sysdiagnose(tmp_path / "a", "crashlogs")
    src = open_source(folder)
    try:
        assert isinstance(src, CrashLogFolder)
        found = src.find(["crashlogs:**.ips"])["crashlogs:**.ips"]
        assert found == [
            "crashlogs:ctcd-2021-07-13-091500.ips",
            "crashlogs:mediaserverd-2021-07-03-091500.ips",
            "crashlogs:mptbd-2021-07-12-091500.ips",
        ]
    finally:
        src.close()
    (folder / "notes.txt").write_text("not a report")
    with pytest.raises(NotAnAcquisition):
        open_source(folder)


def test_name_time() -> None:
    taken = name_time("sysdiagnose_2023.05.24_13-29-15-0700_iPhone-OS_iPhone_20F66")
    assert taken is not None and taken.isoformat() == "2023-05-24T13:29:15-07:00"
    assert name_time("sysdiagnose_2023.13.40_99-00-00-0700") is None
    assert name_time("random") is None


def test_unread_unified_log_and_ios26_shutdown_are_noted(tmp_path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    root = write_demo_sysdiagnose(tmp_path, "sysdiagnose-folder")
    extra = root / "system_logs.logarchive" / "Extra"
    (extra / "shutdown.log").rename(extra / "shutdown.0.log")
    (root / "system_logs.logarchive" / "Persist").mkdir()
    (root / "system_logs.logarchive" / "Persist" / "0000000000000001.tracev3").write_bytes(b"\0")
    src = open_source(root)
    try:
        notes = src.facts()["coverage_notes"]
        assert len(notes) == 3
        assert notes[0].startswith("system_logs.logarchive/: 1 unified log files not read")
        assert "1 unified log (binary tracev3)" in notes[1]  # the text sweep's note
        assert "only the shutdowns since the last reboot" in notes[2]
        found = src.find(["sysdiagnose:system_logs.logarchive/Extra/shutdown*.log"])
        (path,) = next(iter(found.values()))
        records, ctx = parse("ios.shutdown_log", src.local(path), path)
        assert ctx.warnings == 0 and {r.pid for r in records} == {118, 1812}
    finally:
        src.close()


def test_compressed_bomb_is_stopped_by_the_shared_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_demo_sysdiagnose(tmp_path, "sysdiagnose")
    monkeypatch.setattr(guard.LIMITS, "ratio", 1)
    monkeypatch.setattr(guard.LIMITS, "ratio_floor", 0)
    with pytest.raises(NotAnAcquisition, match=r"decompression bomb guard"):
        open_source(path)


def test_found_files_are_extracted_in_one_pass_and_fail_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = open_source(write_demo_sysdiagnose(tmp_path, "sysdiagnose"))
    assert isinstance(src, Sysdiagnose)
    try:
        ips = "sysdiagnose:crashes_and_spins/**.ips"
        found = src.find([PS, ips])
        tree = src.tree
        assert isinstance(tree, TarTree)
        limit = (tree.files["ps.txt"] or 0) - 1  # ps.txt is larger than the crash reports
        monkeypatch.setattr(guard.LIMITS, "member_bytes", limit)
        crash = found[ips][0]
        assert src.local(crash).read_bytes().startswith(b'{"bug_type"')
        assert set(tree._local) == {p.removeprefix("sysdiagnose:") for p in found[ips]}
        with pytest.raises(InputError, match=f"over the {limit} byte limit"):
            src.local(PS)
    finally:
        src.close()
