"""Text inputs read by several artifacts in a row are read and decoded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import get_artifact
from tracehound.parsers.common import runner


def test_same_text_read_once_changed_text_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    real = runner._read

    def counting(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(runner, "_read", counting)
    dump = tmp_path / "dumpsys.txt"
    dump.write_text("DUMP OF SERVICE accessibility:\n  nothing\n")
    names = ("android.getprop", "android.processes", "android.settings")  # a dumpstate.txt each
    for name in names:
        with runner.open_input(get_artifact(name), dump) as text:
            assert "accessibility" in text
    assert reads == [dump]
    dump.write_text("DUMP OF SERVICE accessibility:\n  changed, longer\n")
    os.utime(dump, ns=(1, 1))
    with runner.open_input(get_artifact(names[0]), dump) as text:
        assert "changed" in text
    assert reads == [dump, dump]
