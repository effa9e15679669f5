"""An iOS full filesystem dump inside a .tar, .tar.gz/.tgz or .zip archive, read in place.

Archives are never extracted as a whole. Opening one reads its member list once into a private
SQLite index (memory stays flat for a million members); lookups, globbing and the file listing
(``entries()``, walked once per listing artifact) are queries on that index, never a new pass
over the archive. A .tar.gz can only be read in order, so ``find()`` remembers the files the
artifacts need and the first ``local()`` extracts all of them, and their SQLite
``-wal``/``-shm``/``-journal`` siblings, in ONE pass in archive order; later single files reopen
the archive. Plain tar and zip members are read by offset.

Guards: the archive is listed and read through the one guarded reader (``sources.archive``,
one set of limits): names with ``..`` or an absolute path are not exposed (counted, reported);
device files, FIFOs, sockets, links climbing out of the archive and tar hard links whose target
is not a safe member are indexed as refused, named in the source's notes, and an artifact that
looks for one gets an InputError with the reason; a member over the size or ratio limit, or one
that would take the extractions over the total limit, is refused with an InputError naming it.
A damaged archive (a cut tar, a zip without its central directory) is read up to the damage and
``index_damage`` says so. Extracted copies live in a private TempSpace removed by ``close()``
or, failing that, when the source is garbage collected. The opener, ``open_archive``, is
registered here (``ios_fs`` does not import this module).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.sources.archive import (
    ARCHIVE_ERRORS,
    ExtractSpace,
    Scan,
    check_member,
    clean_name,
    copy_capped,
    sniff,
)
from tracehound.sources.base import Source, SourceOptions, source_opener
from tracehound.sources.ios_fs import (
    DIR,
    FILE,
    REFUSED,
    SYSTEM_VERSION,
    FilesystemDump,
    Layout,
    LinkEscape,
    utc_time,
)
from tracehound.sources.ios_fs_members import (
    COLUMNS,
    MEMBER_ERRORS,
    SCHEMA,
    Indexer,
    Member,
    Reader,
    member,
    open_reader,
)

SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".zip")


class ArchiveDump(FilesystemDump):
    """A dump inside a tar (plain or compressed) or zip archive, read without unpacking it."""

    def __init__(
        self, archive: Path, fmt: str, space: ExtractSpace, timezone: str | None = None
    ) -> None:
        super().__init__(archive, Layout("", ""))
        self.archive = archive
        self.dump_format = fmt
        self.timezone = timezone  # the user's --timezone: zip DOS times are read in it
        self.space = space
        self.tmp = space.root
        self._conn = sqlite3.connect(self.tmp / "index.db")
        self._conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        self._conn_pid = os.getpid()
        self.members = 0
        self.dos_times = 0
        self._local: dict[str, Path] = {}
        self._failed: dict[str, InputError] = {}
        self._pending: set[str] = {SYSTEM_VERSION}

    # -- opening ------------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """The member index. A worker process (forked after indexing) opens its own connection
        to it, read-only: SQLite connections must not be used across fork."""
        if self._conn_pid != os.getpid():
            uri = f"file:{self.tmp / 'index.db'}?mode=ro"
            self._conn, self._conn_pid = sqlite3.connect(uri, uri=True), os.getpid()
        return self._conn

    @classmethod
    def open(cls, archive: Path, fmt: str, timezone: str | None = None) -> ArchiveDump | None:
        """Index ``archive``; None when it holds no iOS device root."""
        space = ExtractSpace("tracehound-ffs-")
        try:
            source = cls(archive, fmt, space, timezone)
            if source._index() is None:
                source.close()
                return None
        except BaseException:
            space.close()
            raise
        return source

    def _index(self) -> Layout | None:
        indexer = Indexer(self.conn)
        scan = Scan(self.archive, self.dump_format, keep_refused=True)
        try:
            self._read_members(scan, indexer)
        except (*ARCHIVE_ERRORS, ValueError) as exc:  # unreadable from the first byte
            scan.damage = f"{type(exc).__name__}: {exc}"
        indexer.finish()
        if scan.damage is not None and not indexer.count:  # nothing readable at all
            if self.archive.name.lower().endswith(ARCHIVE_SUFFIXES):
                raise NotAnAcquisition(f"{self.archive}: cannot read the archive ({scan.damage})")
            return None
        if not indexer.layouts:
            return None
        self.layout = indexer.layouts[0]
        for other in indexer.layouts[1:]:
            self._note(
                f"{self.archive.name}: also holds a device root under {other.describe()!r}; "
                f"only {self.layout.describe()!r} was read"
            )
        self.members = indexer.count
        if scan.damage is not None:  # read in part: absence proves nothing
            self.index_damage = scan.damage
            self.errors.append(scan.damage)  # never crowded out by the bounded notes
        return self.layout

    def _read_members(self, scan: Scan, indexer: Indexer) -> None:
        """Index every member; refused ones are indexed as such, and named."""
        for entry in scan:
            row, as_utc = member(entry, self.timezone)
            self.dos_times += as_utc
            if entry.problem is None:
                indexer.add(row)
                continue
            if not entry.problem.startswith("is "):  # an unsafe name: not a path we can show
                self.skipped += 1
                self._note(f"{self.archive.name}: {entry.label()}: {entry.problem}; not read")
                continue
            indexer.add(row)
            self._unread(f"{self.archive.name}: {entry.label()} {entry.problem}")

    # -- lookups ------------------------------------------------------------------------------
    def _member(self, name: str) -> Member | None:
        row = self.conn.execute(f"SELECT {COLUMNS} FROM m WHERE name = ?", (name,)).fetchone()
        return Member(*row) if row else None

    def _probe(self, device_path: str) -> tuple[str | None, str | None]:
        name = self.layout.to_name(device_path)
        member = self._member(name) if name is not None else None
        return (member.kind, member.link) if member else (None, None)

    def _hard_target(self, device_path: str, link: str | None) -> str:
        name, problem = clean_name(link or "")
        target = self.layout.to_device(name) if problem is None else None
        if target is None:
            raise LinkEscape(f"{device_path}: a hard link points outside the dump ({link!r:.200})")
        if self._probe(target)[0] != FILE:
            raise InputError(f"{device_path}: hard link to {link!r:.200}, which is not a file")
        return target

    def _range(self) -> tuple[str, tuple[str, ...]]:
        if not self.layout.prefix:
            return "", ()
        return " AND name > ? AND name < ?", (self.layout.prefix + "/", self.layout.prefix + "0")

    def _candidates(self, matcher: GlobSet) -> Iterator[tuple[str, str]]:
        where, args = self._range()
        sql = f"SELECT name, kind FROM m WHERE kind IN ('f', 'l', 'h', '{REFUSED}'){where}"
        for name, kind in self.conn.execute(sql, args):
            device = self.layout.to_device(name)
            if device is not None:
                yield device, kind

    def entries(self) -> Iterator[FileEntry]:
        where, args = self._range()
        sql = f"SELECT name, kind, size, mtime, mode FROM m WHERE 1{where} ORDER BY name"
        for name, kind, size, mtime, mode in self.conn.execute(sql, args):
            device = self.layout.to_device(name)
            if device is not None:
                yield FileEntry(device, kind == DIR, size, utc_time(mtime), mode)

    def facts(self) -> dict[str, Any]:
        facts = super().facts()
        facts["members"] = self.members
        if self.dump_format == "zip":  # DOS times have no zone; they were read as UTC
            facts["zip_times_without_zone"] = self.dos_times
        return facts

    def describe(self, device_path: str) -> str:
        return f"{self.archive.name}:{self.layout.to_name(device_path)}"

    def origin(self, device_path: str) -> Path | None:
        return self.archive

    # -- extraction ---------------------------------------------------------------------------
    def _found(self, paths: list[str]) -> None:
        self._pending.update(paths)

    def local(self, device_path: str) -> Path:
        if device_path not in self._local and device_path not in self._failed:
            batch, self._pending = self._pending | {device_path}, set()
            self._extract(batch)
        if device_path in self._local:
            return self._local[device_path]
        raise self._failed[device_path]

    def _extract(self, device_paths: Iterable[str]) -> None:
        """Extract the members behind ``device_paths`` and their SQLite siblings, in one pass."""
        wanted: dict[str, list[str]] = {}  # member name -> device paths it serves
        for device_path in device_paths:
            if device_path in self._local or device_path in self._failed:
                continue
            try:
                name = self.layout.to_name(self._regular(device_path))
            except InputError as exc:
                self._failed[device_path] = exc
                continue
            if name is not None:
                wanted.setdefault(name, []).append(device_path)
        jobs: list[tuple[Member, Path, str]] = []  # (member, destination, main member name)
        dest_of: dict[str, Path] = {}
        for name in sorted(wanted):
            folder = self.space.folder()
            base = name.rpartition("/")[2]
            dest_of[name] = folder / base
            for suffix in ("", *SQLITE_SIBLINGS):
                member = self._member(name + suffix)
                if member is not None and member.kind == FILE:
                    jobs.append((member, folder / (base + suffix), name))
        jobs.sort(key=lambda job: job[0].loc)
        failures = self._run_jobs(jobs)
        for name, device_list in wanted.items():
            for device_path in device_list:
                if name in failures:
                    self._failed[device_path] = InputError(f"{device_path}: {failures[name]}")
                else:
                    self._local[device_path] = dest_of[name]

    def _run_jobs(self, jobs: list[tuple[Member, Path, str]]) -> dict[str, str]:
        """Copy each member out; return main member name -> why it (or a sibling) failed."""
        failures: dict[str, str] = {}
        if not jobs:
            return failures
        try:
            with open_reader(self.archive, self.dump_format) as reader:
                for member, dest, main in jobs:
                    if main in failures:
                        continue
                    why = self._copy_out(reader, member, dest)
                    if why is not None:
                        failures[main] = why
        except ARCHIVE_ERRORS as exc:
            for _, _, main in jobs:
                failures.setdefault(main, f"cannot reopen {self.archive.name}: {exc}")
        return failures

    def _copy_out(self, reader: Reader, row: Member, dest: Path) -> str | None:
        """Extract one member under the guard's limits; None, or why it was not extracted."""
        entry = row.entry()
        try:
            check_member(entry)
            self.space.reserve(entry.size or 0, entry.label())
            with reader(row) as handle:
                copy_capped(handle, dest, entry.size or 0, entry.label())
            dest.chmod(0o400)
        except InputError as exc:
            return str(exc)
        except MEMBER_ERRORS as exc:
            return (
                f"cannot extract {entry.label()} from "
                f"{self.archive.name}: {type(exc).__name__}: {exc}"
            )
        return None

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.space.close()


@source_opener(priority=20)
def open_archive(path: Path, options: SourceOptions) -> Source | None:
    """A .tar, .tar.gz/.tgz or .zip whose members hold an iOS device root."""
    if not path.is_file():
        return None
    fmt = sniff(path)
    if fmt is None:
        return None
    return ArchiveDump.open(path, fmt, options.timezone)
