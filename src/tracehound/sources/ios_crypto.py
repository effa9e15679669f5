"""Encrypted iTunes/Finder backups: keybag, password to key, key unwrapping, file decryption.

Also the writer side (build a keybag, wrap keys, encrypt files) used by the demo generator.

Facts (Apple Platform Security guide, "keybag" glossary entry; the Stack Overflow answer to
question 1498342 "How to decrypt an encrypted Apple iTunes iPhone backup", after Bédrune and
Sigwald's iphone-dataprotection; jsharkey13/iphone_backup_decrypt; avibrazil/iOSbackup, which MVT
uses):

- ``Manifest.plist`` holds ``BackupKeyBag``: a sequence of items, each a 4-byte ASCII tag, a
  4-byte big-endian length and the value (4-byte values are big-endian integers). The header
  items are ``VERS`` (4 since iOS 12), ``TYPE`` (1 = backup), ``UUID``, ``HMCK``, ``WRAP``,
  ``SALT``, ``ITER``, ``DPWT``, ``DPIC``, ``DPSL``. Each further ``UUID`` starts a class key:
  ``UUID``, ``CLAS`` (protection class), ``WRAP`` (1 = device UID, 2 = password), ``KTYP`` (0 AES,
  1 Curve25519), ``WPKY`` (the 40-byte wrapped class key), optionally ``PBKY``.
- The backup key: PBKDF2-HMAC-SHA256(password, DPSL, DPIC rounds), then PBKDF2-HMAC-SHA1(that,
  SALT, ITER rounds), 32 bytes each (iOS 10.2 and later; older backups have no DPSL/DPIC and only
  the SHA-1 round). Real counts are DPIC 10,000,000 and ITER 10,000. This derived key is what
  ``tracehound extract-key`` prints (MVT's ``extract-key`` prints the same key).
- Class keys: RFC 3394 AES key unwrap of ``WPKY`` with the backup key.
- ``ManifestKey`` in Manifest.plist, and ``EncryptionKey`` (an NSData, ``NS.data``) in each file's
  Manifest.db ``file`` blob: a 4-byte little-endian protection class, then a 40-byte key wrapped
  with that class key.
- Manifest.db and each file: AES-256-CBC, zero IV, PKCS#7 padding; the blob's ``Size`` is the
  plaintext length.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from tracehound.core.errors import EncryptedBackup, InputError

KEY_SIZE = 32
WRAPPED_SIZE = 40
BLOCK = 16
WRAP_DEVICE = 1
WRAP_PASSWORD = 2
BACKUP_KEYBAG = 1
MAX_ROUNDS = 100_000_000  # 10x the real DPIC; more means a damaged or hostile keybag
CHUNK = 1024 * 1024  # a multiple of BLOCK
_ZERO_IV = bytes(BLOCK)
_CLASS_KEY_TAGS = frozenset({b"CLAS", b"WRAP", b"KTYP", b"WPKY", b"PBKY"})


class DamagedKeybag(EncryptedBackup):
    """The backup's keybag (or ManifestKey) cannot be read."""


class WrongPassword(EncryptedBackup):
    """The password or key does not unlock the backup's keybag."""


@dataclass
class ClassKey:
    """One protection class key of a keybag, still wrapped."""

    uuid: bytes
    clas: int
    wrap: int
    ktyp: int
    wpky: bytes
    pbky: bytes | None = None


@dataclass
class Keybag:
    """A parsed backup keybag: header items (raw, in order) and class keys."""

    header: list[tuple[bytes, bytes]]
    class_keys: list[ClassKey] = field(default_factory=list)

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: object) -> Keybag:
        """Parse ``BackupKeyBag``; raise DamagedKeybag saying what is wrong."""
        if not isinstance(data, bytes) or not data:
            raise DamagedKeybag("Manifest.plist has no BackupKeyBag data")
        header: list[tuple[bytes, bytes]] = []
        keys: list[ClassKey] = []
        current: dict[bytes, bytes] | None = None
        seen_uuid = False
        for tag, value in _items(data):
            if tag == b"UUID" and seen_uuid:
                if current is not None:
                    keys.append(_class_key(current))
                current = {b"UUID": value}
            elif tag == b"UUID":
                seen_uuid = True
                header.append((tag, value))
            elif current is not None and tag in _CLASS_KEY_TAGS:
                current[tag] = value
            elif current is None:
                header.append((tag, value))
            # unknown tags inside a class key are ignored (newer iOS may add some)
        if current is not None:
            keys.append(_class_key(current))
        bag = cls(header, keys)
        bag._validate()
        return bag

    def get(self, tag: str) -> bytes | None:
        """The first header value of ``tag`` (raw bytes), or None."""
        raw = tag.encode()
        return next((v for t, v in self.header if t == raw), None)

    def number(self, tag: str) -> int | None:
        """A 4-byte (or 8-byte) big-endian header integer, or None when absent."""
        value = self.get(tag)
        if value is None:
            return None
        if len(value) not in (4, 8):
            raise DamagedKeybag(f"keybag item {tag} is {len(value)} bytes, not an integer")
        return int.from_bytes(value, "big")

    def _validate(self) -> None:
        kind = self.number("TYPE")
        if kind is not None and kind != BACKUP_KEYBAG:
            raise DamagedKeybag(f"keybag TYPE is {kind}, not a backup keybag (1)")
        if not self.get("SALT"):
            raise DamagedKeybag("keybag has no SALT")
        for tag in ("ITER", "DPIC"):
            rounds = self.number(tag)
            if rounds is None and tag == "ITER":
                raise DamagedKeybag("keybag has no ITER")
            if rounds is not None and not 0 < rounds <= MAX_ROUNDS:
                raise DamagedKeybag(f"keybag {tag} = {rounds} is not a plausible round count")
        if (self.get("DPSL") is None) != (self.get("DPIC") is None):
            raise DamagedKeybag("keybag has only one of DPSL and DPIC")
        if not any(k.wrap & WRAP_PASSWORD for k in self.class_keys):
            raise DamagedKeybag("keybag has no password-protected class key")

    # -- unlocking -----------------------------------------------------------------------

    def derive(self, password: str) -> bytes:
        """The backup key for ``password`` (slow by design: DPIC rounds of PBKDF2)."""
        secret = password.encode("utf-8")
        dpsl, dpic = self.get("DPSL"), self.number("DPIC")
        if dpsl is not None and dpic is not None:
            secret = _pbkdf2(hashes.SHA256(), secret, dpsl, dpic)
        # SHA-1 is Apple's choice for this round (HMAC in PBKDF2), not ours to change.
        sha1 = hashes.SHA1()  # noqa: S303
        return _pbkdf2(sha1, secret, self.get("SALT") or b"", self.number("ITER") or 1)

    def unlock(self, key: bytes) -> dict[int, bytes]:
        """Unwrap the password-protected class keys with the backup key ``key``."""
        if len(key) != KEY_SIZE:
            raise WrongPassword(
                f"the key is {len(key)} bytes; a backup key is {KEY_SIZE} bytes "
                f"({2 * KEY_SIZE} hexadecimal digits)"
            )
        found: dict[int, bytes] = {}
        for number, item in enumerate(k for k in self.class_keys if k.wrap & WRAP_PASSWORD):
            try:
                plain = aes_key_unwrap(key, item.wpky)
            except InvalidUnwrap:
                if number == 0:
                    raise WrongPassword(
                        "wrong password or key: it does not unlock the backup's keybag"
                    ) from None
                raise DamagedKeybag(
                    f"class key {item.clas} does not unwrap while others do: damaged keybag"
                ) from None
            # Keys also bound to the device UID (WRAP 3, "ThisDeviceOnly") stay unusable here.
            if not item.wrap & WRAP_DEVICE:
                found[item.clas] = plain
        return found

    # -- writing -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The keybag in Apple's TLV format."""
        out = bytearray()
        for tag, value in self.header:
            out += _item(tag, value)
        for key in self.class_keys:
            out += _item(b"UUID", key.uuid)
            out += _item(b"CLAS", key.clas.to_bytes(4, "big"))
            out += _item(b"WRAP", key.wrap.to_bytes(4, "big"))
            out += _item(b"KTYP", key.ktyp.to_bytes(4, "big"))
            out += _item(b"WPKY", key.wpky)
            if key.pbky is not None:
                out += _item(b"PBKY", key.pbky)
        return bytes(out)


@dataclass(frozen=True)
class BackupKeys:
    """An unlocked keybag: the backup key and the unwrapped class keys."""

    key: bytes
    class_keys: dict[int, bytes]

    def unwrap(self, wrapped: bytes, protection_class: int | None = None) -> bytes:
        """The key in a class-prefixed wrapped key (``ManifestKey``, ``EncryptionKey``).

        ``protection_class`` (the blob's ProtectionClass) wins over the 4-byte prefix, as in the
        public decryptors. Raises InputError when it cannot be unwrapped.
        """
        prefix, blob = split_wrapped(wrapped)
        clas = protection_class if protection_class is not None else prefix
        class_key = self.class_keys.get(clas)
        if class_key is None:
            raise InputError(f"no unlocked class key for protection class {clas}")
        try:
            return aes_key_unwrap(class_key, blob)
        except InvalidUnwrap:
            raise InputError(f"its key does not unwrap with class key {clas}") from None


def unlock(keybag: Keybag, password: str | None = None, key: bytes | None = None) -> BackupKeys:
    """Unlock ``keybag`` with a backup key (preferred) or a password."""
    if key is None:
        if password is None:
            raise EncryptedBackup("no password or key given")
        key = keybag.derive(password)
    return BackupKeys(key, keybag.unlock(key))


def split_wrapped(data: object) -> tuple[int, bytes]:
    """(protection class, 40-byte wrapped key) of a class-prefixed wrapped key."""
    if not isinstance(data, bytes) or len(data) != 4 + WRAPPED_SIZE:
        size = len(data) if isinstance(data, bytes) else type(data).__name__
        raise InputError(f"wrapped key is {size} bytes, expected {4 + WRAPPED_SIZE}")
    return struct.unpack("<I", data[:4])[0], data[4:]


def decrypt_file(src: Path, dst: Path, key: bytes, size: int | None = None) -> int:
    """Decrypt ``src`` (AES-256-CBC, zero IV, PKCS#7) into a new file ``dst`` (mode 0600).

    Streams in 1 MiB chunks. ``size`` (the Manifest's Size) must equal the plaintext length when
    given. On any failure ``dst`` is removed and InputError says why. Returns the plaintext size.
    """
    try:
        total = src.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read the encrypted file: {exc.strerror or exc}") from exc
    if total == 0 or total % BLOCK:
        raise InputError(
            f"encrypted file is {total} bytes, not a whole number of AES blocks: damaged or "
            "truncated"
        )
    written = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(dst, flags, 0o600)
    except OSError as exc:
        raise InputError(f"cannot write the decrypted copy: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as handle:
            for piece in decrypt_stream(_chunks(handle), key):
                out.write(piece)
                written += len(piece)
        if size is not None and size != written:
            raise InputError(
                f"decrypts to {written} bytes but Manifest.db gives Size {size}: damaged file"
            )
    except BaseException as exc:
        dst.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot decrypt: {exc.strerror or exc}") from exc
        raise
    return written


def decrypt_stream(chunks: Iterator[bytes], key: bytes) -> Iterator[bytes]:
    """Plaintext pieces of AES-256-CBC (zero IV) ciphertext ``chunks``; checks the padding."""
    if len(key) != KEY_SIZE:
        raise InputError(f"file key is {len(key)} bytes, expected {KEY_SIZE}")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    for chunk in chunks:
        yield unpadder.update(decryptor.update(chunk))
    try:
        yield unpadder.update(decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        raise InputError(
            "does not decrypt (bad padding): damaged file, or a key that does not fit"
        ) from None


def decrypt_bytes(data: bytes, key: bytes) -> bytes:
    """Decrypt a small AES-256-CBC (zero IV, PKCS#7) buffer."""
    if not data or len(data) % BLOCK:
        raise InputError(f"{len(data)} bytes is not a whole number of AES blocks")
    return b"".join(decrypt_stream(iter((data,)), key))


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


# -- writer side (demo and tests) --------------------------------------------------------


def encrypt_bytes(data: bytes, key: bytes) -> bytes:
    """AES-256-CBC (zero IV) with PKCS#7 padding, as backups store files and Manifest.db."""
    padder = padding.PKCS7(BLOCK * 8).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def wrap_key(kek: bytes, key: bytes) -> bytes:
    """RFC 3394 AES key wrap (32-byte key -> 40 bytes)."""
    return aes_key_wrap(kek, key)


def class_prefixed(protection_class: int, wrapped: bytes) -> bytes:
    """A ``ManifestKey``/``EncryptionKey`` value: 4-byte little-endian class + wrapped key."""
    return struct.pack("<I", protection_class) + wrapped


def build_keybag(
    password: str,
    dpic: int = 1000,
    iterations: int = 10,
    classes: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
) -> tuple[Keybag, BackupKeys]:
    """A new backup keybag protected by ``password`` and its unlocked keys.

    Real backups use DPIC 10,000,000 and ITER 10,000; the defaults are low so tests are fast.
    Class 2 (NSFileProtectionCompleteUnlessOpen) is a Curve25519 key with a public key, as on
    devices; tracehound never needs it.
    """
    header = [
        (b"VERS", (4).to_bytes(4, "big")),
        (b"TYPE", BACKUP_KEYBAG.to_bytes(4, "big")),
        (b"UUID", os.urandom(16)),
        (b"HMCK", os.urandom(WRAPPED_SIZE)),
        (b"WRAP", WRAP_PASSWORD.to_bytes(4, "big")),
        (b"SALT", os.urandom(20)),
        (b"ITER", iterations.to_bytes(4, "big")),
        (b"DPWT", (1).to_bytes(4, "big")),
        (b"DPIC", dpic.to_bytes(4, "big")),
        (b"DPSL", os.urandom(20)),
    ]
    bag = Keybag(header)
    backup_key = bag.derive(password)
    plain: dict[int, bytes] = {}
    for clas in classes:
        plain[clas] = os.urandom(KEY_SIZE)
        bag.class_keys.append(
            ClassKey(
                uuid=os.urandom(16),
                clas=clas,
                wrap=WRAP_PASSWORD,
                ktyp=1 if clas == 2 else 0,
                wpky=wrap_key(backup_key, plain[clas]),
                pbky=os.urandom(32) if clas == 2 else None,
            )
        )
    return bag, BackupKeys(backup_key, plain)


def _item(tag: bytes, value: bytes) -> bytes:
    return tag + len(value).to_bytes(4, "big") + value


def _items(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    at = 0
    while at < len(data):
        if at + 8 > len(data):
            raise DamagedKeybag(f"keybag ends inside an item header at byte {at}")
        tag = data[at : at + 4]
        size = int.from_bytes(data[at + 4 : at + 8], "big")
        if at + 8 + size > len(data):
            raise DamagedKeybag(f"keybag item {tag!r} at byte {at} runs past the end")
        yield tag, data[at + 8 : at + 8 + size]
        at += 8 + size


def _class_key(items: dict[bytes, bytes]) -> ClassKey:
    for tag in (b"CLAS", b"WRAP", b"WPKY"):
        if tag not in items:
            raise DamagedKeybag(f"a class key has no {tag.decode()}")
    numbers = {}
    for tag in (b"CLAS", b"WRAP", b"KTYP"):
        value = items.get(tag, bytes(4))
        if len(value) != 4:
            raise DamagedKeybag(f"class key item {tag.decode()} is {len(value)} bytes, not 4")
        numbers[tag] = int.from_bytes(value, "big")
    if len(items[b"WPKY"]) != WRAPPED_SIZE:
        raise DamagedKeybag(
            f"class key {numbers[b'CLAS']} is {len(items[b'WPKY'])} bytes, not {WRAPPED_SIZE}"
        )
    return ClassKey(
        uuid=items[b"UUID"],
        clas=numbers[b"CLAS"],
        wrap=numbers[b"WRAP"],
        ktyp=numbers[b"KTYP"],
        wpky=items[b"WPKY"],
        pbky=items.get(b"PBKY"),
    )


def _pbkdf2(algorithm: hashes.HashAlgorithm, secret: bytes, salt: bytes, rounds: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=algorithm, length=KEY_SIZE, salt=salt, iterations=rounds)
    return kdf.derive(secret)
