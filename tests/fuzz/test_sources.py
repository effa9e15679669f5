"""Fuzz every acquisition kind: open_source may raise only TracehoundError subclasses, and the
source's calls only InputError or OSError (never BadZipFile, struct.error, UnicodeDecodeError,
a plistlib or sqlite3 error)."""

from __future__ import annotations

import plistlib
import shutil
import sqlite3
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.acquisitions import WRITERS, exercise
from tests.fuzz.mutate import (
    DbShape,
    apply_sqlite_ops,
    corrupt_bytes,
    mutate_json,
    mutate_lines,
    mutate_tree,
    sqlite_ops,
)
from tests.fuzz.values import PLIST_VALUES, plist_dumps
from tracehound.core.registry import artifacts
from tracehound.sources.detect import open_source

#: Manifest.db columns the backup source reads (Apple's Files table).
MANIFEST_COLUMNS = ("fileID", "domain", "relativePath", "flags", "file")


@pytest.fixture(scope="session")
def acquisitions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("fuzz-acquisitions")
    return {kind: write(base / kind) for kind, write in WRITERS.items()}


#: The source kind each seed acquisition must open as.
SOURCE_KINDS = {
    "backup": "ios_backup",
    "ffs": "ios_fs",
    "ffs-tar": "ios_fs",
    "ffs-tar.gz": "ios_fs",
    "ffs-zip": "ios_fs",
    "androidqf": "androidqf",
    "androidqf-zip": "androidqf",
    "bugreport": "bugreport",
    "ab": "android_backup",
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_seed_acquisitions_open_and_list(acquisitions: dict[str, Path], kind: str) -> None:
    """Each seed opens as its kind, without errors, and exposes files for the artifacts."""
    source = open_source(acquisitions[kind])
    try:
        assert source.kind == SOURCE_KINDS[kind] and source.errors == []
        globs = sorted({g for a in artifacts() for g in a.paths})
        assert any(source.find(globs).values()), f"{kind}: no artifact input found"
    finally:
        source.close()


def _copy(path: Path, tmp: Path) -> Path:
    target = tmp / path.name
    if path.is_dir():
        shutil.copytree(path, target)
    else:
        shutil.copyfile(path, target)
    return target


def _manifest_shape(db: Path) -> DbShape:
    conn = sqlite3.connect(db)
    try:
        cols = tuple(r[1] for r in conn.execute("PRAGMA table_info(Files)"))
        (rows,) = conn.execute("SELECT count(*) FROM Files").fetchone()
    finally:
        conn.close()
    return DbShape({"Files": cols}, {"Files": rows}, tuple(("Files", c) for c in MANIFEST_COLUMNS))


def _mutate_file(data: Any, path: Path) -> None:
    """Change one file of an acquisition by its format, or remove it."""
    raw = path.read_bytes()
    action = data.draw(st.sampled_from(("structure", "structure", "bytes", "remove")))
    if action == "remove":
        path.unlink()
    elif action == "bytes":
        path.write_bytes(corrupt_bytes(data.draw, raw))
    elif raw.startswith(b"SQLite format 3\x00") and path.name == "Manifest.db":
        apply_sqlite_ops(path, sqlite_ops(data.draw, _manifest_shape(path)))
    elif raw.startswith((b"bplist00", b"<?xml")):
        tree = mutate_tree(data.draw, plistlib.loads(raw), PLIST_VALUES)
        path.write_bytes(plist_dumps(tree, binary=raw.startswith(b"bplist")))
    elif path.suffix == ".json":
        path.write_bytes(mutate_json(data.draw, raw))
    else:
        path.write_bytes(mutate_lines(data.draw, raw.decode("utf-8", "replace")).encode())


@pytest.mark.parametrize("kind", ["backup", "ffs", "androidqf"])
@given(data=st.data())
def test_folder_files(acquisitions: dict[str, Path], kind: str, data: Any) -> None:
    """Info.plist, Manifest.plist/db, Status.plist, SystemVersion.plist, acquisition.json,
    hashes.csv, the files themselves: changed, damaged or removed."""
    with tempfile.TemporaryDirectory(prefix="tracehound-fuzz-") as tmp:
        root = _copy(acquisitions[kind], Path(tmp))
        files = sorted(p for p in root.rglob("*") if p.is_file())
        named = [p for p in files if p.suffix in (".plist", ".db", ".json", ".csv", ".ab")]
        for path in data.draw(
            st.lists(st.sampled_from(named or files), min_size=1, max_size=2, unique=True)
        ):
            if path.exists():
                _mutate_file(data, path)
        exercise(root)


@pytest.mark.parametrize("kind", ["ffs-tar", "ffs-tar.gz", "ffs-zip", "androidqf-zip", "bugreport"])
@given(data=st.data())
def test_archive_bytes(acquisitions: dict[str, Path], kind: str, data: Any) -> None:
    """Damaged zip and tar archives: headers, central directory, member data, truncation."""
    _damaged_archive(acquisitions[kind], data)


def _damaged_archive(original: Path, data: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="tracehound-fuzz-") as tmp:
        archive = _copy(original, Path(tmp))
        archive.write_bytes(corrupt_bytes(data.draw, archive.read_bytes()))
        exercise(archive)


@given(data=st.data())
def test_android_backup(acquisitions: dict[str, Path], data: Any) -> None:
    """.ab files: header lines (magic, version, compression, encryption), the zlib stream and
    the tar inside it."""
    raw = acquisitions["ab"].read_bytes()
    header, body = raw[: raw.index(b"none\n") + 5], raw[raw.index(b"none\n") + 5 :]
    part = data.draw(st.sampled_from(("header", "body", "tar")))
    if part == "header":
        header = mutate_lines(data.draw, header.decode("latin-1")).encode("utf-8")
    elif part == "body":
        body = corrupt_bytes(data.draw, body)
    else:
        body = zlib.compress(corrupt_bytes(data.draw, zlib.decompress(body), keep=0))
    with tempfile.TemporaryDirectory(prefix="tracehound-fuzz-") as tmp:
        path = Path(tmp) / "backup.ab"
        path.write_bytes(header + body)
        exercise(path)
