"""A cut zip of each source kind is read up to the damage: what was read still runs, and the
source says the run is incomplete (``index_damage`` and ``errors``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tracehound.core.errors import EXIT_INCOMPLETE
from tracehound.demo import generate
from tracehound.pipeline import CheckOptions, run_check
from tracehound.sources.detect import open_source


def _cut_inside(archive: Path, member: str, out: Path) -> Path:
    """A copy of ``archive`` cut in the middle of ``member``'s data (no central directory)."""
    with zipfile.ZipFile(archive) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(member))
    header = 30 + len(info.filename.encode()) + len(info.extra)
    out.write_bytes(archive.read_bytes()[: info.header_offset + header + info.compress_size // 2])
    return out


@pytest.mark.parametrize(
    ("kind", "cut_in", "source_kind", "still_read"),
    [
        (
            "ffs-zip",
            "Library/SMS/sms.db",
            "ios_fs",
            {"ios.calendar": 40, "ios.chrome_history": 300, "ios.whatsapp": 301},
        ),
        (
            "androidqf-zip",
            "processes.txt",
            "androidqf",
            {"android.packages": 10, "android.getprop": 24},
        ),
        (
            "bugreport",
            "tombstone_00",
            "bugreport",
            {"android.getprop": 24, "android.dumpsys_packages": 9},
        ),
    ],
)
def test_cut_zip_is_read_in_part(
    tmp_path: Path, kind: str, cut_in: str, source_kind: str, still_read: dict[str, int]
) -> None:
    made = generate.write_demo(tmp_path / "in", kind)
    full = made if made.is_file() else next(made.rglob("*.zip"))
    cut = _cut_inside(full, cut_in, tmp_path / "cut.zip")
    src = open_source(cut)
    try:
        assert src.kind == source_kind
        damage = src.index_damage
        assert damage is not None and damage.startswith("cut.zip: the zip's central directory")
        assert f"{cut_in}' is cut" in damage and "later members are lost" in damage
        assert damage in src.errors
    finally:
        src.close()
    result = run_check(CheckOptions(target=cut, output=tmp_path / "out"))
    assert result.exit_code & EXIT_INCOMPLETE
    assert damage in result.run["acquisition"]["errors"]
    arts = result.run["artifacts"]
    assert {name: (arts[name]["status"], arts[name]["records"]) for name in still_read} == {
        name: ("ran", count) for name, count in still_read.items()
    }
