"""Computers trusted for USB debugging (ADB public keys), from ``dumpsys adb``.

Facts: AOSP ``AdbDebuggingManager.dump`` (``ADB MANAGER STATE (dumpsys adb):`` then an indented
``debugging_manager={`` block) writes ``user_keys=`` with the content of
``/data/misc/adb/adb_keys`` (one ``<base64 RSA key> <user@host>`` a line), ``system_keys=``, and
``keystore=`` with ``adb_temp_keys.xml``: ``<adbKey key="<key> <user@host>"
lastConnection="<ms since 1970>" />``, written as XML or, on recent Android, as binary XML (ABX),
so the section may hold binary data. MVT ``dumpsys_adb.py`` (fixtures ``dumpsys_adb.txt``,
``dumpsys_adb_xml.txt``) shows the layout and computes the fingerprint as the MD5 of the decoded
key, upper-case hex pairs joined by ``:`` (as Android's ``getFingerprints``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracehound.core.context import ParseContext
from tracehound.core.records import Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix_ms
from tracehound.parsers.common.dumpsys import DUMPSYS, Dumpsys, sections

_FIELDS = ("user_keys", "system_keys")
_FIELD_RE = re.compile(r"^[a-z_]+=")
_KEY_LINE_RE = re.compile(r"^([A-Za-z0-9+/]{16,}={0,2})(?:\s+(\S.*))?$")
_XML_KEY_RE = re.compile(r"<adbKey\b([^>]*)>")
_ATTR_RE = re.compile(r'(\w+)="([^"]*)"')
#: A key inside binary XML: long base64 text, a space, then a printable user@host comment.
_BINARY_KEY_RE = re.compile(r"([A-Za-z0-9+/]{200,}={0,2}) ([\x21-\x7e]+)")
_MARKERS = ("ADB MANAGER", "debugging_manager", "user_keys", "keystore")


@dataclass(frozen=True, slots=True, kw_only=True)
class AdbKey(Record):
    """One public key of a computer allowed to use ADB."""

    TYPE = "android.dumpsys_adb"
    TS_DESC = "ADB key last connected"

    user: str | None  # the key's comment, usually user@host
    fingerprint: str | None  # MD5 of the key, as Android shows it (AA:BB:...)
    key: str  # base64
    source: str  # "user_keys", "system_keys" or "keystore"


def fingerprint(key: str) -> str | None:
    """Android's fingerprint of an ADB key: MD5 of the decoded key, ``AA:BB:..``."""
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = hashlib.md5(raw, usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _key_fields(body: str) -> dict[str, list[str]]:
    """Lines of the multi-line ``user_keys=``/``system_keys=`` values (ended by a blank line)."""
    found: dict[str, list[str]] = {}
    field = None
    for line in body.splitlines():
        stripped = line.strip()
        if field is not None and (not stripped or _FIELD_RE.match(stripped)):
            field = None
        if field is None:
            key, sep, value = stripped.partition("=")
            if sep and key in _FIELDS:
                field = key
                found.setdefault(field, []).append(value.strip())
            continue
        found[field].append(stripped)
    return found


def _keystore(body: str) -> Iterator[tuple[str, str | None, str | None]]:
    """(key, user, lastConnection) from the keystore, XML or binary."""
    at = body.find("keystore=")
    if at < 0:
        return
    store = body[at + len("keystore=") :]
    if "<adbKey" in store:
        for element in _XML_KEY_RE.finditer(store):
            attrs = dict(_ATTR_RE.findall(element.group(1)))
            key, _, user = attrs.get("key", "").partition(" ")
            if key:
                yield key, user or None, attrs.get("lastConnection")
    else:
        for match in _BINARY_KEY_RE.finditer(store):
            yield match.group(1), match.group(2), None


def _parse(body: str, ctx: ParseContext) -> Iterator[AdbKey]:
    keys: dict[str, tuple[str | None, str]] = {}
    for source, lines in _key_fields(body).items():
        for line in lines:
            if not line:
                continue
            match = _KEY_LINE_RE.match(line)
            if match is None:
                ctx.warn(f"ADB key line not understood: {line[:80]!r}")
                continue
            keys.setdefault(match.group(1), (match.group(2), source))
    connected: dict[str, str | None] = {}
    for key, user, last in _keystore(body):
        keys.setdefault(key, (user, "keystore"))
        connected[key] = last
    for key, (user, source) in keys.items():
        print_ = fingerprint(key)
        if print_ is None:
            ctx.warn(f"ADB key is not base64: {key[:40]!r}")
        last = connected.get(key)
        ts = ctx.time(from_unix_ms, int(last) if last and last.isdigit() else last, None,
                      "lastConnection")  # fmt: skip
        yield AdbKey(ts=ts, user=user, fingerprint=print_, key=key, source=source)


@artifact(record=AdbKey, reader=DUMPSYS)
def parse(dump: Dumpsys, ctx: ParseContext) -> Iterator[AdbKey]:
    """Public keys of computers trusted for USB debugging (dumpsys adb)."""
    for _, body in sections(dump, ("adb",)):
        if body.strip() and not any(marker in body for marker in _MARKERS):
            ctx.warn("adb section not understood: no debugging manager state")
            continue
        yield from _parse(body, ctx)
