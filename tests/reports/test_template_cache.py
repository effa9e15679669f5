"""The report's compiled template is cached in tracehound's cache folder: the same page whether
the cache is cold, warm, stale or unusable, and the cache is private."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from tracehound.reports import html


def _render(folder: Path, tmp_path: Path, name: str) -> bytes:
    out = tmp_path / name
    html.write_report(folder, output=out)
    return out.read_bytes()


def test_cold_warm_and_unusable_caches_give_the_same_page(
    demo_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRACEHOUND_CACHE_DIR", str(cache))
    cold = _render(demo_results, tmp_path, "cold.html")
    entries = list((cache / "templates").iterdir())
    assert entries, "nothing was cached"
    assert stat.S_IMODE((cache / "templates").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(e.stat().st_mode) == 0o600 for e in entries)
    assert _render(demo_results, tmp_path, "warm.html") == cold
    # A damaged entry is compiled again (jinja2 checks its header and the source checksum).
    for entry in entries:
        entry.write_bytes(b"not bytecode")
    assert _render(demo_results, tmp_path, "stale.html") == cold
    # A cache folder that cannot be made is no cache, not a failed report.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TRACEHOUND_CACHE_DIR", str(blocker))
    assert _render(demo_results, tmp_path, "nocache.html") == cold


def test_a_cache_that_cannot_be_written_is_no_cache(
    demo_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "templates").mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("TRACEHOUND_CACHE_DIR", str(cache))

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only cache")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)  # what jinja2 writes with
    page = _render(demo_results, tmp_path, "page.html")
    assert b"<html" in page and list((cache / "templates").iterdir()) == []
