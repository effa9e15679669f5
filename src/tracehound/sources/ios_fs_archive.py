"""An iOS full filesystem dump inside a .tar, .tar.gz/.tgz or .zip archive, read in place.

Archives are never extracted as a whole. Opening one reads its member list once into a private
SQLite index (memory stays flat for a million members); lookups, globbing and the file listing
(``entries()``, walked once per listing artifact) are queries on that index, never a new pass
over the archive. A .tar.gz can only be read in order, so ``find()`` remembers the files the
artifacts need and the first ``local()`` extracts all of them, and their SQLite
``-wal``/``-shm``/``-journal`` siblings, in ONE pass in archive order; later single files reopen
the archive. Plain tar and zip members are read by offset.

Guards: names with ``..`` or an absolute path are not exposed (counted, reported); tar hard links
whose target is not a member are refused like links leaving the dump; an extracted member may not
exceed MAX_MEMBER_BYTES, a zip member may not expand more than MAX_MEMBER_RATIO times, and all
extractions together may not exceed MAX_TOTAL_RATIO times the archive's size (with a floor), so a
decompression bomb is refused with an InputError naming the member. Extracted copies live in a
private temporary folder (mode 0700) removed by ``close()`` or, failing that, when the source is
garbage collected. The opener, ``open_archive``, is registered in ``ios_fs``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tarfile
import tempfile
import weakref
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.sources.base import FileEntry
from tracehound.sources.ios_fs import (
    DIR,
    FILE,
    MAX_NOTES,
    SYSTEM_VERSION,
    FilesystemDump,
    Layout,
    LinkEscape,
    Matcher,
    clean_name,
    utc_time,
)
from tracehound.sources.ios_fs_members import (
    ARCHIVE_ERRORS,
    COLUMNS,
    MEMBER_ERRORS,
    SCHEMA,
    Indexer,
    Member,
    Reader,
    copy_capped,
    nonzero_tail,
    open_reader,
    tar_member,
    zip_member,
)

MAX_MEMBER_BYTES = 4 * 1024**3
MAX_MEMBER_RATIO = 1024  # zip: uncompressed / compressed, above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2
MAX_TOTAL_RATIO = 100  # all extractions (and a compressed tar's index pass) / archive size
TOTAL_FLOOR_BYTES = 1024**3
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".zip")


class ArchiveDump(FilesystemDump):
    """A dump inside a tar (plain or compressed) or zip archive, read without unpacking it."""

    def __init__(self, archive: Path, fmt: str, tmp: Path, conn: sqlite3.Connection) -> None:
        super().__init__(archive, Layout("", ""))
        self.archive = archive
        self.dump_format = fmt
        self.tmp = tmp
        self._conn = conn
        self._conn_pid = os.getpid()
        self.members = 0
        self.dos_times = 0
        self._local: dict[str, Path] = {}
        self._failed: dict[str, InputError] = {}
        self._pending: set[str] = {SYSTEM_VERSION}
        self._extracted_bytes = 0
        self._copies = 0
        self._size = archive.stat().st_size
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(tmp), ignore_errors=True)

    @property
    def total_limit(self) -> int:
        return max(TOTAL_FLOOR_BYTES, MAX_TOTAL_RATIO * self._size)

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
    def open(cls, archive: Path, fmt: str) -> ArchiveDump | None:
        """Index ``archive``; None when it holds no iOS device root."""
        tmp = Path(tempfile.mkdtemp(prefix="tracehound-ffs-"))
        tmp.chmod(0o700)
        conn = sqlite3.connect(tmp / "index.db")
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        source = cls(archive, fmt, tmp, conn)
        try:
            if source._index() is None:
                source.close()
                return None
        except BaseException:
            source.close()
            raise
        return source

    def _index(self) -> Layout | None:
        indexer = Indexer(self.conn)
        if not self._read_members(indexer):
            return None
        indexer.finish()
        if not indexer.layouts:
            return None
        self.layout = indexer.layouts[0]
        for other in indexer.layouts[1:]:
            self._note(
                f"{self.archive.name}: also holds a device root under {other.describe()!r}; "
                f"only {self.layout.describe()!r} was read"
            )
        self.members, self.dos_times = indexer.count, indexer.dos_times
        self.skipped = len(indexer.unsafe)
        for problem in indexer.unsafe[:MAX_NOTES]:
            self._note(f"{self.archive.name}: member {problem}; not read")
        return self.layout

    def _read_members(self, indexer: Indexer) -> bool:
        """Index every member; False when a damaged file holds no device root (not ours)."""
        try:
            if self.dump_format == "zip":
                self._index_zip(indexer)
            else:
                self._index_tar(indexer)
        except (*ARCHIVE_ERRORS, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not indexer.layouts:
                if self.archive.name.lower().endswith(ARCHIVE_SUFFIXES):
                    raise NotAnAcquisition(
                        f"{self.archive}: cannot read the archive ({reason})"
                    ) from exc
                return False
            self._note(
                f"{self.archive.name}: the archive is damaged after {indexer.count} members "
                f"({reason}); the rest was not read"
            )
        return True

    def _index_zip(self, indexer: Indexer) -> None:
        with zipfile.ZipFile(self.archive) as zf:
            for info in zf.infolist():
                indexer.add(zip_member(info, indexer, zf))

    def _index_tar(self, indexer: Indexer) -> None:
        compressed = self.dump_format != "tar"
        with tarfile.open(self.archive, "r:*") as tf:
            members: list[tarfile.TarInfo] = getattr(tf, "members")  # noqa: B009 - untyped
            end = 0
            while (info := tf.next()) is not None:
                members.clear()  # keep memory flat: the index is ours
                indexer.add(tar_member(info))
                end = tf.offset
                if compressed and end > self.total_limit:
                    raise tarfile.ReadError(
                        f"decompression bomb guard: the archive expands beyond {MAX_TOTAL_RATIO} "
                        f"times its size at member {info.name[:200]!r}"
                    )
            if nonzero_tail(tf, end):
                raise tarfile.ReadError(f"invalid member header at offset {end}")

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

    def _candidates(self, matcher: Matcher) -> Iterator[tuple[str, str]]:
        where, args = self._range()
        sql = f"SELECT name, kind FROM m WHERE kind IN ('f', 'l', 'h'){where}"
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
            self._copies += 1
            folder = self.tmp / "files" / str(self._copies)
            folder.mkdir(parents=True, mode=0o700)
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

    def _copy_out(self, reader: Reader, member: Member, dest: Path) -> str | None:
        """Extract one member under the bomb guards; None, or why it was not extracted."""
        try:
            self._check_size(member)
            with reader(member) as handle:
                self._extracted_bytes += copy_capped(handle, dest, member.size or 0)
            dest.chmod(0o400)
        except InputError as exc:
            return str(exc)
        except MEMBER_ERRORS as exc:
            return (
                f"cannot extract member {member.raw[:200]!r} from "
                f"{self.archive.name}: {type(exc).__name__}: {exc}"
            )
        return None

    def _check_size(self, member: Member) -> None:
        size = member.size or 0
        label = f"member {member.raw[:200]!r}"
        if size > MAX_MEMBER_BYTES:
            raise InputError(
                f"{label} is {size} bytes, over the {MAX_MEMBER_BYTES} byte limit; not extracted "
                "(decompression bomb guard)"
            )
        if (
            member.csize is not None
            and size > RATIO_MIN_BYTES
            and size > MAX_MEMBER_RATIO * max(member.csize, 1)
        ):
            raise InputError(
                f"{label} expands {size // max(member.csize, 1)} times (limit "
                f"{MAX_MEMBER_RATIO}); not extracted (decompression bomb guard)"
            )
        if self._extracted_bytes + size > self.total_limit:
            raise InputError(
                f"{label}: extracting it would exceed {self.total_limit} bytes in all "
                f"({MAX_TOTAL_RATIO} times the archive); not extracted (decompression bomb guard)"
            )

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self._finalizer()
