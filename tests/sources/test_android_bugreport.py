"""Android bugreports: zip and folder, main_entry.txt and the fallback names, facts, listing."""

from __future__ import annotations

import struct
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError
from tracehound.demo.android import containers as c
from tracehound.demo.generate import write_demo
from tracehound.sources.android_bugreport import DUMPSTATE, Bugreport, open_bugreport
from tracehound.sources.base import SourceOptions
from tracehound.sources.detect import open_source

TOMBSTONE = "FS/data/tombstones/tombstone_00"
NAME = "bugreport-panther-AP1A.240405.002-2024-05-06-11-38-02"
TEXT = c.render_dumpstate(sections={"package": "Packages:\n  Package [com.example] (1a2b):\n"})


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "_tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def make_zip(tmp: Path, **kwargs: object) -> Path:
    return c.write_bugreport_zip(tmp / "bugreport.zip", TEXT, {TOMBSTONE: b"*** tomb ***\n"},
                                 **kwargs)  # type: ignore[arg-type]  # fmt: skip


def unzip(archive: Path, folder: Path) -> Path:
    with zipfile.ZipFile(archive) as handle:
        handle.extractall(folder)
    return folder


def test_zip_exposes_members_and_dumpstate(tmp_path: Path, private_tmp: Path) -> None:
    archive = make_zip(tmp_path)
    src = open_source(archive)
    assert isinstance(src, Bugreport)
    facts = src.facts()
    assert facts["kind"] == "bugreport" and facts["platform"] == "android"
    assert facts["container"] == "zip" and facts["dumpstate_file"] == f"{NAME}.txt"
    assert facts["bugreport_date_local"] == "2024-05-06 11:38:02"
    assert facts["bugreport_date"] == "2024-05-06T09:38:02+00:00"  # Europe/Rome, summer time
    assert facts["build_fingerprint"] == c.DEMO_PROPS["ro.build.fingerprint"]
    assert facts["device_model"] == "Pixel 7" and facts["security_patch"] == "2024-04-05"
    assert (facts["timezone"], facts["timezone_source"]) == ("Europe/Rome", "getprop")
    assert facts["bugreport_format_version"] == "2.0"
    found = src.find([DUMPSTATE, "bugreport:FS/**", f"bugreport:{NAME}.txt", "androidqf:x"])
    assert found == {
        DUMPSTATE: [DUMPSTATE],
        "bugreport:FS/**": [f"bugreport:{TOMBSTONE}"],
        f"bugreport:{NAME}.txt": [f"bugreport:{NAME}.txt"],
        "androidqf:x": [],
    }
    assert src.local(DUMPSTATE).read_text() == TEXT
    assert src.local(DUMPSTATE).is_relative_to(private_tmp)
    assert src.local(f"bugreport:{TOMBSTONE}").read_bytes() == b"*** tomb ***\n"
    assert src.origin(DUMPSTATE) == archive
    assert src.describe(DUMPSTATE) == f"bugreport.zip:{NAME}.txt"
    src.close()
    assert list(private_tmp.iterdir()) == []


def test_entries_have_device_local_zip_times(tmp_path: Path) -> None:
    src = open_source(make_zip(tmp_path))
    listing = {e.path: e for e in src.entries()}
    tomb = listing[f"bugreport:{TOMBSTONE}"]
    assert tomb.modified == datetime(2024, 5, 6, 9, 38, 2, tzinfo=UTC) and tomb.size == 13
    assert listing["bugreport:FS/data/tombstones"].is_dir
    src.close()
    src = open_source(make_zip(tmp_path), SourceOptions(timezone="UTC"))
    tomb = {e.path: e for e in src.entries()}[f"bugreport:{TOMBSTONE}"]
    assert tomb.modified == datetime(2024, 5, 6, 11, 38, 2, tzinfo=UTC)
    assert src.facts()["timezone_source"] == "option"
    src.close()


def test_no_timezone_property(tmp_path: Path) -> None:
    props = {k: v for k, v in c.DEMO_PROPS.items() if k != "persist.sys.timezone"}
    c.write_bugreport_zip(tmp_path / "b.zip", c.render_dumpstate(props=props), {})
    src = open_source(tmp_path / "b.zip")
    assert src.facts()["timezone"] is None
    assert src.facts()["bugreport_date"] == "2024-05-06T11:38:02+00:00"  # taken as UTC
    src.close()


def test_folder_form(tmp_path: Path) -> None:
    folder = unzip(make_zip(tmp_path), tmp_path / "unpacked")
    before = sorted(p.name for p in folder.rglob("*"))
    src = open_source(folder)
    assert isinstance(src, Bugreport) and src.facts()["container"] == "folder"
    assert src.local(DUMPSTATE) == folder / f"{NAME}.txt"
    assert src.origin(DUMPSTATE) is None
    assert [n for n, _ in src.own_inputs()] == [
        "bugreport:main_entry.txt", "bugreport:version.txt", DUMPSTATE,
    ]  # fmt: skip
    src.close()
    assert sorted(p.name for p in folder.rglob("*")) == before


@pytest.mark.parametrize(
    ("name", "others"),
    [
        ("dumpState_G998B_20240506.log", ["bugreport-old.txt"]),
        ("bugreport-panther-2024.txt", ["dumpstate_board.txt"]),
        ("dumpstate-2024-05-06.txt", []),  # the writer adds dumpstate_log.txt, never chosen
    ],
)
def test_fallback_names(tmp_path: Path, name: str, others: list[str]) -> None:
    extra = dict.fromkeys(others, b"not the dumpstate\n")
    extra[name] = TEXT.encode()
    c.write_bugreport_zip(tmp_path / "b.zip", "", {}, name="ignored", main_entry=False,
                          extra=extra)  # fmt: skip
    # drop the default text member so that only the fallbacks can name the dumpstate
    with (
        zipfile.ZipFile(tmp_path / "b.zip") as old,
        zipfile.ZipFile(tmp_path / "c.zip", "w") as new,
    ):
        for info in old.infolist():
            if info.filename != "ignored.txt":
                new.writestr(info, old.read(info))
    src = open_source(tmp_path / "c.zip")
    assert isinstance(src, Bugreport) and src.facts()["dumpstate_file"] == name
    assert src.local(DUMPSTATE).read_text() == TEXT
    src.close()


def test_main_entry_naming_a_missing_file_falls_back(tmp_path: Path) -> None:
    make_zip(tmp_path, extra={"main_entry.txt": b"gone.txt"}, main_entry=False)
    src = open_source(tmp_path / "bugreport.zip")
    assert src.facts()["dumpstate_file"] == f"{NAME}.txt"
    src.close()


def test_zip_without_dumpstate_is_not_a_bugreport(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as archive:
        archive.writestr("bugreport-notes.txt", "no header here")
        archive.writestr("readme.md", "hi")
    assert open_bugreport(tmp_path / "x.zip", SourceOptions()) is None
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("x")
    assert open_bugreport(tmp_path / "d", SourceOptions()) is None


def test_main_entry_without_dumpstate_is_an_error(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as archive:
        archive.writestr("main_entry.txt", "bugreport-x.txt")
        archive.writestr("version.txt", "2.0")
    src = open_source(tmp_path / "x.zip")
    assert isinstance(src, Bugreport)
    assert src.find([DUMPSTATE]) == {DUMPSTATE: []}
    assert src.errors and "no dumpstate text found" in src.errors[0]
    src.close()


def test_traversal_member_ignored(tmp_path: Path) -> None:
    make_zip(tmp_path, extra={"../../escape.txt": b"x", "FS/../../up.txt": b"y"})
    src = open_source(tmp_path / "bugreport.zip")
    paths = {e.path for e in src.entries()}
    assert not any("escape" in p or "up.txt" in p for p in paths)
    assert len(src.errors) == 2
    src.close()


def test_dumpstate_with_bad_crc_opens_and_reads(tmp_path: Path) -> None:
    """Found by tests/fuzz: a dumpstate member whose CRC-32 does not match raised
    zipfile.BadZipFile out of ``facts`` (its header and properties are read first)."""
    path = write_demo(tmp_path / "in", "bugreport")
    data = bytearray(path.read_bytes())
    name = b"bugreport-panther-AP1A.240405.002-2024-05-06-11-38-02.txt"
    entry = data.index(b"PK\x01\x02")  # central directory entry of the dumpstate text
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    (crc,) = struct.unpack_from("<I", data, entry + 16)
    struct.pack_into("<I", data, entry + 16, crc ^ 1)
    path.write_bytes(bytes(data))
    source = open_source(path)
    try:
        assert source.kind == "bugreport"
        facts = source.facts()
        assert facts["kind"] == "bugreport"
        for paths in source.find(["bugreport:*"]).values():
            for device_path in paths:
                try:
                    source.local(device_path)
                except InputError as exc:
                    assert "damaged" in str(exc)  # the member is named
    finally:
        source.close()
