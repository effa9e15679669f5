"""Valid seed inputs for the fuzzers, in each artifact's real format.

Most seeds are the files of the demo phones (``tracehound.demo``: an iOS backup, a filesystem
dump, an androidqf folder and a bugreport), found through the real sources exactly as a check
finds them; the artifacts the demo phones lack get small files from the same demo writers the
parser tests use (``EXTRA``). SQLite seeds are cut down to a few rows per table so each mutated
copy is cheap, and the columns the parser reads are recorded (SQLite's authorizer sees every
column a statement reads) so that mutations aim at them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import DbShape
from tests.fuzz.seed_files import EXTRA, EXTRA_LISTINGS
from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.registry import Artifact, artifacts
from tracehound.demo.generate import write_demo
from tracehound.parsers.common import columnar
from tracehound.parsers.common.runner import filter_listing, open_input, parse_file, parse_listing
from tracehound.sources.detect import open_source

#: Device facts of the extra seeds (device-local times in dumpsys need a zone; those of a
#: sysdiagnose's MobileInstallation log need the archive's UTC offset).
EXTRA_DEVICE = {"timezone": "Europe/Rome", "utc_offset": "+0100"}
DEMO_KINDS = ("backup", "ffs", "androidqf", "bugreport")
ROWS_KEPT = 6  # rows kept per table of a SQLite seed
ENTRIES_KEPT = 40  # file entries kept per listing seed


@dataclass(frozen=True)
class Seed:
    """One valid input of an artifact: a file (``path``) or a file listing (``entries``)."""

    artifact: Artifact
    device_path: str
    origin: str  # where the seed comes from, for messages
    path: Path | None = None
    entries: tuple[FileEntry, ...] = ()
    device: dict[str, Any] = field(default_factory=dict)
    shape: DbShape | None = None

    def __repr__(self) -> str:  # failing examples print the seed: name it, not its contents
        return f"<seed {self.artifact.name} from {self.origin}: {self.device_path}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' pretty printer
        printer.text(repr(self))


class Seeds(dict[str, list[Seed]]):
    """The seeds by artifact name (a short repr: hypothesis prints the fixture's value)."""

    def __repr__(self) -> str:
        return f"<{sum(map(len, self.values()))} fuzz seeds>"


def build_seeds(folder: Path) -> Seeds:
    """Every seed, by artifact name, written under ``folder``."""
    by_name = {a.name: a for a in artifacts()}
    seeds: dict[str, list[Seed]] = {name: [] for name in by_name}
    for kind in DEMO_KINDS:
        for seed in _demo_seeds(folder, kind, list(by_name.values())):
            seeds[seed.artifact.name].append(seed)
    for name, device_path, build in EXTRA:
        target = folder / "extra" / f"{name}-{len(seeds[name])}" / Path(device_path).name
        target.parent.mkdir(parents=True)
        build(target)
        seeds[name].append(_file_seed(by_name[name], device_path, target, "extra", EXTRA_DEVICE))
    for name, entries in EXTRA_LISTINGS.items():
        seeds[name].append(Seed(by_name[name], "(file listing)", "extra", entries=entries))
    # A demo file that holds nothing for an artifact (a dumpsys without its section) would only
    # fuzz the "nothing found" path: it is no seed.
    return Seeds({name: [s for s in found if _yields(s)] for name, found in seeds.items()})


def _yields(seed: Seed) -> bool:
    if seed.path is None:
        return bool(parse_listing(seed.artifact, seed.entries, seed.device)[0])
    return bool(parse_file(seed.artifact, seed.path, seed.device_path, seed.device)[0])


def _demo_seeds(folder: Path, kind: str, arts: list[Artifact]) -> Iterator[Seed]:
    source = open_source(write_demo(folder / "demo" / kind, kind))
    try:
        facts = source.facts()
        found = source.find([g for a in arts for g in a.paths])
        listing = list(source.entries())
        for art in arts:
            if art.sources is not None and source.kind not in art.sources:
                continue
            if art.input == "listing":
                entries = tuple(filter_listing(art, listing))[:ENTRIES_KEPT]
                if entries:
                    yield Seed(art, "(file listing)", kind, entries=entries, device=facts)
                continue
            paths = sorted({p for g in art.paths for p in found.get(g, [])})
            if paths:
                target = folder / "seeds" / kind / art.name / Path(paths[0]).name
                target.parent.mkdir(parents=True)
                shutil.copyfile(source.local(paths[0]), target)
                yield _file_seed(art, paths[0], target, kind, facts)
    finally:
        source.close()


def _file_seed(art: Artifact, device_path: str, path: Path, origin: str, facts: Any) -> Seed:
    shape = None
    if art.input == "sqlite":
        shrink_sqlite(path)
        shape = db_shape(art, path, device_path)
    return Seed(art, device_path, origin, path=path, device=dict(facts), shape=shape)


def shrink_sqlite(path: Path) -> None:
    """Keep the first ``ROWS_KEPT`` rows of every table (the seed is our own copy)."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in names:
            try:
                conn.execute(
                    f'DELETE FROM "{name}" WHERE rowid NOT IN '
                    f'(SELECT rowid FROM "{name}" ORDER BY rowid LIMIT {ROWS_KEPT})'
                )
            except sqlite3.Error:  # WITHOUT ROWID or virtual tables: keep them whole
                continue
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()


def db_shape(art: Artifact, path: Path, device_path: str) -> DbShape:
    """Tables, row counts and the columns ``art`` reads, seen by running it on the seed."""
    read: set[tuple[str, str]] = set()

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and arg1 and arg2 and not arg1.startswith("sqlite_"):
            read.add((arg1, arg2))
        return sqlite3.SQLITE_OK

    ctx = ParseContext(artifact=art.name, path=device_path)
    with open_input(art, path) as conn:
        tables = {
            name: tuple(r[1] for r in conn.execute(f'PRAGMA table_info("{name}")'))
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        rows = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in tables}
        conn.set_authorizer(authorize)
        # The authorizer sees sqlite3's statements only: the ADBC driver (columnar.batches)
        # would run the same queries unseen, so sqlite3 runs them here.
        arrow, columnar.ARROW_READER = columnar.ARROW_READER, False
        try:
            for _ in art.func(conn, ctx):
                pass
        finally:
            columnar.ARROW_READER = arrow
        conn.set_authorizer(None)
    return DbShape(tables=tables, rows=rows, read=tuple(sorted(read)))
