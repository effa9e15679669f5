"""Fuzz every registered artifact from a valid seed; only InputError/SchemaMismatch may escape.

The artifacts are read from the registry at collection, so a new parser is fuzzed as soon as it
registers (and fails ``seeds_of`` until it has a seed).
"""

from __future__ import annotations

import plistlib
import shutil
import tempfile
import zlib
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import seeds_of
from tests.fuzz.harness import run_file, run_listing, scratch_file
from tests.fuzz.mutate import (
    apply_sqlite_ops,
    corrupt_bytes,
    mutate_json,
    mutate_lines,
    mutate_tree,
    sqlite_ops,
)
from tests.fuzz.seeds import Seed
from tests.fuzz.values import INTS, PLIST_VALUES, SHAPED_TEXT, TEXT, plist_dumps
from tracehound.core.files import FileEntry
from tracehound.core.registry import artifacts


def _names(kind: str) -> list[str]:
    return [a.name for a in artifacts() if a.input == kind]


def _seed(data: st.DataObject, seeds: dict[str, list[Seed]], name: str) -> Seed:
    return data.draw(st.sampled_from(seeds_of(seeds, name)), label="seed")


@pytest.mark.parametrize("name", _names("sqlite"))
@given(data=st.data())
def test_sqlite_rows_and_schema(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Hostile cell values, new rows, dropped columns and tables in the tables the parser reads."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None and seed.shape is not None
    ops = sqlite_ops(data.draw, seed.shape)
    with tempfile.TemporaryDirectory(prefix="tracehound-fuzz-") as tmp:
        path = Path(tmp) / seed.path.name
        shutil.copyfile(seed.path, path)
        apply_sqlite_ops(path, ops)
        run_file(seed, path)


@pytest.mark.parametrize("name", _names("sqlite"))
@given(data=st.data())
def test_sqlite_bytes(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Byte-level damage to the database file (pages, b-tree headers, truncation)."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    damaged = corrupt_bytes(data.draw, seed.path.read_bytes(), keep=100)
    with scratch_file(seed, damaged) as path:
        run_file(seed, path)


@pytest.mark.parametrize("name", _names("plist"))
@given(data=st.data())
def test_plist_tree(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Random subtrees in the seed plist, binary or XML."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    tree = mutate_tree(data.draw, plistlib.loads(seed.path.read_bytes()), PLIST_VALUES)
    with scratch_file(seed, plist_dumps(tree, binary=data.draw(st.booleans()))) as path:
        run_file(seed, path)


@pytest.mark.parametrize("name", _names("plist"))
@given(data=st.data())
def test_plist_bytes(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Byte-level damage to the plist (offset tables, object refs, XML text)."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    raw = seed.path.read_bytes()
    if data.draw(st.booleans(), label="as xml"):
        raw = plist_dumps(plistlib.loads(raw), binary=False)
    with scratch_file(seed, corrupt_bytes(data.draw, raw, keep=8)) as path:
        run_file(seed, path)


@pytest.mark.parametrize("name", _names("text"))
@given(data=st.data())
def test_text(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Lines deleted, duplicated, spliced and renumbered; or bytes damaged (invalid UTF-8)."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    raw = seed.path.read_bytes()
    if data.draw(st.booleans(), label="bytes"):
        fuzzed = corrupt_bytes(data.draw, raw)
    else:
        fuzzed = mutate_lines(data.draw, raw.decode("utf-8", "replace")).encode("utf-8")
    with scratch_file(seed, fuzzed) as path:
        run_file(seed, path)


@pytest.mark.parametrize("name", _names("json"))
@given(data=st.data())
def test_json(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Random subtrees in the seed document (also as JSON lines), mutated text, damaged bytes."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    with scratch_file(seed, mutate_json(data.draw, seed.path.read_bytes())) as path:
        run_file(seed, path)


def _bytes_input(data: Any, raw: bytes) -> bytes:
    """zlib-wrapped JSON (Android telephony backups) is mutated inside its wrapping too."""
    try:
        inner = zlib.decompress(raw)
    except zlib.error:
        inner = None
    if inner is not None and data.draw(st.booleans(), label="inside zlib"):
        return zlib.compress(mutate_json(data.draw, inner))
    if raw[:1].decode("latin-1").isprintable() and data.draw(st.booleans(), label="lines"):
        return mutate_lines(data.draw, raw.decode("utf-8", "replace")).encode("utf-8")
    return corrupt_bytes(data.draw, raw)


@pytest.mark.parametrize("name", _names("bytes"))
@given(data=st.data())
def test_bytes(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """Binary inputs: damaged bytes, and the structure inside known wrappings."""
    seed = _seed(data, seeds, name)
    assert seed.path is not None
    with scratch_file(seed, _bytes_input(data, seed.path.read_bytes())) as path:
        run_file(seed, path)


def _entry(data: Any, entry: FileEntry) -> FileEntry:
    path = entry.path
    if data.draw(st.booleans(), label="change path"):
        at = data.draw(st.integers(0, len(path)))
        path = path[:at] + data.draw(st.one_of(TEXT, SHAPED_TEXT)) + path[at:]
    return FileEntry(
        path=path,
        is_dir=data.draw(st.booleans()) if data.draw(st.booleans()) else entry.is_dir,
        size=data.draw(st.one_of(st.none(), INTS)),
        modified=data.draw(st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))),
        mode=data.draw(st.one_of(st.none(), INTS)),
    )


@pytest.mark.parametrize("name", _names("listing"))
@given(data=st.data())
def test_listing(seeds: dict[str, list[Seed]], name: str, data: Any) -> None:
    """File listings with odd names, sizes, modes and times under the artifact's folders."""
    seed = _seed(data, seeds, name)
    entries = [_entry(data, e) for e in seed.entries]
    entries += [_entry(data, data.draw(st.sampled_from(seed.entries))) for _ in range(3)]
    run_listing(seed, data.draw(st.permutations(entries)))
