"""Android backups (``adb backup``, ``.ab``), plain or password-encrypted, and their unpacked form.

Format (AOSP ``BackupManagerService``/``PerformAdbBackupTask`` and ``PerformAdbRestoreTask``;
nelenkov/android-backup-extractor): a text header of ``\\n``-terminated lines

    ANDROID BACKUP / <version 1-5> / <compressed 0|1> / <none|AES-256>

and, when encrypted, five more: user password salt (hex), master key checksum salt (hex),
PBKDF2 rounds, user key IV (hex), master key blob (hex). The user key is
PBKDF2-HMAC-SHA1(password, user salt, rounds, 256 bits); it decrypts the blob (AES-256-CBC,
PKCS#5 padding) into ``[len][IV][len][master key][len][checksum]``; the checksum is
PBKDF2-HMAC-SHA1 of the master key *as a Java char array* with the checksum salt. Java turns each
signed byte into a char (0x80-0xFF become U+FF80-U+FFFF) and, from version 2 on
(``PBKDF2WithHmacSHA1``), hashes those chars as UTF-8; version 1 used the 8-bit variant
(``PBKDF2WithHmacSHA1And8bit``, the low byte of each char), which restore still tries for
version-1 files (``pbkdf2Fallback``). The rest of the file is AES-256-CBC with the master key and
IV, then (if compressed) a zlib stream (Java ``DeflaterOutputStream``), then a tar archive whose
members are ``apps/<package>/<domain>/<path>`` (``_manifest``, ``a``, ``f``, ``db``, ``sp``,
``d_f``...). The stream is read once, never held in memory; only wanted members are unpacked.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.sources.android_container import (
    DecryptionError,
    FolderTree,
    device_facts,
)
from tracehound.sources.archive import (
    DIR,
    FILE,
    LIMITS,
    MIB,
    ExtractSpace,
    check_stream,
    refusal,
    refusal_text,
    tar_entry,
)
from tracehound.sources.base import Source, SourceOptions, source_opener

MAGIC = b"ANDROID BACKUP\n"
PREFIX = "ab:"
ENCRYPTION = "AES-256"
MAX_VERSION = 5  # PerformAdbRestoreTask refuses archives above BACKUP_FILE_VERSION (5)
_LINE_MAX = 4096
_CHUNK = MIB


@dataclass(frozen=True)
class AbHeader:
    """The parsed text header of a ``.ab`` file."""

    version: int
    compressed: bool
    encryption: str
    data_offset: int
    user_salt: bytes = b""
    checksum_salt: bytes = b""
    rounds: int = 0
    user_iv: bytes = b""
    key_blob: bytes = b""


def _line(handle: IO[bytes], what: str) -> str:
    raw = handle.readline(_LINE_MAX)
    if not raw.endswith(b"\n"):
        raise NotAnAcquisition(f"{what}: damaged Android backup header (line too long or cut)")
    return raw[:-1].decode("ascii", errors="replace")


def _hex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise NotAnAcquisition(f"{what}: damaged Android backup header (bad hex)") from None


def read_header(handle: IO[bytes], what: str) -> AbHeader:
    """Parse the header; the handle is left at the start of the data."""
    if handle.read(len(MAGIC)) != MAGIC:
        raise NotAnAcquisition(f"{what}: not an Android backup (no 'ANDROID BACKUP' header)")
    try:
        version = int(_line(handle, what))
        compressed = int(_line(handle, what)) != 0
    except ValueError:
        raise NotAnAcquisition(f"{what}: damaged Android backup header") from None
    if not 1 <= version <= MAX_VERSION:
        raise NotAnAcquisition(f"{what}: Android backup version {version} is not supported")
    encryption = _line(handle, what)
    if encryption == "none":
        return AbHeader(version, compressed, encryption, handle.tell())
    if encryption != ENCRYPTION:
        raise NotAnAcquisition(f"{what}: unknown Android backup encryption {encryption[:40]!r}")
    user_salt = _hex(_line(handle, what), what)
    checksum_salt = _hex(_line(handle, what), what)
    try:
        rounds = int(_line(handle, what))
    except ValueError:
        raise NotAnAcquisition(f"{what}: damaged Android backup header (rounds)") from None
    user_iv = _hex(_line(handle, what), what)
    blob = _hex(_line(handle, what), what)
    if not 0 < rounds <= 10_000_000 or len(user_iv) != 16:
        raise NotAnAcquisition(f"{what}: damaged Android backup header (rounds or IV)")
    return AbHeader(
        version,
        compressed,
        encryption,
        handle.tell(),
        user_salt,
        checksum_salt,
        rounds,
        user_iv,
        blob,
    )


def java_chars_utf8(data: bytes) -> bytes:
    """Bytes as Java ``(char) byte`` values (sign-extended), encoded as UTF-8."""
    return "".join(chr(b if b < 0x80 else 0xFF00 | b) for b in data).encode("utf-8")


def password_8bit(password: str) -> bytes:
    """The low byte of each UTF-16 unit of ``password`` (``PBKDF2WithHmacSHA1And8bit``)."""
    units = password.encode("utf-16-be")
    return bytes(units[1::2])


def _pbkdf2(secret: bytes, salt: bytes, rounds: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha1", secret, salt, rounds, 32)


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes | None:
    try:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        return None


def _split_blob(blob: bytes) -> tuple[bytes, bytes, bytes] | None:
    parts: list[bytes] = []
    offset = 0
    for _ in range(3):
        if offset >= len(blob):
            return None
        size = blob[offset]
        parts.append(blob[offset + 1 : offset + 1 + size])
        if len(parts[-1]) != size:
            return None
        offset += 1 + size
    return parts[0], parts[1], parts[2]


def unlock(header: AbHeader, password: str) -> tuple[bytes, bytes] | None:
    """The master key and IV, or None when the password is wrong."""
    variants: list[tuple[bytes, Callable[[bytes], bytes]]] = [
        (password.encode("utf-8"), java_chars_utf8)
    ]
    if header.version == 1:
        variants.append((password_8bit(password), bytes))
    for secret, as_chars in variants:
        user_key = _pbkdf2(secret, header.user_salt, header.rounds)
        blob = _aes_cbc_decrypt(user_key, header.user_iv, header.key_blob)
        parts = _split_blob(blob) if blob is not None else None
        if parts is None:
            continue
        iv, master, checksum = parts
        if len(master) != 32 or len(iv) != 16:
            continue
        computed = _pbkdf2(as_chars(master), header.checksum_salt, header.rounds)
        if hmac.compare_digest(computed, checksum):
            return master, iv
    return None


class PlainStream(io.RawIOBase):
    """The tar bytes of a backup: raw data, AES-CBC decrypted and zlib inflated on the fly."""

    def __init__(
        self, raw: IO[bytes], keys: tuple[bytes, bytes] | None, compressed: bool, what: str
    ) -> None:
        self.raw = raw
        self.what = what
        self.decryptor: CipherContext | None = None
        self.unpadder: padding.PaddingContext | None = None
        if keys is not None:
            self.decryptor = Cipher(algorithms.AES(keys[0]), modes.CBC(keys[1])).decryptor()
            self.unpadder = padding.PKCS7(128).unpadder()
        self.inflater = zlib.decompressobj() if compressed else None
        self.pending = b""  # compressed input not inflated yet
        self.buffer = bytearray()
        self.raw_eof = False
        self.consumed = 0
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while not self.buffer and not self._done():
            self._fill()
        size = min(len(view), len(self.buffer))
        view[:size] = self.buffer[:size]
        del self.buffer[:size]
        return size

    def _done(self) -> bool:
        if self.inflater is not None:
            return (self.raw_eof and not self.pending) or self.inflater.eof
        return self.raw_eof

    def _next_raw(self) -> bytes:
        chunk = self.raw.read(_CHUNK)
        self.consumed += len(chunk)
        try:
            if chunk:
                if self.decryptor is None or self.unpadder is None:
                    return chunk
                return self.unpadder.update(self.decryptor.update(chunk))
            self.raw_eof = True
            if self.decryptor is None or self.unpadder is None:
                return b""
            return self.unpadder.update(self.decryptor.finalize()) + self.unpadder.finalize()
        except ValueError as exc:
            raise InputError(f"{self.what}: cannot decrypt the data (damaged or cut)") from exc

    def _fill(self) -> None:
        if self.inflater is None:
            out = self._next_raw()
        else:
            data = self.pending or self._next_raw()
            try:
                out = self.inflater.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise InputError(f"{self.what}: damaged compressed data ({exc})") from exc
            self.pending = self.inflater.unconsumed_tail
        self.produced += len(out)
        check_stream(self.produced, self.consumed, self.what)
        self.buffer.extend(out)

    def trailing(self) -> int:
        """Bytes after the end of the zlib stream, read to the end of the file (0 if none).

        Java's DeflaterOutputStream ends the file with the stream; anything after it was
        appended to the backup and is not part of it."""
        if self.inflater is None or not self.inflater.eof:
            return 0
        count = len(self.inflater.unused_data) + len(self.buffer)
        while not self.raw_eof:
            count += len(self._next_raw())
        return count


@dataclass
class _Member:
    name: str
    is_dir: bool
    size: int | None
    modified: datetime | None
    mode: int | None


def _tar_stream(tar: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    source = tar.extractfile(info)
    if source is None:
        raise InputError(f"{info.name[:200]!r}: not a regular member")
    return source


class AndroidBackup(Source):
    """An ``.ab`` file: members exposed as ``ab:<tar member path>``, unpacked when needed."""

    kind = "android_backup"
    platform = "android"

    def __init__(
        self,
        path: Path,
        options: SourceOptions,
        origin: Path | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(path)
        self.options = options
        self._origin = origin or path
        self.label = label or path.name
        with path.open("rb") as handle:
            self.header = read_header(handle, str(path))
        self._keys: tuple[bytes, bytes] | None = None
        if self.header.encryption != "none":
            self._keys = self._unlock()
        self.temp = ExtractSpace("tracehound-android-")
        self._members: dict[str, _Member] | None = None
        self._local: dict[str, Path] = {}

    def _unlock(self) -> tuple[bytes, bytes]:
        password = self.options.password
        if not password and self.options.password_prompt is not None:
            password = self.options.password_prompt()
        if not password:
            raise DecryptionError(
                f"{self.label}: this Android backup is encrypted; give its password with "
                "--password-file, $TRACEHOUND_BACKUP_PASSWORD or --password"
            )
        keys = unlock(self.header, password)
        if keys is None:
            raise DecryptionError(f"{self.label}: wrong password for this Android backup")
        return keys

    # --- one pass over the tar stream ---------------------------------------------------------

    def _scan(self, wanted: GlobSet | None, names: Iterable[str] = ()) -> None:
        """Read the backup once: list every member, unpack those wanted and not yet unpacked."""
        exact = {PREFIX + n for n in names}
        listing: dict[str, _Member] = {}
        last = "the start"
        try:
            with self.root.open("rb") as raw:
                raw.seek(self.header.data_offset)
                plain = PlainStream(raw, self._keys, self.header.compressed, self.label)
                stream = io.BufferedReader(plain, _CHUNK)
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    for info in tar:
                        last = info.name[:200]
                        member = self._member(info, listing)
                        if member is None or member.is_dir:
                            continue
                        virtual = PREFIX + member.name
                        if virtual in self._local:
                            continue
                        if virtual in exact or (wanted is not None and wanted.matches(virtual)):
                            self._extract(tar, info, member)
                    self._trailing(tar, plain)
        except (tarfile.TarError, EOFError, zlib.error, InputError, OSError) as exc:
            damage = (
                f"{self.label}: backup damaged or cut after member {last!r} ({exc}); later "
                "members were not read"
            )
            self.index_damage = self.index_damage or damage
            self._problem(damage)
        if self._members is None:
            self._members = listing

    def _trailing(self, tar: tarfile.TarFile, plain: PlainStream) -> None:
        """Report data after the tar's end-of-archive block and after the zlib stream."""
        assert tar.fileobj is not None
        tail = nonzero = 0
        while chunk := tar.fileobj.read(_CHUNK):  # after the first zero block (tarfile stops)
            tail += len(chunk)
            nonzero += len(chunk) - chunk.count(0)
        if nonzero:  # zero blocks pad a tar; anything else was appended
            self._problem(
                f"{self.label}: {tail} bytes after the end of the tar archive hold data "
                f"({nonzero} non-zero bytes); not read"
            )
        extra = plain.trailing()
        if extra:
            self._problem(
                f"{self.label}: {extra} bytes after the end of the compressed stream; not read"
            )

    def _member(self, info: tarfile.TarInfo, listing: dict[str, _Member]) -> _Member | None:
        entry = tar_entry(info)
        if refusal(entry) is not None or entry.kind not in (FILE, DIR):
            why = refusal_text(entry) if entry.problem else "is a link; not followed"
            self._problem(f"{self.label}: {entry.label()} {why}, ignored")
            return None
        name = entry.name
        if not name:
            return None
        if name in listing:
            if not info.isdir():
                self._problem(f"{self.label}: member {name!r} appears twice; the first is read")
            return None
        if len(listing) >= LIMITS.members:
            return None
        modified = datetime.fromtimestamp(info.mtime, UTC) if info.mtime > 0 else None
        member = _Member(
            name, info.isdir(), None if info.isdir() else info.size, modified, info.mode
        )
        listing[name] = member
        return member

    def _extract(self, tar: tarfile.TarFile, info: tarfile.TarInfo, member: _Member) -> None:
        """Unpack one member (the stream is read once: members are copied as they pass)."""
        entry = tar_entry(info)
        dest = self.temp.slot(member.name)
        try:
            self.temp.extract(entry, lambda _: _tar_stream(tar, info), dest)
        except InputError as exc:  # refused or cut: named; the stream goes on if it can
            self._problem(f"{self.label}: {exc}")
            return
        self._local[PREFIX + member.name] = dest

    def _problem(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def _listing(self) -> dict[str, _Member]:
        if self._members is None:
            self._scan(None)
        return self._members or {}

    # --- Source interface ----------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "platform": self.platform,
            "container": "ab",
            **device_facts({}, self.options),
            "backup_version": self.header.version,
            "compressed": self.header.compressed,
            "encrypted": self.header.encryption != "none",
        }

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        own = [p for p in wanted if p.startswith(PREFIX)]
        if not own:
            return result
        globs = GlobSet(own)
        self._scan(globs)
        for name, member in self._listing().items():
            if member.is_dir:
                continue
            for pattern in globs.matches(PREFIX + name):
                result[pattern].append(PREFIX + name)
        for paths in result.values():
            paths.sort()
        return result

    def local(self, device_path: str) -> Path:
        path = self._local.get(device_path)
        if path is None and device_path.startswith(PREFIX):
            self._scan(None, [device_path[len(PREFIX) :]])
            path = self._local.get(device_path)
        if path is None:
            raise InputError(f"{device_path}: not in {self.label} (or could not be unpacked)")
        return path

    def origin(self, device_path: str) -> Path | None:
        return self._origin

    def describe(self, device_path: str) -> str:
        return f"{self.label}:{device_path.removeprefix(PREFIX)}"

    def entries(self) -> Iterator[FileEntry]:
        for member in self._listing().values():
            yield FileEntry(
                path=PREFIX + member.name,
                is_dir=member.is_dir,
                size=member.size,
                modified=member.modified,
                mode=member.mode,
            )

    def close(self) -> None:
        self.temp.close()


_APP_DOMAINS = {
    "_manifest",
    "a",
    "f",
    "db",
    "sp",
    "r",
    "c",
    "ef",
    "k",
    "d_f",
    "d_db",
    "d_sp",
    "d_r",
    "obb",
}


def looks_like_backup_folder(path: Path) -> bool:
    """A folder unpacked from an ``.ab`` tar: ``apps/<package>/<domain>/...``."""
    apps = path / "apps"
    if not apps.is_dir() or apps.is_symlink():
        return False
    for count, package in enumerate(sorted(apps.iterdir())):
        if count > 200:
            break
        if package.is_dir() and any((package / d).exists() for d in _APP_DOMAINS):
            return True
    return False


class AndroidBackupFolder(Source):
    """The unpacked tar of an Android backup (``apps/<package>/...``), as ``ab:<path>``."""

    kind = "android_backup"
    platform = "android"

    def __init__(self, root: Path, options: SourceOptions) -> None:
        super().__init__(root)
        self.options = options
        self.tree = FolderTree(root)
        self.errors.extend(self.tree.problems)

    def facts(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "platform": self.platform,
            "container": "folder",
            **device_facts({}, self.options),
            "packages": sorted(
                rel.split("/")[1] for rel in self.tree.dirs if re.fullmatch(r"apps/[^/]+", rel)
            ),
        }

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        globs = GlobSet([p for p in wanted if p.startswith(PREFIX)])
        for rel in sorted(self.tree.files):
            for pattern in globs.matches(PREFIX + rel):
                result[pattern].append(PREFIX + rel)
        return result

    def local(self, device_path: str) -> Path:
        if not device_path.startswith(PREFIX):
            raise InputError(f"{device_path}: not in this backup folder")
        return self.tree.local(device_path[len(PREFIX) :])

    def describe(self, device_path: str) -> str:
        return device_path.removeprefix(PREFIX)

    def entries(self) -> Iterator[FileEntry]:
        return self.tree.entries(PREFIX, self.options.timezone)


def open_nested(
    path: Path, options: SourceOptions, origin: Path | None, label: str
) -> AndroidBackup:
    """The ``backup.ab`` inside another acquisition (androidqf)."""
    return AndroidBackup(path, options, origin=origin, label=label)


@source_opener(priority=15)
def open_android_backup(path: Path, options: SourceOptions) -> Source | None:
    """An ``.ab`` file (by its header), or a folder unpacked from one."""
    if path.is_file():
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
        return AndroidBackup(path, options)
    if path.is_dir() and looks_like_backup_folder(path):
        return AndroidBackupFolder(path, options)
    return None
