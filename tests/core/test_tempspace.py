"""The one private temporary space: modes, removal on close, error and Ctrl-C, TMPDIR."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from tracehound.core.tempspace import TempSpace, safe_file_name


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR points at a fresh folder (tempfile re-reads it: its cache is cleared)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_modes_and_tmpdir_honoured(tmpdir_env: Path) -> None:
    with TempSpace("t-") as space:
        assert not space.exists  # made on first use only
        root = space.root
        assert root.parent == tmpdir_env and root.name.startswith("t-")
        assert _mode(root) == 0o700
        sub = space.folder("x/../y")
        assert _mode(sub) == 0o700 and sub.parent == root and ".." not in sub.name
        slot = space.slot("../../etc/passwd")
        assert slot.name == "passwd" and slot.parent.parent == root
        assert _mode(slot) == 0o600 and slot.read_bytes() == b""
        with pytest.raises(FileExistsError):
            space.create(slot)  # never reuses a file (or a planted link)
        with pytest.raises(ValueError, match="not inside"):
            space.create(tmpdir_env / "outside")
    assert not root.exists()


def test_removed_on_error_and_on_keyboard_interrupt(tmpdir_env: Path) -> None:
    for stop in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(stop)), TempSpace() as space:
            root = space.root
            (space.slot("f")).write_bytes(b"secret")
            raise stop
        assert not root.exists()
    assert list(tmpdir_env.iterdir()) == []


def test_explicit_close_and_garbage_collection(tmpdir_env: Path) -> None:
    space = TempSpace()
    first = space.root
    space.close()
    space.close()  # twice is harmless
    assert not first.exists()
    second = space.root  # usable again: a new folder
    assert second != first and second.exists()
    del space  # the safety net removes it when the object goes away
    assert not second.exists()


def test_safe_file_name() -> None:
    assert safe_file_name("a/b\\c d;rm -rf.db") == "c_d_rm_-rf.db"
    assert safe_file_name("...") == "file"
    assert len(safe_file_name("x" * 500)) == 100
