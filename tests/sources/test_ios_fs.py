"""Full filesystem dumps: folder, tar, tar.gz and zip, every layout, and the guards."""

from __future__ import annotations

import gc
import io
import os
import shutil
import sqlite3
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.demo.ffs import FilesystemWriter, container_uuid, pack_tar, pack_zip
from tracehound.parsers.common.sqlite import open_readonly
from tracehound.sources import archive as guard
from tracehound.sources import ios_fs
from tracehound.sources.detect import open_source
from tracehound.sources.ios_fs import (
    FolderDump,
    Layout,
    LinkEscape,
    clean_name,
    detect_layout,
    open_folder,
)
from tracehound.sources.ios_fs_archive import ArchiveDump, open_archive

WHEN = datetime(2021, 7, 20, 8, 0, tzinfo=UTC)
T1 = datetime(2021, 7, 11, 18, 2, 11, tzinfo=UTC)
SMS = "/private/var/mobile/Library/SMS/sms.db"
USAGE = "/private/var/wireless/Library/Databases/DataUsage.sqlite"
CHROME = (
    "/private/var/mobile/Containers/Data/Application/*/Library/"
    "Application Support/Google/Chrome/Default/History"
)
CHROME_PATH = (
    f"/private/var/mobile/Containers/Data/Application/{container_uuid('AppDomain-com.google.chrome.ios')}"
    "/Library/Application Support/Google/Chrome/Default/History"
)
LOCKDOWN = {"ProductVersion": "14.6", "BuildVersion": "18F72", "ProductType": "iPhone12,1"}


def _wal_db(folder: Path) -> None:
    """sms.db whose rows exist only in its -wal (copied while the writer keeps it open)."""
    live = folder / "live"
    live.mkdir()
    conn = sqlite3.connect(live / "sms.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("INSERT INTO message (text) VALUES ('only in the wal')")
    conn.commit()
    target = folder / "dump/private/var/mobile/Library/SMS"
    shutil.copyfile(live / "sms.db", target / "sms.db")
    shutil.copyfile(live / "sms.db-wal", target / "sms.db-wal")
    conn.close()
    shutil.rmtree(live)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("ffs")
    writer = FilesystemWriter(base / "dump", WHEN)
    writer.add("HomeDomain", "Library/SMS/sms.db", b"placeholder", birth=T1)
    writer.add("WirelessDomain", "Library/Databases/DataUsage.sqlite", b"usage", birth=T1)
    writer.add(
        "AppDomain-com.google.chrome.ios",
        "Library/Application Support/Google/Chrome/Default/History",
        b"chrome",
        birth=T1,
    )
    writer.finish(LOCKDOWN)
    _wal_db(base)
    prefs = base / "dump/private/var/mobile/Library/Preferences"
    prefs.mkdir()
    # a link inside the dump, with an absolute (device) target, and a relative one
    os.symlink("/private/var/mobile/Library/SMS/sms.db", prefs / "abs-link.db")
    os.symlink("../SMS/sms.db", prefs / "rel-link.db")
    return base / "dump"


def _make(dump: Path, tmp: Path, fmt: str, prefix: str, top: str = "/") -> Path:
    if fmt == "folder":
        if not prefix and top == "/":
            return dump
        target = tmp / "copy"
        src = dump / "private" if top == "/private" else dump
        shutil.copytree(src, target / prefix if prefix else target, symlinks=True)
        return target
    if fmt == "zip":
        return pack_zip(dump, tmp / "dump.zip", prefix=prefix, top=top)
    return pack_tar(dump, tmp / f"dump.{fmt}", gz=fmt == "tar.gz", prefix=prefix, top=top)


@pytest.fixture
def opened() -> Iterator[list[ios_fs.FilesystemDump]]:
    sources: list[ios_fs.FilesystemDump] = []
    yield sources
    for source in sources:
        source.close()


FORMATS = ["folder", "tar", "tar.gz", "zip"]
PREFIXES = ["", "filesystem", "filesystem1"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_and_prefix(
    dump: Path, tmp_path: Path, fmt: str, prefix: str, opened: list[ios_fs.FilesystemDump]
) -> None:
    src = open_source(_make(dump, tmp_path, fmt, prefix))
    assert isinstance(src, ios_fs.FilesystemDump)
    opened.append(src)
    assert src.kind == "ios_fs" and src.platform == "ios"
    found = src.find([SMS, CHROME, "/private/var/mobile/Library/Nope.db", "backup:Info.plist"])
    assert found[SMS] == [SMS]
    assert found[CHROME] == [CHROME_PATH]
    assert found["/private/var/mobile/Library/Nope.db"] == []
    assert found["backup:Info.plist"] == []
    assert src.local(CHROME_PATH).read_bytes() == b"chrome"
    facts = src.facts()
    assert facts["os_version"] == "14.6" and facts["os_build"] == "18F72"
    assert facts["product_type"] is None
    assert facts["dump_format"] == fmt
    assert facts["dump_prefix"] == (prefix + "/" if prefix else "")
    assert facts["dump_top"] == "/"
    assert src.errors == []
    if fmt == "folder":
        assert src.origin(SMS) is None
        assert src.describe(SMS) == f"{prefix}/private/var/mobile/Library/SMS/sms.db".lstrip("/")
    else:
        assert src.origin(SMS) == src.root
        assert src.describe(SMS).endswith(":" + (prefix + "/" if prefix else "") + SMS[1:])


@pytest.mark.parametrize("fmt", FORMATS)
def test_entries_are_the_same_in_every_format(
    dump: Path, tmp_path: Path, fmt: str, opened: list[ios_fs.FilesystemDump]
) -> None:
    reference = {e.path: e for e in FolderDump(dump, Layout("", "")).entries()}
    src = open_source(_make(dump, tmp_path, fmt, "filesystem1"))
    assert isinstance(src, ios_fs.FilesystemDump)
    opened.append(src)
    entries = {e.path: e for e in src.entries()}
    assert entries.keys() == reference.keys()
    sms = entries[SMS]
    assert not sms.is_dir and sms.size == (dump / SMS[1:]).stat().st_size
    assert sms.mode is not None and stat.S_ISREG(sms.mode)
    assert entries[CHROME_PATH].modified == T1
    assert entries["/private/var/mobile/Library/SMS"].is_dir
    assert entries["/private/var/mobile/Library/SMS"].size is None
    link = entries["/private/var/mobile/Library/Preferences/abs-link.db"]
    assert link.mode is not None and stat.S_ISLNK(link.mode) and not link.is_dir
    for path, entry in entries.items():  # times agree to the second (tar and zip keep seconds)
        assert entry.modified is not None and entry.modified.tzinfo is UTC
        ref = reference[path].modified
        assert ref is not None and abs((entry.modified - ref).total_seconds()) < 1, path


@pytest.mark.parametrize("fmt", FORMATS)
def test_dump_of_private_maps_var_to_private_var(
    dump: Path, tmp_path: Path, fmt: str, opened: list[ios_fs.FilesystemDump]
) -> None:
    src = open_source(_make(dump, tmp_path, fmt, "", top="/private"))
    assert isinstance(src, ios_fs.FilesystemDump)
    opened.append(src)
    assert src.find([SMS])[SMS] == [SMS]
    assert src.facts()["dump_top"] == "/private"
    assert src.facts()["os_version"] is None  # /System is not in a dump of /private
    assert src.facts()["system_version_plist"] == "absent"
    assert all(e.path.startswith("/private/var") for e in src.entries())


@pytest.mark.parametrize("fmt", FORMATS)
def test_sqlite_member_read_with_its_wal(
    dump: Path, tmp_path: Path, fmt: str, opened: list[ios_fs.FilesystemDump]
) -> None:
    src = open_source(_make(dump, tmp_path, fmt, ""))
    assert isinstance(src, ios_fs.FilesystemDump)
    opened.append(src)
    local = src.local(SMS)
    assert local.with_name("sms.db-wal").is_file()
    with open_readonly(local) as conn:
        assert conn.execute("SELECT text FROM message").fetchall() == [("only in the wal",)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_links_inside_the_dump_are_followed(
    dump: Path, tmp_path: Path, fmt: str, opened: list[ios_fs.FilesystemDump]
) -> None:
    src = open_source(_make(dump, tmp_path, fmt, ""))
    assert isinstance(src, ios_fs.FilesystemDump)
    opened.append(src)
    pattern = "/private/var/mobile/Library/Preferences/*.db"
    found = src.find([pattern])[pattern]
    assert found == [
        "/private/var/mobile/Library/Preferences/abs-link.db",
        "/private/var/mobile/Library/Preferences/rel-link.db",
    ]
    sms = src.local(SMS).read_bytes()
    assert all(src.local(p).read_bytes() == sms for p in found)


def test_archive_extracts_in_a_private_folder_removed_on_close(dump: Path, tmp_path: Path) -> None:
    src = open_source(_make(dump, tmp_path, "tar.gz", ""))
    assert isinstance(src, ArchiveDump)
    tmp = src.tmp
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o700
    src.find([SMS, CHROME])
    local = src.local(SMS)
    assert tmp in local.parents and local.parent != tmp
    assert stat.S_IMODE(local.parent.stat().st_mode) == 0o700
    # one pass extracted every found file (and the facts file) at the first local()
    assert CHROME_PATH in src._local and ios_fs.SYSTEM_VERSION in src._local
    src.close()
    assert not tmp.exists()


def test_temporary_folder_removed_when_garbage_collected(dump: Path, tmp_path: Path) -> None:
    src = open_source(_make(dump, tmp_path, "zip", ""))
    assert isinstance(src, ArchiveDump)
    tmp = src.tmp
    src.local(SMS)
    src.conn.close()
    del src
    gc.collect()
    assert not tmp.exists()


def test_folder_dump_is_read_in_place_and_never_written(dump: Path) -> None:
    before = {p: p.lstat().st_mtime_ns for p in dump.rglob("*")}
    src = open_source(dump)
    assert isinstance(src, FolderDump)
    assert src.local(SMS) == dump / SMS[1:]
    list(src.entries())
    src.find([SMS])
    src.facts()
    src.close()
    assert {p: p.lstat().st_mtime_ns for p in dump.rglob("*")} == before
    assert src.own_inputs() == [(ios_fs.SYSTEM_VERSION, dump / ios_fs.SYSTEM_VERSION[1:])]


# -- not a dump ------------------------------------------------------------------------------


def test_unrelated_folder_and_archives_are_not_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    (folder / "var/log").mkdir(parents=True)
    (folder / "var/log/x.txt").write_text("x")
    assert open_folder(folder, ios_fs.SourceOptions()) is None
    with pytest.raises(NotAnAcquisition, match="not an acquisition tracehound knows"):
        open_source(folder)
    tar = pack_tar(folder, tmp_path / "other.tar")
    zipped = pack_zip(folder, tmp_path / "other.zip")
    text = tmp_path / "notes.tar"
    text.write_text("hello")
    for path in (tar, zipped, text):
        assert open_archive(path, ios_fs.SourceOptions()) is None
        with pytest.raises(NotAnAcquisition, match="not an acquisition tracehound knows"):
            open_source(path)


def test_marker_folders_must_not_be_links(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere/var/mobile"
    real.mkdir(parents=True)
    (tmp_path / "dump/private").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere/var", tmp_path / "dump/private/var")
    assert open_folder(tmp_path / "dump", ios_fs.SourceOptions()) is None


def test_folder_with_two_dumps_asks_to_choose(tmp_path: Path) -> None:
    for name in ("phone1", "phone2"):
        (tmp_path / name / "private/var/mobile").mkdir(parents=True)
    with pytest.raises(NotAnAcquisition, match="holds 2 filesystem dumps"):
        open_source(tmp_path)


# -- guards ----------------------------------------------------------------------------------


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mtime = int(T1.timestamp())
    return info, data


def _special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, None


def test_clean_name_and_layout() -> None:
    assert clean_name("./private//var/./mobile/") == ("private/var/mobile", None)
    assert clean_name("/etc/passwd")[1] == "absolute member name"
    assert clean_name("a/../../x")[1] == "member name climbs out of the archive (..)"
    assert detect_layout("private/var/mobile/Library") == Layout("", "")
    assert detect_layout("filesystem1/private/var/mobile") == Layout("filesystem1", "")
    assert detect_layout("var/mobile/Library") == Layout("", "/private")
    assert detect_layout("x/var/mobile") == Layout("x", "/private")
    assert detect_layout("a/b/private/var/mobile") is None
    assert detect_layout("private/var/root") is None
    layout = Layout("filesystem1", "/private")
    assert layout.to_device("filesystem1/var/mobile/x") == "/private/var/mobile/x"
    assert layout.to_device("other/var/mobile/x") is None
    assert layout.to_name("/private/var/mobile/x") == "filesystem1/var/mobile/x"
    assert layout.to_name("/System/x") is None and layout.to_name("/private/../x") is None
    assert layout.describe() == "filesystem1/var/" and Layout("", "").describe() == "private/var/"


def test_traversal_and_absolute_members_are_not_exposed(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "evil.tar",
        [
            _file("private/var/mobile/Library/SMS/sms.db", b"sms"),
            _file("../../outside.txt"),
            _file("/etc/cron.d/evil"),
            _file("private/var/mobile/../../../escape"),
        ],
    )
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        paths = {e.path for e in src.entries()}
        assert "/private/var/mobile/Library/SMS/sms.db" in paths
        assert not any("outside" in p or "evil" in p or "escape" in p for p in paths)
        assert src.facts()["skipped_members"] == 3
        joined = "\n".join(src.errors)
        assert "'../../outside.txt': member name climbs out" in joined
        assert "'/etc/cron.d/evil': absolute member name" in joined
        assert src.local(SMS).read_bytes() == b"sms"
    finally:
        src.close()


def test_links_leaving_the_dump_are_refused(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "links.tar",
        [
            _file("private/var/mobile/Library/SMS/real.db", b"real"),
            _special(
                "private/var/mobile/Library/SMS/sms.db", tarfile.SYMTYPE, "../" * 8 + "etc/passwd"
            ),
            _special("private/var/mobile/Library/SMS/host.db", tarfile.SYMTYPE, "/etc/passwd"),
            _special("private/var/mobile/Library/SMS/loop.db", tarfile.SYMTYPE, "loop.db"),
            _special(
                "private/var/mobile/Library/SMS/hard.db",
                tarfile.LNKTYPE,
                "private/var/mobile/Library/SMS/real.db",
            ),
            _special("private/var/mobile/Library/SMS/hardout.db", tarfile.LNKTYPE, "../secret"),
            _special("private/var/mobile/Library/SMS/null", tarfile.CHRTYPE),
        ],
    )
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        pattern = "/private/var/mobile/Library/SMS/*"
        found = src.find([pattern])[pattern]
        # Every match is offered, so that an artifact looking for an escaping, dangling or
        # looping link or a device file gets "error" with the reason, never "not present".
        assert found == [
            f"/private/var/mobile/Library/SMS/{name}"
            for name in ("hard.db", "hardout.db", "host.db", "loop.db", "null", "real.db", "sms.db")
        ]
        assert any(
            "sms.db' is a link to '../../" in e and "outside the archive" in e for e in src.errors
        )
        assert any(
            "'private/var/mobile/Library/SMS/null' is a character device" in e for e in src.errors
        )
        assert src.facts()["unread_entries"] == 5
        with pytest.raises(InputError, match="outside the archive; not followed"):
            src.local(SMS)
        with pytest.raises(
            InputError, match=r"broken link .*not in the dump"
        ):  # device /etc/passwd
            src.local("/private/var/mobile/Library/SMS/host.db")
        with pytest.raises(InputError, match="too many levels of links"):
            src.local("/private/var/mobile/Library/SMS/loop.db")
        assert src.local("/private/var/mobile/Library/SMS/hard.db").read_bytes() == b"real"
        with pytest.raises(InputError, match=r"hard link to '\.\./secret', outside the archive"):
            src.local("/private/var/mobile/Library/SMS/hardout.db")
        with pytest.raises(InputError, match="is a character device; never opened"):
            src.local("/private/var/mobile/Library/SMS/null")
        null = next(e for e in src.entries() if e.path.endswith("/null"))
        assert null.mode is not None and stat.S_ISCHR(null.mode)
    finally:
        src.close()


def test_folder_links_leaving_the_dump_are_refused(tmp_path: Path) -> None:
    sms = tmp_path / "dump/private/var/mobile/Library/SMS"
    sms.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("host file")
    os.symlink("../" * 7 + "secret.txt", sms / "sms.db")
    os.symlink(str(secret), sms / "abs.db")  # absolute: a device path, not the host's
    fifo = sms / "fifo"
    os.mkfifo(fifo)
    src = open_source(tmp_path / "dump")
    assert isinstance(src, FolderDump)
    found = src.find(["/private/var/mobile/Library/SMS/*"])["/private/var/mobile/Library/SMS/*"]
    # offered, so that an artifact looking for one gets "error" with the reason
    assert [p.rsplit("/", 1)[1] for p in found] == ["abs.db", "fifo", "sms.db"]
    assert any(e.endswith("SMS/fifo: is a FIFO; never opened") for e in src.errors)
    with pytest.raises(LinkEscape):
        src.local(SMS)
    with pytest.raises(InputError, match=r"broken link .*not in the dump"):
        src.local("/private/var/mobile/Library/SMS/abs.db")
    with pytest.raises(InputError, match="is a FIFO; never opened"):
        src.local("/private/var/mobile/Library/SMS/fifo")
    fifo_entry = next(e for e in src.entries() if e.path.endswith("/fifo"))
    assert fifo_entry.mode is not None and stat.S_ISFIFO(fifo_entry.mode)


def test_oversized_member_is_refused(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard.LIMITS, "member_bytes", 8)
    src = open_source(_make(dump, tmp_path, "tar", ""))
    assert isinstance(src, ArchiveDump)
    try:
        with pytest.raises(
            InputError,
            match=r"member 'private/var/mobile/Library/SMS/sms\.db' is \d+ bytes, over the 8 byte",
        ):
            src.local(SMS)
        assert src.local(CHROME_PATH).read_bytes() == b"chrome"  # 6 bytes: fine
    finally:
        src.close()


def test_zip_bomb_ratio_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("private/var/mobile/Library/SMS/sms.db", b"\0" * (3 * 1024 * 1024))
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        # one set of limits (sources.archive): the ratio applies above ratio_floor
        monkeypatch.setattr(guard.LIMITS, "ratio", 100)
        monkeypatch.setattr(guard.LIMITS, "ratio_floor", 1024 * 1024)
        with pytest.raises(
            InputError, match=r"member 'private/var/mobile/Library/SMS/sms.db' expands \d+ times"
        ):
            src.local(SMS)
    finally:
        src.close()


def test_total_extraction_limit(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard.LIMITS, "total_bytes", 0)  # one absolute total (sources.archive)
    src = open_source(_make(dump, tmp_path, "zip", ""))
    assert isinstance(src, ArchiveDump)
    try:
        with pytest.raises(InputError, match="would exceed 0 bytes in all"):
            src.local(CHROME_PATH)
    finally:
        src.close()


def test_compressed_tar_index_bomb_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, size in (
            ("private/var/mobile/a", 10),
            ("private/var/mobile/zeros", 4 * 1024 * 1024),
        ):
            info = tarfile.TarInfo(name)
            info.size = size
            tf.addfile(info, io.BytesIO(b"\0" * size))
        info = tarfile.TarInfo("private/var/mobile/after")
        tf.addfile(info, io.BytesIO(b""))
    monkeypatch.setattr(guard.LIMITS, "ratio_floor", 0)  # the stream's ratio guard
    monkeypatch.setattr(guard.LIMITS, "ratio", 10)
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        assert any("decompression bomb guard" in e and "zeros" in e for e in src.errors)
        assert "/private/var/mobile/after" not in {e.path for e in src.entries()}
    finally:
        src.close()


def test_corrupt_archives(dump: Path, tmp_path: Path) -> None:
    zipped = _make(dump, tmp_path, "zip", "")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(zipped.read_bytes()[:40])  # cut inside the first member
    with pytest.raises(NotAnAcquisition, match=r"damaged\.zip: cannot read the archive"):
        open_source(damaged)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b" + b"\xff" * 100)
    with pytest.raises(NotAnAcquisition, match="cannot read the archive"):
        open_source(garbage)


def test_truncated_tar_keeps_what_was_read(dump: Path, tmp_path: Path) -> None:
    full = _make(dump, tmp_path, "tar", "")
    cut = tmp_path / "cut.tar"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 4])
    src = open_source(cut)
    assert isinstance(src, ArchiveDump)
    try:
        assert any("the archive is damaged after" in e for e in src.errors)
        assert len(list(src.entries())) > 5
    finally:
        src.close()


def test_truncated_tar_gz_keeps_what_was_read(dump: Path, tmp_path: Path) -> None:
    full = _make(dump, tmp_path, "tar.gz", "")
    cut = tmp_path / "cut.tar.gz"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 4])
    src = open_source(cut)
    assert isinstance(src, ArchiveDump)
    try:
        assert any("the rest was not read" in e for e in src.errors)
    finally:
        src.close()


def test_damaged_header_in_the_middle_is_reported(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "mid.tar",
        [
            _file("private/var/mobile/a", b"a" * 600),
            _file("private/var/mobile/b"),
            _file("private/var/mobile/c"),
        ],
    )
    data = bytearray(archive.read_bytes())
    second = 512 + 1024  # header 1, 600 bytes of data padded to 1024, then header 2
    data[second : second + 100] = b"\xff" * 100  # wreck the second header
    archive.write_bytes(bytes(data))
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        assert any("invalid member header" in e for e in src.errors)
        assert [e.path for e in src.entries()] == [
            "/private",
            "/private/var",
            "/private/var/mobile",
            "/private/var/mobile/a",
        ]
    finally:
        src.close()


def test_second_device_root_is_reported(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "two.tar",
        [_file("phone1/private/var/mobile/a"), _file("phone2/private/var/mobile/b")],
    )
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        assert [e.path for e in src.entries() if not e.is_dir] == ["/private/var/mobile/a"]
        assert any("also holds a device root under 'phone2/private/var/'" in e for e in src.errors)
    finally:
        src.close()


def test_failed_member_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _tar(
        tmp_path / "wal.tar",
        [
            _file("private/var/mobile/Library/SMS/sms.db", b"db"),
            _file("private/var/mobile/Library/SMS/sms.db-wal", b"w" * 64),
            _file("private/var/mobile/Library/x.db", b"x"),
        ],
    )
    monkeypatch.setattr(guard.LIMITS, "member_bytes", 32)
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        src.find([SMS, "/private/var/mobile/Library/x.db"])
        # a WAL that cannot be extracted fails its database: reading it alone would hide rows
        with pytest.raises(InputError, match=r"sms\.db-wal' is 64 bytes"):
            src.local(SMS)
        assert src.local("/private/var/mobile/Library/x.db").read_bytes() == b"x"
    finally:
        src.close()


def test_undecodable_names_are_skipped_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "dump/private/var/mobile"
    folder.mkdir(parents=True)
    (folder / "ok.txt").write_bytes(b"ok")
    fd = os.open(os.fsencode(folder) + b"/caf\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    src = open_source(tmp_path / "dump")
    assert [e.path for e in src.entries()][-1] == "/private/var/mobile/ok.txt"
    list(src.entries())  # a second walk reports it once
    assert src.facts()["skipped_members"] == 1
    assert len([e for e in src.errors if "not valid UTF-8" in e]) == 1
    archive = tmp_path / "latin.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tf:
        for name in ("private/var/mobile/ok.txt", "private/var/mobile/caf\xe9.txt"):
            tf.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    src = open_source(archive)
    assert isinstance(src, ArchiveDump)
    try:
        assert [e.path for e in src.entries() if not e.is_dir] == ["/private/var/mobile/ok.txt"]
        assert src.facts()["skipped_members"] == 1
        assert any("not valid UTF-8" in e for e in src.errors)
    finally:
        src.close()


def test_folder_listing_is_kept_after_one_complete_walk(tmp_path: Path) -> None:
    mobile = tmp_path / "dump/private/var/mobile"
    (mobile / "Library/b").mkdir(parents=True)
    (mobile / "Library/a-c.txt").write_bytes(b"abc")
    (mobile / "Library/b/d.txt").write_bytes(b"d")
    os.utime(mobile / "Library/a-c.txt", (1626940800.25, 1626940800.25))
    src = open_source(tmp_path / "dump")
    assert isinstance(src, FolderDump)
    try:
        walk = src.entries()
        assert next(walk).path == "/private"
        walk.close()  # an abandoned walk is not kept
        (mobile / "late.txt").write_bytes(b"late")
        first = list(src.entries())
        assert [e.path for e in first] == [
            "/private",
            "/private/var",
            "/private/var/mobile",
            "/private/var/mobile/Library",
            "/private/var/mobile/late.txt",
            "/private/var/mobile/Library/a-c.txt",
            "/private/var/mobile/Library/b",
            "/private/var/mobile/Library/b/d.txt",
        ]
        kept = first[5]
        assert (kept.is_dir, kept.size) == (False, 3)
        assert kept.modified == datetime(2021, 7, 22, 8, 0, 0, 250000, tzinfo=UTC)
        assert kept.mode is not None and stat.S_ISREG(kept.mode)
        # later walks are served from the copy: same entries, same order, no new walk
        (mobile / "later.txt").write_bytes(b"later")
        shutil.rmtree(mobile / "Library")
        assert list(src.entries()) == first
        assert list(src.entries()) == first
    finally:
        src.close()
    assert src._listing is None


def test_folder_special_files_are_named_and_never_opened(tmp_path: Path) -> None:
    """A device file, FIFO or socket: an artifact asking for one gets the reason as an error;
    one no artifact asks for is still named in the notes (and counted)."""
    lib = tmp_path / "dump/private/var/mobile/Library"
    (lib / "SMS").mkdir(parents=True)
    (lib / "SMS/real.db").write_bytes(b"real")
    os.mkfifo(lib / "SMS/sms.db")  # where an artifact looks
    os.mkfifo(lib / "elsewhere.fifo")  # where none does
    try:
        os.mknod(lib / "SMS/dev.db", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        device = True
    except (PermissionError, OSError):  # not root, or a file system without device files
        device = False
    src = open_source(tmp_path / "dump")
    pattern = "/private/var/mobile/Library/SMS/*.db"
    found = [p.rsplit("/", 1)[1] for p in src.find([pattern])[pattern]]
    assert found == (["dev.db"] if device else []) + ["real.db", "sms.db"]
    with pytest.raises(InputError, match=r"sms\.db: is a FIFO; never opened"):
        src.local(SMS)
    if device:
        with pytest.raises(InputError, match=r"dev\.db: is a character device; never opened"):
            src.local("/private/var/mobile/Library/SMS/dev.db")
    assert src.local("/private/var/mobile/Library/SMS/real.db").read_bytes() == b"real"
    list(src.entries())  # the full walk meets the FIFO no artifact asked for
    assert "/private/var/mobile/Library/elsewhere.fifo: is a FIFO; never opened" in src.errors
    assert src.facts()["unread_entries"] == (3 if device else 2)
    if not device:
        pytest.skip("os.mknod failed (needs root): the device file case was not checked")


def test_damage_is_reported_even_after_many_notes(tmp_path: Path) -> None:
    """The bounded notes (MAX_NOTES) never crowd out the damage that makes absence meaningless."""
    fifos = [_special(f"private/var/mobile/fifo{i:02d}", tarfile.FIFOTYPE) for i in range(30)]
    full = _tar(tmp_path / "full.tar", [*fifos, _file("private/var/mobile/a", b"a" * 5000)])
    cut = tmp_path / "cut.tar"
    cut.write_bytes(full.read_bytes()[: 31 * 512 + 1000])  # inside the last member's data
    src = open_source(cut)
    assert isinstance(src, ArchiveDump)
    try:
        assert (
            src.index_damage is not None and "cut.tar: the archive is damaged" in src.index_damage
        )
        assert src.index_damage in src.errors
        assert src.facts()["unread_entries"] == 30
        assert sum("is a FIFO; never opened" in e for e in src.errors) == ios_fs.MAX_NOTES
    finally:
        src.close()


def test_filesystem2_layout_is_a_dump_of_private_var(
    dump: Path, tmp_path: Path, opened: list[ios_fs.FilesystemDump]
) -> None:
    assert detect_layout("filesystem2/mobile/Library/SMS") == Layout("filesystem2", "/private/var")
    assert detect_layout("mobile/Library/SMS") is None  # a bare mobile/ folder is too common
    assert detect_layout("backup/mobile/Library") is None
    layout = Layout("filesystem2", "/private/var")
    assert layout.to_device("filesystem2/mobile/x") == "/private/var/mobile/x"
    assert layout.to_name("/private/var/mobile/x") == "filesystem2/mobile/x"
    assert layout.to_name("/System/x") is None and layout.describe() == "filesystem2/mobile/"
    folder = tmp_path / "case"
    shutil.copytree(dump / "private" / "var", folder / "filesystem2", symlinks=True)
    tar = _tar(
        tmp_path / "var.tar",
        [_file("filesystem2/mobile/Library/SMS/sms.db", b"sms"), _file("filesystem2/db/x")],
    )
    for path in (folder, tar):
        src = open_source(path)
        assert isinstance(src, ios_fs.FilesystemDump), path
        opened.append(src)
        assert src.find([SMS])[SMS] == [SMS]
        assert src.facts()["dump_top"] == "/private/var"
        assert all(e.path.startswith("/private/var/") for e in src.entries())
    assert opened[1].local(SMS).read_bytes() == b"sms"
    # the relative link inside the dump still resolves in device-path space
    assert opened[0].local("/private/var/mobile/Library/Preferences/rel-link.db").is_file()
