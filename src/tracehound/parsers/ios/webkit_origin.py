"""Shared by the WebKit website-data listing artifacts: origins decoded from entry names.

Facts: WebKit names per-origin storage after ``SecurityOriginData::databaseIdentifier()``:
``<scheme>_<host>_<port>``, port 0 when it is the scheme's default, the host passed through
``FileSystem::encodeForFileName`` (``%XX`` escapes for characters such as ``/ \\ : * ? " < > |
%``, ``%+XXXX`` for lone UTF-16 surrogates), and ``file__0`` for local files.
``fromDatabaseIdentifier`` reads the scheme up to the first ``_`` and the port after the last,
so a host may hold ``_`` (WebKit ``SecurityOriginData.cpp``, ``FileSystem.cpp``). LocalStorage
files are ``<identifier>.localstorage`` (WebKit ``LocalStorageManager.cpp``); IndexedDB folders
are ``IndexedDB/<identifier>`` (legacy) or ``IndexedDB/v0|v1/<top origin>/<frame origin>``
(WebKit ``IDBStorageManager.cpp``). MVT's ``WebkitBase`` keeps names starting with ``http``,
reads ``http_``/``https_`` as the scheme and cuts the host at the next ``_``, and dates each
record with a folder's mtime (``mvt/ios/modules/fs/webkit_base.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from tracehound.core.context import ParseContext
from tracehound.core.files import FileEntry
from tracehound.core.records import Record, Url

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_ESCAPE = re.compile(r"%(?:\+([0-9A-Fa-f]{4})|([0-9A-Fa-f]{2}))")
_FORBIDDEN_IN_HOST = set("/?#@\\ \t\r\n")
LOCALSTORAGE_SUFFIX = ".localstorage"
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")


class BadIdentifier(ValueError):
    """A name that claims to be an origin identifier but cannot be decoded."""


def _unescape(text: str) -> str:
    if "%" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code < 0x20 or 0xD800 <= code <= 0xDFFF:
            raise BadIdentifier(f"escape of U+{code:04X} (control or lone surrogate)")
        return chr(code)

    decoded = _ESCAPE.sub(one, text)
    if "%" in _ESCAPE.sub("", text):
        raise BadIdentifier("a % escape is malformed")
    return decoded


def origin_url(name: str) -> str | None:
    """The origin URL of a WebKit origin identifier, e.g. ``https_www.example.com_0``.

    None when ``name`` is not an identifier (``v1``, ``StorageTracker.db``, ``file__0``);
    BadIdentifier when it starts like a web origin (``http``) but cannot be decoded.
    """
    first = name.find("_")
    if first <= 0 or not _SCHEME.match(name[:first]) or name == "file__0":
        if name.startswith("http"):
            raise BadIdentifier("no scheme separator")
        return None
    try:
        return _decode(name, first)
    except BadIdentifier:
        if name.startswith("http"):
            raise
        return None  # some other naming that happens to hold "_"


def _decode(name: str, first: int) -> str:
    last = name.rfind("_")
    if last == first:
        raise BadIdentifier("no port part")
    scheme, port_text = name[:first], name[last + 1 :]
    if port_text and not (port_text.isascii() and port_text.isdigit()):
        raise BadIdentifier(f"port {port_text[:20]!r} is not a number")
    port = int(port_text) if port_text else 0
    if port > 65535:
        raise BadIdentifier(f"port {port} is out of range")
    host = _unescape(name[first + 1 : last])
    if not host or any(c in _FORBIDDEN_IN_HOST for c in host):
        raise BadIdentifier("empty host, or a host with URL delimiters")
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def storage_name(name: str) -> str | None:
    """The identifier part of a LocalStorage file name; None for its -wal/-shm/-journal."""
    if name.endswith(SQLITE_SIBLINGS):
        return None
    if name.endswith(LOCALSTORAGE_SUFFIX):
        return name[: -len(LOCALSTORAGE_SUFFIX)]
    return name


def decode_entry(name: str, path: str, ctx: ParseContext) -> str | None:
    """``origin_url`` of an entry name; a BadIdentifier is a counted warning and None."""
    try:
        return origin_url(name)
    except BadIdentifier as exc:
        ctx.warn(f"{path[:300]}: entry name {name[:120]!r} is not a WebKit origin ({exc})")
        return None


def container_of(path: str) -> str | None:
    """The container folder (UUID) of an app's path, None for Safari's own home data."""
    for marker in ("/Containers/Data/Application/", "/Containers/Data/PluginKitPlugin/"):
        at = path.find(marker)
        if at >= 0:
            return path[at + len(marker) :].split("/", 1)[0]
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitOriginEntry(Record):
    """A WebKit website-data entry named after an origin (base of the three record types)."""

    TYPE = "ios.webkit_origin"
    TS_DESC = "WebKit origin entry modified"

    url: Url  # the origin, decoded from the entry name
    top_url: Url | None = None  # IndexedDB v0/v1: the top frame's origin, when it differs
    path: str  # the entry's device path
    container: str | None  # app data container UUID; None for Safari's own data
    store: str | None  # IndexedDB layout (legacy/v0/v1), or the storage kind
    is_dir: bool


WEBSITE_DATA = "/WebKit/WebsiteData/"
SAFARI_VIEW_SERVICE = "/SystemData/com.apple.SafariViewService/"
_VERSIONS = ("v0", "v1")
R = TypeVar("R", bound=WebkitOriginEntry)


def classify(segments: list[str]) -> tuple[str | None, str, str | None] | None:
    """(store, entry name, top-frame entry name) of an entry below ``WebsiteData/``.

    IndexedDB: ``IndexedDB/<id>``, ``IndexedDB/v0|v1/<top id>`` and ``.../<top id>/<frame id>``;
    LocalStorage: ``LocalStorage/<id>.localstorage``; anything else: a direct child of
    WebsiteData (MVT's reading). Deeper entries (database files...) are None.
    """
    head, rest = segments[0], segments[1:]
    if head == "IndexedDB" and rest:
        if len(rest) == 1 and rest[0] not in _VERSIONS:
            return "IndexedDB", rest[0], None
        if rest[0] in _VERSIONS and len(rest) in (2, 3):
            return f"IndexedDB/{rest[0]}", rest[-1], rest[1] if len(rest) == 3 else None
        return None
    if head == "LocalStorage" and len(rest) == 1:
        name = storage_name(rest[0])
        return ("LocalStorage", name, None) if name else None
    if not rest and head not in ("IndexedDB", "LocalStorage"):
        name = storage_name(head)
        return (None, name, None) if name else None
    return None


def origin_records(
    entries: Iterable[FileEntry],
    ctx: ParseContext,
    record: type[R],
    stores: tuple[str, ...] | None,
    safari_view_service: bool,
) -> Iterator[R]:
    """Records of the entries named after an origin, in stores starting with one of ``stores``.

    ``safari_view_service`` selects entries inside (True) or outside (False) the
    SafariViewService container folder, so that the artifacts never report one entry twice.
    """
    for entry in entries:
        at = entry.path.find(WEBSITE_DATA)
        if at < 0 or (SAFARI_VIEW_SERVICE in entry.path[:at]) != safari_view_service:
            continue
        found = classify(entry.path[at + len(WEBSITE_DATA) :].split("/"))
        if found is None:
            continue
        store, name, top_name = found
        if stores is not None and not (store or "").startswith(stores):
            continue
        if top_name == name:
            continue  # a first-party frame folder: its top-frame folder's record stands for it
        url = decode_entry(name, entry.path, ctx)
        if url is None:
            continue
        top = _quiet(top_name) if top_name else None  # its own entry warns if it is bad
        yield record(
            ts=entry.modified,
            url=url,
            top_url=top if top != url else None,
            path=entry.path,
            container=container_of(entry.path),
            store=store,
            is_dir=entry.is_dir,
        )


def _quiet(name: str) -> str | None:
    try:
        return origin_url(name)
    except BadIdentifier:
        return None
