"""The one guarded archive reader, tested once with every hostile case, for zip and tar."""

from __future__ import annotations

import io
import re
import stat
import struct
import tarfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.core.errors import InputError
from tracehound.sources import archive as guard
from tracehound.sources.archive import (
    FILE,
    HARD,
    LINK,
    OTHER,
    Entry,
    ExtractSpace,
    Scan,
    open_tar_member,
    open_zip_member,
    zip_time,
)

ALPHA = b"alpha " * 2000
BETA = bytes(range(256)) * 40
GAMMA = b"gamma"


@pytest.fixture
def space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ExtractSpace]:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setattr(guard.LIMITS, "free_space_margin", 0)
    with ExtractSpace("test-") as extract:
        yield extract


def _zip(
    path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]], deflate: bool = True
) -> Path:
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _unix(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (2024, 5, 6, 11, 38, 2))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def _listing(scan: Scan) -> dict[str, Entry]:
    return {e.name: e for e in scan}


def _zip_read(path: Path, entry: Entry) -> bytes:
    with open_zip_member(path, entry) as handle:
        return handle.read()


def _plain_zip(tmp_path: Path, name: str = "ok.zip") -> Path:
    return _zip(tmp_path / name, [("a/alpha.txt", ALPHA), ("a/beta.bin", BETA), ("gamma", GAMMA)])


def _local_offsets(path: Path) -> list[int]:
    with zipfile.ZipFile(path) as zf:
        return [i.header_offset for i in zf.infolist()]


def _central_offset(path: Path) -> int:
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    return int(struct.unpack_from("<I", data, end + 16)[0])


# -- names, links, special files ----------------------------------------------------------------


def test_zip_refuses_traversal_absolute_links_out_and_special_files(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "h.zip",
        [
            ("ok.txt", b"ok"),
            ("../evil.txt", b"x"),
            ("a/../../evil2.txt", b"x"),
            ("/abs.txt", b"x"),
            ("C:/win.txt", b"x"),
            ("a\\..\\..\\back.txt", b"x"),  # Windows separators climb too
            (_unix("a/out", stat.S_IFLNK | 0o777), b"../../etc/passwd"),
            (_unix("a/in", stat.S_IFLNK | 0o777), b"../ok.txt"),
            (_unix("a/fifo", stat.S_IFIFO | 0o644), b""),
            (_unix("a/dev", stat.S_IFCHR | 0o644), b""),
        ],
    )
    scan = Scan(path, "zip")
    listed = _listing(scan)
    assert scan.damage is None
    assert set(listed) == {"ok.txt", "a/in"}
    assert listed["a/in"].kind == LINK and listed["a/in"].link == "../ok.txt"
    refused = {e.raw: e.problem for e in scan.refused}
    assert refused == {
        "../evil.txt": "member name climbs out of the archive (..)",
        "a/../../evil2.txt": "member name climbs out of the archive (..)",
        "/abs.txt": "absolute member name",
        "C:/win.txt": "absolute member name",
        "a\\..\\..\\back.txt": "member name climbs out of the archive (..)",
        "a/out": "is a link to '../../etc/passwd', outside the archive; not followed",
        "a/fifo": "is a FIFO; never opened",
        "a/dev": "is a character device; never opened",
    }
    assert scan.refused_count == 8


def _tar_info(
    name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 0
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mtime = kind, link, size, 1_700_000_000
    return info


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w") -> Path:
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as tf:  # type: ignore[call-overload]
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data else None)
    return path


def test_tar_refuses_traversal_absolute_links_out_and_special_files(tmp_path: Path) -> None:
    path = _tar(
        tmp_path / "h.tar",
        [
            (_tar_info("ok.txt", size=2), b"ok"),
            (_tar_info("../evil", size=1), b"x"),
            (_tar_info("/abs", size=1), b"x"),
            (_tar_info("a/out", tarfile.SYMTYPE, "../../outside"), b""),
            (_tar_info("a/abs", tarfile.SYMTYPE, "/private/var/x"), b""),  # a device path: kept
            (_tar_info("a/hard-in", tarfile.LNKTYPE, "ok.txt"), b""),
            (_tar_info("a/hard-out", tarfile.LNKTYPE, "../../etc/shadow"), b""),
            (_tar_info("a/fifo", tarfile.FIFOTYPE), b""),
            (_tar_info("a/chr", tarfile.CHRTYPE), b""),
            (_tar_info("a/blk", tarfile.BLKTYPE), b""),
        ],
    )
    scan = Scan(path, "tar")
    listed = _listing(scan)
    assert scan.damage is None
    assert {n: e.kind for n, e in listed.items()} == {
        "ok.txt": FILE,
        "a/abs": LINK,
        "a/hard-in": HARD,
    }
    assert listed["ok.txt"].mtime == datetime.fromtimestamp(1_700_000_000, UTC)
    assert {e.raw: e.problem for e in scan.refused} == {
        "../evil": "member name climbs out of the archive (..)",
        "/abs": "absolute member name",
        "a/out": "is a link to '../../outside', outside the archive; not followed",
        "a/hard-out": "is a hard link to '../../etc/shadow', outside the archive",
        "a/fifo": "is a FIFO; never opened",
        "a/chr": "is a character device; never opened",
        "a/blk": "is a block device; never opened",
    }
    kept = list(Scan(path, "tar", keep_refused=True))
    assert len(kept) == 10 and sum(e.problem is not None for e in kept) == 7
    fifo = next(e for e in kept if e.raw == "a/fifo")
    assert fifo.kind == OTHER and fifo.mode is not None and stat.S_ISFIFO(fifo.mode)
    with tarfile.open(path) as tf:
        assert open_tar_member(tf, listed["ok.txt"]).read() == b"ok"


# -- size, ratio and total limits ---------------------------------------------------------------


def test_oversize_member_is_refused(
    tmp_path: Path, space: ExtractSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _plain_zip(tmp_path)
    listed = _listing(Scan(path, "zip"))
    monkeypatch.setattr(guard.LIMITS, "member_bytes", len(BETA) - 1)
    dest = space.slot("beta")
    with pytest.raises(
        InputError, match=r"member 'a/beta.bin' is 10240 bytes, over the 10239 byte"
    ):
        space.extract(listed["a/beta.bin"], lambda e: open_zip_member(path, e), dest)
    assert not dest.exists()
    out = space.extract(listed["gamma"], lambda e: open_zip_member(path, e), space.slot("g"))
    assert out.read_bytes() == GAMMA and stat.S_IMODE(out.stat().st_mode) == 0o600


def test_tar_oversize_member_is_refused(
    tmp_path: Path, space: ExtractSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tar(tmp_path / "t.tar", [(_tar_info("big", size=len(BETA)), BETA)])
    entry = _listing(Scan(path, "tar"))["big"]
    monkeypatch.setattr(guard.LIMITS, "member_bytes", 100)
    with tarfile.open(path) as tf, pytest.raises(InputError, match="over the 100 byte limit"):
        space.extract(entry, lambda e: open_tar_member(tf, e), space.slot("big"))


def test_zip_ratio_bomb_is_refused(
    tmp_path: Path, space: ExtractSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _zip(tmp_path / "bomb.zip", [("zeros", b"\0" * (3 * 1024 * 1024))])
    entry = _listing(Scan(path, "zip"))["zeros"]
    monkeypatch.setattr(guard.LIMITS, "ratio_floor", 1024 * 1024)
    with pytest.raises(InputError, match=r"member 'zeros' expands \d+ times, over the 200:1 limit"):
        space.extract(entry, lambda e: open_zip_member(path, e), space.slot("zeros"))


def test_lying_declared_size_is_cut_off(tmp_path: Path) -> None:
    path = _plain_zip(tmp_path)
    entry = _listing(Scan(path, "zip"))["a/alpha.txt"]
    entry.size = 100  # a header that understates what the data inflates to
    with (
        open_zip_member(path, entry) as handle,
        pytest.raises(InputError, match="beyond its declared"),
    ):
        handle.read()


def test_total_extraction_bomb_is_refused(
    tmp_path: Path, space: ExtractSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _plain_zip(tmp_path)
    listed = _listing(Scan(path, "zip"))
    monkeypatch.setattr(guard.LIMITS, "total_bytes", len(ALPHA) + 10)
    space.extract(listed["a/alpha.txt"], lambda e: open_zip_member(path, e), space.slot("a"))
    with pytest.raises(
        InputError, match=r"member 'a/beta.bin': extracting it would exceed \d+ bytes"
    ):
        space.extract(listed["a/beta.bin"], lambda e: open_zip_member(path, e), space.slot("b"))


def test_compressed_tar_stream_bomb_stops_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zeros = b"\0" * (4 * 1024 * 1024)
    path = _tar(
        tmp_path / "bomb.tar.gz",
        [
            (_tar_info("a", size=1), b"a"),
            (_tar_info("zeros", size=len(zeros)), zeros),
            (_tar_info("after"), b""),
        ],
        "w:gz",
    )
    monkeypatch.setattr(guard.LIMITS, "ratio_floor", 0)
    scan = Scan(path, "tar.gz")
    assert [e.name for e in scan] == ["a", "zeros"]
    assert scan.damage is not None and "decompression bomb guard" in scan.damage
    assert "at member 'zeros'" in scan.damage


def test_crc_mismatch_is_an_error(tmp_path: Path) -> None:
    path = _zip(tmp_path / "s.zip", [("gamma", GAMMA)], deflate=False)
    data = bytearray(path.read_bytes())
    name = data.index(GAMMA)  # the local header's name, then the content
    content = data.index(GAMMA, name + 1)
    data[content] ^= 0xFF
    path.write_bytes(bytes(data))
    entry = _listing(Scan(path, "zip"))["gamma"]
    with pytest.raises(InputError, match="CRC-32 mismatch"):
        _zip_read(path, entry)
    data[name] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(
        InputError, match=r"local header at offset 0 names '.amma'; the archive is damaged"
    ):
        _zip_read(path, entry)


# -- truncation -------------------------------------------------------------------------------


def test_zip_cut_in_the_central_directory_recovers_every_member(tmp_path: Path) -> None:
    full = _plain_zip(tmp_path)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: _central_offset(full) + 20])
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(cut)
    scan = Scan(cut, "zip")
    listed = _listing(scan)
    assert scan.damage is not None
    assert "cut.zip: the zip's central directory is missing or damaged" in scan.damage
    assert (
        "3 members were recovered from their local headers up to the central directory"
        in scan.damage
    )
    assert {n: _zip_read(cut, e) for n, e in listed.items()} == {
        "a/alpha.txt": ALPHA,
        "a/beta.bin": BETA,
        "gamma": GAMMA,
    }


def test_zip_cut_mid_member_recovers_the_members_before(tmp_path: Path) -> None:
    full = _plain_zip(tmp_path)
    second = _local_offsets(full)[1]
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: second + 100])  # inside a/beta.bin's data
    scan = Scan(cut, "zip")
    listed = _listing(scan)
    assert list(listed) == ["a/alpha.txt"] and _zip_read(cut, listed["a/alpha.txt"]) == ALPHA
    assert scan.damage is not None
    assert "1 members were recovered" in scan.damage
    assert (
        "then member 'a/beta.bin' is cut" in scan.damage and "later members are lost" in scan.damage
    )


@pytest.mark.parametrize(
    ("into", "why"),
    [(10, r"the archive is cut at offset \d+"), (32, r"the local header at offset \d+ is cut")],
)
def test_zip_cut_in_a_local_header(tmp_path: Path, into: int, why: str) -> None:
    full = _plain_zip(tmp_path)
    third = _local_offsets(full)[2]
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: third + into])  # 30 fixed bytes, then the name
    scan = Scan(cut, "zip")
    assert list(_listing(scan)) == ["a/alpha.txt", "a/beta.bin"]
    assert scan.damage is not None and "2 members were recovered" in scan.damage
    assert re.search(why, scan.damage)


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes sizes in data descriptors after each member."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def _streamed_zip(deflate: bool) -> bytes:
    out = _Unseekable()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in (("one", ALPHA), ("two", BETA), ("three", GAMMA)):
            with zf.open(name, "w") as handle:
                handle.write(data)
    return bytes(out.data)


def test_cut_zip_with_data_descriptors(tmp_path: Path) -> None:
    data = _streamed_zip(deflate=True)
    cut = tmp_path / "stream.zip"
    cut.write_bytes(data[: data.index(b"three") + 8])  # inside the third member
    scan = Scan(cut, "zip")
    listed = _listing(scan)
    # deflate marks its own end: the sizes are found by inflating, then checked in the descriptor
    assert {n: _zip_read(cut, e) for n, e in listed.items()} == {"one": ALPHA, "two": BETA}
    assert scan.damage is not None and "member 'three' is cut" in scan.damage


def test_stored_members_with_data_descriptors_cannot_be_delimited(tmp_path: Path) -> None:
    data = _streamed_zip(deflate=False)
    cut = tmp_path / "stored.zip"
    cut.write_bytes(data[:-10])
    scan = Scan(cut, "zip")
    assert list(scan) == []
    assert scan.damage is not None
    assert "member 'one' has its size after its data and is stored or encrypted" in scan.damage


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "junk.zip"
    path.write_bytes(b"PK\x03\x04" + b"\xff" * 10)
    scan = Scan(path, "zip")
    assert (
        list(scan) == [] and scan.damage is not None and "0 members were recovered" in scan.damage
    )


@pytest.mark.parametrize("fmt", ["tar", "tar.gz"])
def test_truncated_tar_is_read_up_to_the_damage(tmp_path: Path, fmt: str) -> None:
    members = [(_tar_info(f"m{i}", size=len(BETA)), BETA) for i in range(20)]
    full = _tar(tmp_path / f"full.{fmt}", members, "w:gz" if fmt == "tar.gz" else "w")
    cut = tmp_path / f"cut.{fmt}"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    scan = Scan(cut, fmt)
    names = [e.name for e in scan]
    assert 3 <= len(names) < 20 and names == [f"m{i}" for i in range(len(names))]
    assert scan.damage is not None
    assert f"cut.{fmt}: the archive is damaged after {len(names)} members" in scan.damage
    assert "the rest was not read" in scan.damage


# -- the one zip time rule ----------------------------------------------------------------------


def test_zip_time_rule(tmp_path: Path) -> None:
    stamp = 1_715_000_000
    exact = zipfile.ZipInfo("exact", (2024, 5, 6, 11, 38, 2))
    exact.extra = struct.pack("<HHBi", 0x5455, 5, 1, stamp)
    path = _zip(
        tmp_path / "t.zip",
        [(exact, b"x"), (zipfile.ZipInfo("dos", (2024, 5, 6, 11, 38, 2)), b"y"),
         (zipfile.ZipInfo("unset", (1980, 1, 1, 0, 0, 0)), b"z")],
    )  # fmt: skip
    listed = _listing(Scan(path, "zip"))
    when = datetime.fromtimestamp(stamp, UTC)
    assert zip_time(listed["exact"], None) == (when, False)
    assert zip_time(listed["exact"], "Europe/Paris") == (when, False)  # UTC field wins
    # DOS time: device-local wall clock, read in the device zone (CEST = UTC+2 in May)
    assert zip_time(listed["dos"], "Europe/Paris") == (
        datetime(2024, 5, 6, 9, 38, 2, tzinfo=UTC),
        False,
    )
    # no zone known: read as UTC, and flagged so the source counts it
    assert zip_time(listed["dos"], None) == (datetime(2024, 5, 6, 11, 38, 2, tzinfo=UTC), True)
    assert zip_time(listed["unset"], None) == (None, False)


@pytest.mark.parametrize("fmt", ["zip", "streamed-zip", "tar.gz"])
def test_damaged_archives_never_crash_the_reader(tmp_path: Path, fmt: str) -> None:
    """Seeded mutations (cuts, flipped bytes): listing never raises, and reading a listed
    member either works or raises InputError naming the member."""
    import random

    if fmt == "zip":
        good = _plain_zip(tmp_path).read_bytes()
    elif fmt == "streamed-zip":
        good = _streamed_zip(deflate=True)
    else:
        members = [(_tar_info(f"m{i}", size=len(BETA)), BETA) for i in range(5)]
        good = _tar(tmp_path / "good.tar.gz", members, "w:gz").read_bytes()
    rng = random.Random(20261201)
    path = tmp_path / f"bad.{fmt}"
    for _ in range(150):
        data = bytearray(good[: rng.randrange(1, len(good) + 1)])
        for _ in range(rng.randrange(0, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        scan = Scan(path, "tar.gz" if fmt == "tar.gz" else "zip")
        entries = list(scan)
        if fmt == "tar.gz":
            continue  # tarfile reads the content; the listing is what the guard adds
        for entry in entries:
            if entry.kind != FILE:
                continue
            try:
                _zip_read(path, entry)
            except InputError as exc:
                assert str(exc).startswith(entry.label())
