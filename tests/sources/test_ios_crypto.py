from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tracehound.core.errors import EncryptedBackup, InputError
from tracehound.sources import ios_crypto
from tracehound.sources.ios_crypto import (
    BackupKeys,
    DamagedKeybag,
    Keybag,
    WrongPassword,
    build_keybag,
    class_prefixed,
    decrypt_bytes,
    decrypt_file,
    encrypt_bytes,
    split_wrapped,
    unlock,
    wrap_key,
)


def item(tag: bytes, value: bytes) -> bytes:
    return tag + len(value).to_bytes(4, "big") + value


def test_keybag_round_trip() -> None:
    bag, keys = build_keybag("correct horse")
    data = bag.to_bytes()
    parsed = Keybag.parse(data)
    assert parsed.to_bytes() == data
    assert parsed.header == bag.header
    assert [k.clas for k in parsed.class_keys] == list(range(1, 12))
    assert parsed.number("TYPE") == 1 and parsed.number("VERS") == 4
    assert parsed.number("DPIC") == 1000 and parsed.number("ITER") == 10
    assert parsed.class_keys[1].ktyp == 1 and parsed.class_keys[1].pbky is not None
    assert parsed.class_keys[2].ktyp == 0 and parsed.class_keys[2].pbky is None
    unlocked = unlock(parsed, password="correct horse")
    assert unlocked.key == keys.key
    assert unlocked.class_keys == keys.class_keys
    assert all(len(k) == 32 for k in unlocked.class_keys.values())


def test_derivation_is_sha256_then_sha1_pbkdf2() -> None:
    # Computed independently with hashlib: PBKDF2-SHA256 (DPSL, DPIC), PBKDF2-SHA1 (SALT, ITER).
    bag, keys = build_keybag("pässword", dpic=1234, iterations=17)
    dpsl, salt = bag.get("DPSL"), bag.get("SALT")
    assert dpsl is not None and salt is not None
    first = hashlib.pbkdf2_hmac("sha256", "pässword".encode(), dpsl, 1234, 32)
    assert keys.key == hashlib.pbkdf2_hmac("sha1", first, salt, 17, 32)


def test_old_keybag_without_dpsl_uses_only_the_sha1_round() -> None:
    salt = b"s" * 20
    kek = hashlib.pbkdf2_hmac("sha1", b"pw", salt, 5, 32)
    class_key = bytes(range(32))
    data = b"".join(
        [
            item(b"VERS", (3).to_bytes(4, "big")),
            item(b"TYPE", (1).to_bytes(4, "big")),
            item(b"UUID", b"u" * 16),
            item(b"WRAP", (2).to_bytes(4, "big")),
            item(b"SALT", salt),
            item(b"ITER", (5).to_bytes(4, "big")),
            item(b"UUID", b"k" * 16),
            item(b"CLAS", (3).to_bytes(4, "big")),
            item(b"WRAP", (2).to_bytes(4, "big")),
            item(b"KTYP", (0).to_bytes(4, "big")),
            item(b"WPKY", wrap_key(kek, class_key)),
        ]
    )
    unlocked = unlock(Keybag.parse(data), password="pw")
    assert unlocked.key == kek and unlocked.class_keys == {3: class_key}


def test_device_bound_class_keys_are_not_offered() -> None:
    bag, keys = build_keybag("pw", classes=(3, 9))
    bag.class_keys[1].wrap = 3  # ThisDeviceOnly: also wrapped with the device UID
    unlocked = unlock(Keybag.parse(bag.to_bytes()), password="pw")
    assert set(unlocked.class_keys) == {3}
    assert unlocked.class_keys[3] == keys.class_keys[3]


def test_rfc3394_vector() -> None:
    # RFC 3394 section 4.6: 256-bit key data wrapped with a 256-bit KEK.
    kek = bytes(range(32))
    data = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    wrapped = bytes.fromhex(
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    )
    assert wrap_key(kek, data) == wrapped
    keys = BackupKeys(key=b"", class_keys={4: kek})
    assert keys.unwrap(class_prefixed(4, wrapped)) == data


def test_wrong_password_is_a_clear_error() -> None:
    bag, _ = build_keybag("right")
    with pytest.raises(WrongPassword, match="wrong password or key") as info:
        unlock(Keybag.parse(bag.to_bytes()), password="wrong")
    assert isinstance(info.value, EncryptedBackup) and info.value.exit_code == 4
    with pytest.raises(WrongPassword, match="32 bytes"):
        unlock(bag, key=b"\x00" * 16)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[:-5], "runs past the end"),
        (lambda d: d + b"abc", "ends inside an item header"),
        (lambda d: b"", "no BackupKeyBag"),
        (lambda d: d.replace(b"SALT", b"XALT"), "no SALT"),
        (
            lambda d: d.replace(item(b"DPIC", (1000).to_bytes(4, "big")), b""),
            "only one of DPSL and DPIC",
        ),
        (
            lambda d: d.replace(
                item(b"DPIC", (1000).to_bytes(4, "big")), item(b"DPIC", b"\xff\xff\xff\xff")
            ),
            "not a plausible round count",
        ),
        (
            lambda d: d.replace(item(b"TYPE", (1).to_bytes(4, "big")), item(b"TYPE", bytes(4))),
            "not a backup keybag",
        ),
    ],
)
def test_damaged_keybag_is_a_clear_error(damage, message) -> None:  # type: ignore[no-untyped-def]
    bag, _ = build_keybag("pw")
    with pytest.raises(DamagedKeybag, match=message) as info:
        Keybag.parse(damage(bag.to_bytes()))
    assert info.value.exit_code == 4


def test_not_bytes_and_bad_class_key() -> None:
    with pytest.raises(DamagedKeybag, match="no BackupKeyBag"):
        Keybag.parse("text")
    bag, _ = build_keybag("pw", classes=(3,))
    bag.class_keys[0].wpky = b"short"
    with pytest.raises(DamagedKeybag, match="5 bytes, not 40"):
        Keybag.parse(bag.to_bytes())


def test_second_class_key_damaged_is_a_damaged_keybag_not_a_wrong_password() -> None:
    bag, _ = build_keybag("pw", classes=(1, 3))
    wpky = bytearray(bag.class_keys[1].wpky)
    wpky[10] ^= 0xFF
    bag.class_keys[1].wpky = bytes(wpky)
    with pytest.raises(DamagedKeybag, match="class key 3 does not unwrap"):
        unlock(Keybag.parse(bag.to_bytes()), password="pw")


def test_unwrap_errors_are_input_errors() -> None:
    _, keys = build_keybag("pw", classes=(3,))
    key = bytes(32)
    wrapped = class_prefixed(3, wrap_key(keys.class_keys[3], key))
    assert keys.unwrap(wrapped) == key
    assert split_wrapped(wrapped)[0] == 3
    with pytest.raises(InputError, match="protection class 4"):
        keys.unwrap(wrapped, protection_class=4)
    with pytest.raises(InputError, match="does not unwrap"):
        keys.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]))
    with pytest.raises(InputError, match="wrapped key is 3 bytes"):
        keys.unwrap(b"abc")


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 4096])
def test_encrypt_decrypt_round_trip(size: int) -> None:
    key = bytes(range(32))
    data = bytes(i % 251 for i in range(size))
    cipher = encrypt_bytes(data, key)
    assert len(cipher) == (size // 16 + 1) * 16  # PKCS#7 always adds padding
    assert decrypt_bytes(cipher, key) == data


def test_decrypt_file_streams_across_chunks(tmp_path: Path) -> None:
    key = bytes(range(32))
    data = bytes(i % 253 for i in range(ios_crypto.CHUNK + 1000))
    (tmp_path / "enc").write_bytes(encrypt_bytes(data, key))
    assert decrypt_file(tmp_path / "enc", tmp_path / "out", key, size=len(data)) == len(data)
    assert (tmp_path / "out").read_bytes() == data
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o600


def test_decrypt_file_failures_leave_nothing(tmp_path: Path) -> None:
    key = bytes(range(32))
    cipher = encrypt_bytes(b"x" * 100, key)
    enc = tmp_path / "enc"
    out = tmp_path / "out"
    enc.write_bytes(cipher[:-1] + bytes([cipher[-1] ^ 0x55]))
    with pytest.raises(InputError, match="bad padding"):
        decrypt_file(enc, out, key)
    assert not out.exists()
    enc.write_bytes(cipher[:-3])
    with pytest.raises(InputError, match="not a whole number of AES blocks"):
        decrypt_file(enc, out, key)
    enc.write_bytes(cipher)
    with pytest.raises(InputError, match="gives Size 99"):
        decrypt_file(enc, out, key, size=99)
    assert not out.exists()
    with pytest.raises(InputError, match="bad padding"):
        decrypt_file(enc, out, bytes(32))
    assert not out.exists()
    out.write_bytes(b"someone else's")
    with pytest.raises(InputError, match="cannot write"):
        decrypt_file(enc, out, key)
    assert out.read_bytes() == b"someone else's"  # never overwritten nor removed
