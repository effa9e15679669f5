"""An iTunes/Finder backup folder (iOS 10 and later: Manifest.db), encrypted or not.

Layout facts (Apple's backup format as documented by MVT, iLEAPP and triangle_check):
``Info.plist`` (device facts, installed apps), ``Manifest.plist`` (``IsEncrypted``, ``Lockdown``
facts, keybag), ``Status.plist`` (backup state), ``Manifest.db`` (table ``Files``); each file is
stored as ``<first two hex chars of fileID>/<fileID>``. Backup metadata files are exposed under the
virtual paths ``backup:<name>`` so that parsers can declare them like device paths.

Encrypted backups (format in sources/ios_crypto.py) are unlocked when the source opens, with the
backup key (``--key-file``) or the password (option, file, environment or prompt). Manifest.db is
decrypted at once (the file index is needed to find anything); every other file is decrypted only
when a parser asks for it (``local``). Plaintext goes to one private temporary folder (mode 0700,
outside the evidence), one sub-folder per file so that the evidence log's folder listings do not
change as later files are decrypted; ``close`` removes it, and a finalizer removes it at exit if
``close`` was never reached. Info.plist, Status.plist and Manifest.plist are plaintext in
encrypted backups too and are read in place.
"""

from __future__ import annotations

import os
import plistlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.errors import EncryptedBackup, InputError, MissingInput, NotAnAcquisition
from tracehound.core.glob import GlobSet
from tracehound.core.ios_domains import device_paths
from tracehound.core.tempspace import TempSpace
from tracehound.core.timeutil import as_utc, iso
from tracehound.parsers.common import columnar, plist
from tracehound.parsers.common.sqlite import SQLITE_MAGIC, open_readonly, truncation
from tracehound.sources import ios_crypto
from tracehound.sources.base import Source, SourceOptions, source_opener

META_FILES = ("Manifest.db", "Info.plist", "Manifest.plist", "Status.plist")
SQLITE_SIDECARS = ("-wal", "-shm")
#: Files rows matched at once by the Manifest.db scan (a few Arrow passes per glob per chunk).
_SCAN_ROWS = 65_536
#: The storage class of each column of the Files scan, made sure by the query itself (a CAST,
#: typeof tests, a CASE): the ADBC reader needs no signature of classes (columnar.batches).
_SCAN_CLASSES = {"fileID": "text", "domain": "text", "relativePath": "text", "blob": "blob"}
VIRTUAL_PREFIX = "backup:"
HOW_TO_UNLOCK = (
    "this backup is encrypted and tracehound needs its password: give it with --password-file "
    "FILE, the TRACEHOUND_BACKUP_PASSWORD environment variable or --password, or give the key "
    "printed by 'tracehound extract-key' with --key-file"
)


def looks_like_backup(folder: Path) -> bool:
    """True if ``folder`` holds any of the backup metadata files."""
    return any((folder / name).is_file() for name in (*META_FILES, "Manifest.mbdb"))


def read_plist(path: Path) -> dict[str, Any] | None:
    """A backup metadata plist (a dictionary), None when absent; NotAnAcquisition if damaged."""
    try:
        return load_metadata_plist(path)
    except InputError as exc:
        raise NotAnAcquisition(str(exc)) from exc


def load_metadata_plist(path: Path) -> dict[str, Any] | None:
    """A backup metadata plist (a dictionary), None when absent; InputError if damaged."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            obj = plistlib.load(handle)
    except Exception as exc:  # plistlib raises many types on damaged input
        raise InputError(f"{path}: damaged property list ({type(exc).__name__}: {exc})") from exc
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a dictionary, found {type(obj).__name__}")
    return obj


def unlock_keybag(
    root: Path, manifest_plist: dict[str, Any], options: SourceOptions
) -> ios_crypto.BackupKeys:
    """Unlock an encrypted backup's keybag with ``options`` (key, password or prompt).

    Raises EncryptedBackup (needs a password), WrongPassword or DamagedKeybag with the backup's
    path in the message.
    """
    if options.key is None and options.password is None and options.password_prompt is None:
        raise EncryptedBackup(f"{root}: {HOW_TO_UNLOCK}")
    # A damaged keybag is reported before the prompt: no password would help.
    try:
        keybag = ios_crypto.Keybag.parse(manifest_plist.get("BackupKeyBag"))
    except ios_crypto.DamagedKeybag as exc:
        raise ios_crypto.DamagedKeybag(f"{root / 'Manifest.plist'}: {exc}") from None
    password = options.password
    if options.key is None and password is None and options.password_prompt is not None:
        password = options.password_prompt()
    try:
        return ios_crypto.unlock(keybag, password=password, key=options.key)
    except ios_crypto.WrongPassword as exc:
        raise ios_crypto.WrongPassword(f"{root}: {exc}") from None
    except ios_crypto.DamagedKeybag as exc:
        raise ios_crypto.DamagedKeybag(f"{root / 'Manifest.plist'}: {exc}") from None


def file_crypto_info(blob: object) -> tuple[bytes | None, int | None, int | None]:
    """(EncryptionKey, ProtectionClass, Size) from a Manifest.db ``file`` blob.

    The key is None for files stored without one (empty files). Raises InputError when the blob
    cannot be decoded.
    """
    if not isinstance(blob, bytes) or not blob:
        raise InputError("its Manifest.db entry has no file metadata (no EncryptionKey)")
    try:
        archive = plist.load(blob)
        objects = archive["$objects"]
        root = objects[archive["$top"]["root"]]
        ref = root.get("EncryptionKey")
        key = None
        if ref is not None:
            data = objects[ref] if isinstance(ref, plistlib.UID) else ref
            key = data.get("NS.data") if isinstance(data, dict) else data
            if not isinstance(key, bytes):
                raise TypeError("EncryptionKey is not data")
    except (InputError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InputError(f"its Manifest.db file metadata cannot be decoded ({exc})") from None

    def integer(name: str) -> int | None:
        value = root.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return key, integer("ProtectionClass"), integer("Size")


class IOSBackup(Source):
    """Read-only view of an iOS backup folder; encrypted ones are decrypted file by file."""

    kind = "ios_backup"
    platform = "ios"

    def __init__(self, root: Path, options: SourceOptions | None = None) -> None:
        super().__init__(root)
        if (root / "Manifest.mbdb").is_file() and not (root / "Manifest.db").is_file():
            raise NotAnAcquisition(
                f"{root}: backup made by iOS 9 or older (Manifest.mbdb); not supported"
            )
        self.manifest_plist = read_plist(root / "Manifest.plist")
        self.encrypted = (self.manifest_plist or {}).get("IsEncrypted") is True
        self.keys: ios_crypto.BackupKeys | None = None
        self._space = TempSpace("tracehound-backup-")  # decrypted copies only
        self._files: dict[str, str] = {}  # device path -> fileID, for matched paths only
        self._blobs: dict[str, bytes] = {}  # device path -> Files.file blob (encrypted only)
        self._plain: dict[str, Path] = {}  # fileID -> decrypted private copy
        self._origins: dict[str, Path] = {}  # device path -> backup file it was staged from
        self.manifest_rows = 0
        #: False when Manifest.db cannot even be opened (absent, not SQLite, undecryptable).
        self._index_readable = True
        #: Damaged Info.plist / Status.plist: name -> problem. They stop nothing: their facts
        #: are unknown and the artifacts reading them are ``error`` (``local`` raises).
        self.metadata_damage: dict[str, str] = {}
        has_db = (root / "Manifest.db").is_file()
        # Info.plist alone is no proof (every macOS app bundle has one); Manifest.plist is.
        if not has_db and self.manifest_plist is None:
            raise NotAnAcquisition(f"{root}: not an iOS backup: Manifest.db is missing")
        if self.encrypted and has_db:
            self.keys = unlock_keybag(root, self.manifest_plist or {}, options or SourceOptions())
        try:
            self.manifest_db = self._manifest_db() if has_db else root / "Manifest.db"
        except BaseException:
            self.close()
            raise
        if not has_db:
            self._damaged_index("Manifest.db is missing from the backup", readable=False)
        self.info_plist = self._metadata("Info.plist")
        self.status_plist = self._metadata("Status.plist")

    def _damaged_index(self, cause: str, readable: bool = True) -> None:
        """Record that Manifest.db cannot be read whole: absence proves nothing any more."""
        if self.index_damage is None:
            self.index_damage = cause
        if cause not in self.errors:
            self.errors.append(cause)
        self._index_readable = self._index_readable and readable

    def _metadata(self, name: str) -> dict[str, Any] | None:
        """Info.plist or Status.plist; a damaged one is recorded, never raised."""
        try:
            return load_metadata_plist(self.root / name)
        except InputError as exc:
            self.metadata_damage[name] = f"{name}: {str(exc).rpartition(name + ': ')[2]}"
            self.errors.append(f"{self.metadata_damage[name]}; the facts it holds are unknown")
            return None

    # -- encryption ----------------------------------------------------------------------

    def _private_folder(self) -> Path:
        """The run's private temporary folder (mode 0700), made on first use."""
        return self._space.root  # removed by close(), or when the source is collected

    def _manifest_db(self) -> Path:
        """Manifest.db, or its decrypted private copy; check that it is SQLite.

        A damaged Manifest.db is recorded as the backup's ``index_damage`` (never raised): the
        backup is still a backup, and its Info.plist can still be read.
        """
        stored = self.root / "Manifest.db"
        wrapped = (self.manifest_plist or {}).get("ManifestKey")
        if self.keys is None or wrapped is None:
            # Encrypted backups from before iOS 10.2 have no ManifestKey: Manifest.db is plain.
            self._check_sqlite(
                stored, "the backup is damaged, or encrypted without Manifest.plist saying so"
            )
            return stored
        try:
            key = self.keys.unwrap(wrapped)
        except InputError as exc:
            raise ios_crypto.DamagedKeybag(
                f"{self.root / 'Manifest.plist'}: ManifestKey: {exc}"
            ) from None
        folder = self._private_folder() / "Manifest"
        folder.mkdir(mode=0o700)
        plain = folder / "Manifest.db"
        try:
            ios_crypto.decrypt_file(stored, plain, key)
        except InputError as exc:
            # The keybag opened with this password, so the file itself is damaged (truncated).
            plain.unlink(missing_ok=True)
            self._damaged_index(f"Manifest.db: cannot decrypt the file index: {exc}", False)
            return stored
        self._origins[VIRTUAL_PREFIX + "Manifest.db"] = stored
        self._check_sqlite(plain, "it does not decrypt to a SQLite database: damaged backup")
        return plain

    def _check_sqlite(self, path: Path, why: str) -> None:
        """Record Manifest.db as damaged when it is not SQLite or is shorter than it says."""
        try:
            with path.open("rb") as handle:
                head = handle.read(100)
        except OSError as exc:
            self._damaged_index(f"Manifest.db: cannot be read ({exc.strerror or exc})", False)
            return
        if head[:16] != SQLITE_MAGIC:
            self._damaged_index(f"Manifest.db: not a SQLite database; {why}", False)
            return
        short = truncation(head, path.stat().st_size)
        if short is not None:
            # Still queried: the pages before the cut may list most files.
            self._damaged_index(f"Manifest.db: {short}")

    def decrypt_to(self, file_id: str, blob: object, stored: Path, target: Path) -> None:
        """Decrypt the backup file ``stored`` (Manifest entry ``file_id``/``blob``) to ``target``.

        A file stored without EncryptionKey must be empty (Apple stores empty files that way);
        it is copied. Raises InputError naming the problem.
        """
        if self.keys is None:
            raise InputError("the backup is not encrypted")
        key, protection_class, size = file_crypto_info(blob)
        if key is None:
            if stored.stat().st_size:
                raise InputError(
                    f"{file_id[:2]}/{file_id} has content but no EncryptionKey in Manifest.db"
                )
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # empty too
            return
        file_key = self.keys.unwrap(key, protection_class)
        ios_crypto.decrypt_file(stored, target, file_key, size)

    def manifest_files(self) -> Iterator[tuple[str, bytes | None]]:
        """(fileID, file blob) of every regular file row of Manifest.db."""
        with open_readonly(self.manifest_db) as conn:
            for file_id, flags, blob in conn.execute("SELECT fileID, flags, file FROM Files"):
                if flags == 1 and isinstance(file_id, str):
                    yield file_id, blob if isinstance(blob, bytes) else None

    def stored_file(self, file_id: str, label: str) -> Path:
        """The backup's own file for ``file_id`` (``<xx>/<fileID>``), checked to be inside."""
        # fileIDs are 40 hex chars; never let a crafted id escape the backup folder.
        if not file_id.isalnum() or len(file_id) < 3:
            raise InputError(f"{label}: invalid fileID {file_id[:60]!r} in Manifest.db")
        path = self.root / file_id[:2] / file_id
        if not path.is_file():
            raise MissingInput(
                f"{label}: listed in Manifest.db but its file {file_id[:2]}/{file_id} is "
                "missing from the backup"
            )
        # A link in the acquisition must not make us read (and copy into results) local files.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InputError(f"{label}: {file_id[:2]}/{file_id} points outside the backup")
        return path

    # -- Source --------------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        info = self.info_plist or {}
        lockdown = (self.manifest_plist or {}).get("Lockdown") or {}
        if not isinstance(lockdown, dict):  # a damaged Manifest.plist: no device facts from it
            problem = f"Manifest.plist: Lockdown is {type(lockdown).__name__}, not a dictionary"
            if problem not in self.errors:
                self.errors.append(problem)
            lockdown = {}
        status = self.status_plist or {}

        def pick(*values: Any) -> Any:
            return next((v for v in values if v not in (None, "")), None)

        date = pick(info.get("Last Backup Date"), (self.manifest_plist or {}).get("Date"))
        return {
            "kind": self.kind,
            "platform": self.platform,
            "device_name": pick(info.get("Device Name"), lockdown.get("DeviceName")),
            "product_type": pick(info.get("Product Type"), lockdown.get("ProductType")),
            "os_version": pick(info.get("Product Version"), lockdown.get("ProductVersion")),
            "os_build": pick(info.get("Build Version"), lockdown.get("BuildVersion")),
            "backup_date": iso(as_utc(date)) if hasattr(date, "year") else None,
            "encrypted": self.encrypted,
            "full_backup": status.get("IsFullBackup"),
            "backup_version": pick(
                status.get("Version"), (self.manifest_plist or {}).get("Version")
            ),
            "metadata_files": [n for n in META_FILES if (self.root / n).is_file()],
            **({"damaged_metadata": sorted(self.metadata_damage)} if self.metadata_damage else {}),
        }

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        for pattern in wanted:
            if pattern.startswith(VIRTUAL_PREFIX):
                name = pattern[len(VIRTUAL_PREFIX) :]
                if (self.root / name).is_file():
                    result[pattern].append(pattern)
        globs = GlobSet([p for p in wanted if not p.startswith(VIRTUAL_PREFIX)])
        try:
            if self._index_readable:
                self._scan_manifest(globs, result)
        except (sqlite3.DatabaseError, InputError) as exc:
            # Keep going with what is readable (Info.plist...); every artifact that found
            # nothing is then ``error``, not "not present" (pipeline), and the run incomplete.
            self._damaged_index(f"Manifest.db: cannot list the backup's files: {exc}")
        for paths in result.values():
            paths.sort()
        return result

    def _scan_manifest(self, globs: GlobSet, result: dict[str, list[str]]) -> None:
        """One pass over Files: matched paths, and the -wal/-shm beside matched databases.

        Column by column (a backup lists a million files, and this runs before any worker
        starts): the device paths of the regular files are built as one Arrow column (each
        domain's root computed once) and matched by ``GlobSet.matching_rows``."""
        # The blob is only needed (for its EncryptionKey) when the backup is encrypted.
        # Only BLOB values (any other value has no key, as the row loop's isinstance test said).
        blob_column = (
            "CASE WHEN typeof(file) = 'blob' THEN file END" if self.keys is not None else "NULL"
        )
        # Regular files (flags 1) with text domain and path, as the row loop kept them; the
        # fileID as text, as str() made it of the real (text) ids.
        query = (
            f"SELECT CAST(fileID AS TEXT) AS fileID, domain, relativePath, {blob_column} AS blob "
            "FROM Files WHERE typeof(flags) IN ('integer', 'real') AND flags = 1 "
            "AND typeof(domain) = 'text' AND typeof(relativePath) = 'text' ORDER BY rowid"
        )
        chunk: list[columnar.Batch] = []
        with open_readonly(self.manifest_db) as conn:
            (self.manifest_rows,) = conn.execute("SELECT count(*) FROM Files").fetchone()
            for batch in columnar.batches(conn, query, known=_SCAN_CLASSES):
                chunk.append(batch)
                if sum(len(b.columns["fileID"]) for b in chunk) >= _SCAN_ROWS:
                    self._match_chunk(globs, result, chunk)
                    chunk = []
            self._match_chunk(globs, result, chunk)

    def _match_chunk(
        self, globs: GlobSet, result: dict[str, list[str]], chunk: list[columnar.Batch]
    ) -> None:
        """Match the paths of some batches of Files rows, as one column."""
        if not chunk:
            return
        paths = device_paths(
            pa.concat_arrays([_strings(b.columns["domain"]) for b in chunk]),
            pa.concat_arrays([_strings(b.columns["relativePath"]) for b in chunk]),
        )
        ids = [i for b in chunk for i in b.columns["fileID"]]
        blobs = [v for b in chunk for v in b.columns["blob"]]
        texts = paths.to_pylist()
        kept: set[int] = set()
        for pattern, rows in globs.matching_rows(paths).items():
            result[pattern].extend(texts[row] for row in rows)
            kept.update(rows)
        # A backup stores a database's -wal/-shm as files of their own (own fileID).
        for suffix in SQLITE_SIDECARS:
            for number in pc.indices_nonzero(pc.ends_with(paths, suffix)).to_pylist():
                if globs.matches(texts[number][: -len(suffix)]):
                    kept.add(number)
        for number in sorted(kept):
            path = texts[number]
            self._files[path] = str(ids[number])
            blob = blobs[number]
            if isinstance(blob, bytes):
                self._blobs[path] = blob

    def own_inputs(self) -> list[tuple[str, Path]]:
        return [
            (VIRTUAL_PREFIX + n, self.root / n) for n in META_FILES if (self.root / n).is_file()
        ]

    def local(self, device_path: str) -> Path:
        if device_path.startswith(VIRTUAL_PREFIX):
            if device_path == VIRTUAL_PREFIX + "Manifest.db":
                return self.manifest_db
            name = device_path[len(VIRTUAL_PREFIX) :]
            if name in self.metadata_damage:
                raise InputError(self.metadata_damage[name])
            return self.root / name
        file_id = self._files.get(device_path)
        if file_id is None:
            raise InputError(f"{device_path}: not listed in Manifest.db")
        stored = self.stored_file(file_id, device_path)
        if self.keys is None:
            if not self._has_sidecars(device_path):
                return stored
            if file_id not in self._plain:
                self._plain[file_id] = self._stage_sidecars(device_path, file_id, stored)
            return self._plain[file_id]
        plain = self._plain.get(file_id)
        if plain is None:
            # One folder per file: earlier folders' listings never change (evidence log).
            folder = self._private_folder() / file_id
            folder.mkdir(mode=0o700, exist_ok=True)
            target = folder / file_id
            target.unlink(missing_ok=True)  # a failed earlier attempt leaves nothing, but be sure
            try:
                self.decrypt_to(file_id, self._blobs.get(device_path), stored, target)
            except InputError as exc:
                raise InputError(f"{file_id[:2]}/{file_id}: cannot decrypt: {exc}") from None
            except OSError as exc:
                raise InputError(f"{file_id[:2]}/{file_id}: cannot decrypt: {exc}") from exc
            if self._has_sidecars(device_path):
                self._stage_sidecars(device_path, file_id, target)
            plain = self._plain[file_id] = target
        self._origins[device_path] = stored
        return plain

    def _has_sidecars(self, device_path: str) -> bool:
        return any(device_path + suffix in self._files for suffix in SQLITE_SIDECARS)

    def _stage_sidecars(self, device_path: str, file_id: str, main: Path) -> Path:
        """Put the database ``main`` and the -wal/-shm Manifest.db lists for it side by side
        in a private folder, named as SQLite expects, so that the -wal is applied (on a private
        copy, parsers/common/sqlite.py) and hashed with it (evidence.py). Plain backup files
        are linked, never copied or moved; encrypted ones are decrypted there."""
        folder = self._private_folder() / file_id
        folder.mkdir(mode=0o700, exist_ok=True)
        target = folder / file_id
        if target != main:
            target.unlink(missing_ok=True)
            target.symlink_to(main)
            self._origins[device_path] = main
        for suffix in SQLITE_SIDECARS:
            side_path = device_path + suffix
            side_id = self._files.get(side_path)
            if side_id is None:
                continue
            dest = folder / (file_id + suffix)
            dest.unlink(missing_ok=True)
            try:
                stored = self.stored_file(side_id, side_path)
                if self.keys is None:
                    dest.symlink_to(stored)
                else:
                    self.decrypt_to(side_id, self._blobs.get(side_path), stored, dest)
            except (InputError, OSError) as exc:
                dest.unlink(missing_ok=True)
                problem = str(exc) if str(exc).startswith(side_path) else f"{side_path}: {exc}"
                self.errors.append(f"{problem}; {device_path} was read without it")
                continue
            self._origins[side_path] = stored
        return target

    def origin(self, device_path: str) -> Path | None:
        return self._origins.get(device_path)

    def describe(self, device_path: str) -> str:
        if device_path.startswith(VIRTUAL_PREFIX):
            return device_path[len(VIRTUAL_PREFIX) :]
        file_id = self._files.get(device_path)
        if file_id is None:
            raise InputError(f"{device_path}: not listed in Manifest.db")
        return str(self.stored_file(file_id, device_path).relative_to(self.root))

    def close(self) -> None:
        """Remove the private folder of decrypted copies (if any)."""
        self._space.close()
        self._plain.clear()


def find_backup(path: Path) -> Path | None:
    """The backup folder at ``path``: itself, or the only backup in it (Finder's ``Backup/``)."""
    if not path.is_dir():
        return None
    if looks_like_backup(path):
        return path
    subdirs = [p for p in sorted(path.iterdir()) if p.is_dir() and looks_like_backup(p)]
    if len(subdirs) == 1:
        return subdirs[0]
    if len(subdirs) > 1:
        names = ", ".join(p.name for p in subdirs[:10])
        raise NotAnAcquisition(f"{path}: holds {len(subdirs)} backups ({names}); choose one")
    return None


@source_opener(priority=50)
def open_backup(path: Path, options: SourceOptions) -> Source | None:
    """A backup folder, or a folder holding exactly one backup (Finder's ``Backup/`` folder)."""
    root = find_backup(path)
    return IOSBackup(root, options) if root is not None else None


def _strings(values: Any) -> pa.Array:
    """A text column of the scan (the query keeps text values only) as Arrow strings."""
    if isinstance(values, columnar.Column):
        return values.array.cast(pa.string())
    return pa.array(values, pa.string())
