"""The indicator cache gives exactly what loading the files gives, and only for the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracehound.iocs import cache
from tracehound.iocs.bundled import BUNDLED_DIR, bundled_paths, source_label
from tracehound.iocs.load import load_iocs


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(folder))
    return folder


def test_cached_equals_loaded(cache_dir: Path) -> None:
    direct = load_iocs(bundled_paths(), source_label)
    first = cache.load_iocs_cached(bundled_paths(), source_label)
    assert len(list(cache_dir.iterdir())) == 1
    second = cache.load_iocs_cached(bundled_paths(), source_label)
    for got in (first, second):
        assert got.indicators == direct.indicators
        assert got.files == direct.files
        assert got.warnings == direct.warnings and got.warning_count == direct.warning_count


def test_changed_file_is_reloaded(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "k.stix2"
    shutil.copy(BUNDLED_DIR / "cellebrite" / "cellebrite.stix2", path)
    assert len(cache.load_iocs_cached([path]).indicators) == 1
    path.write_text(path.read_text().replace("com.client.appA", "com.client.appB"))
    again = cache.load_iocs_cached([path])
    assert [i.value for i in again.indicators] == ["com.client.appb"]
    assert len(list(cache_dir.iterdir())) == 2


def test_damaged_cache_and_broken_files(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "k.stix2"
    shutil.copy(BUNDLED_DIR / "cellebrite" / "cellebrite.stix2", path)
    cache.load_iocs_cached([path])
    for entry in cache_dir.iterdir():
        entry.write_bytes(b"\x00garbage")
    assert len(cache.load_iocs_cached([path]).indicators) == 1
    bad = tmp_path / "bad.stix2"
    bad.write_text("{")
    broken = cache.load_iocs_cached([bad])
    assert broken.files[0].error is not None  # reported, and never cached
    assert len(list(cache_dir.iterdir())) == 1
