"""Crashes the fuzzer (tests/fuzz) found in archive-reading code, as regression tests.

They sat in android_container.py's zip reading (androidqf and bugreport zips); the guarded
archive reader (sources/archive.py) fixed them, and these tests keep them fixed.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from tracehound.core.errors import InputError, TracehoundError
from tracehound.demo.generate import write_demo
from tracehound.sources.detect import open_source


def _androidqf_zip(tmp_path: Path) -> tuple[Path, bytearray, dict[str, zipfile.ZipInfo]]:
    path = write_demo(tmp_path / "in", "androidqf-zip")
    with zipfile.ZipFile(path) as archive:
        infos = {i.filename.rpartition("/")[2]: i for i in archive.infolist()}
    return path, bytearray(path.read_bytes()), infos


def _open_and_read(path: Path) -> None:
    """Open the acquisition and read every file it lists, as a check does."""
    try:
        source = open_source(path)
    except TracehoundError:
        return
    try:
        for paths in source.find(["androidqf:*"]).values():
            for device_path in paths:
                try:
                    source.local(device_path)
                except (InputError, OSError):
                    continue
    finally:
        source.close()


def test_bad_crc_of_hashes_csv_is_a_named_input_error(tmp_path: Path) -> None:
    """hashes.csv whose CRC-32 does not match (central directory says otherwise): verifying the
    hash list raised zipfile.BadZipFile out of ``local``."""
    path, data, infos = _androidqf_zip(tmp_path)
    name = infos["hashes.csv"].filename.encode()
    # The central directory entry of hashes.csv: signature, then its name at byte 46.
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    (crc,) = struct.unpack_from("<I", data, entry + 16)
    struct.pack_into("<I", data, entry + 16, crc ^ 1)
    path.write_bytes(bytes(data))
    _open_and_read(path)


def test_damaged_deflate_stream_of_acquisition_json_is_a_named_input_error(
    tmp_path: Path,
) -> None:
    """acquisition.json whose deflate stream is damaged: read_small let zlib.error escape from
    open_source."""
    path, data, infos = _androidqf_zip(tmp_path)
    info = infos["acquisition.json"]
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_len + extra_len] = 0xFF  # block type 3: invalid
    path.write_bytes(bytes(data))
    _open_and_read(path)


def test_damaged_deflate_stream_of_a_bugreport_member_is_a_named_input_error(
    tmp_path: Path,
) -> None:
    """The dumpstate text of a bugreport zip whose deflate stream is damaged: extracting it for
    ``local`` let zlib.error escape (copy_limited is outside the BadZipFile/OSError guard)."""
    path = write_demo(tmp_path / "in", "bugreport")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".txt"))
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_len + extra_len] = 0xFF  # block type 3: invalid
    path.write_bytes(bytes(data))
    source = open_source(path)
    try:
        for paths in source.find(["bugreport:*"]).values():
            for device_path in paths:
                try:
                    source.local(device_path)
                except (InputError, OSError):
                    continue
    finally:
        source.close()
