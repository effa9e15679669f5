"""Files of an iTunes/Finder backup from Manifest.db (table ``Files``), with MACB times.

Facts: MVT ``Manifest`` module; Apple's backup format as documented in public write-ups.
``Files(fileID, domain, relativePath, flags, file)``; ``flags`` 1 file, 2 directory, 4 symlink;
``file`` is an NSKeyedArchiver binary plist whose root object (class ``MBFile``) holds ``Birth``,
``LastModified``, ``LastStatusChange`` (Unix seconds; MVT also accepts plist dates), ``Mode``,
``Size``, ``UserID``, ``GroupID``, ``InodeNumber`` and ``ProtectionClass``. This is the hot path
for backups of a million files, so the root object's scalars are read straight from the binary
plist (Apple's ``bplist00`` layout: trailer, offset table, object markers) and ``plistlib`` is only
the fallback. ``url_hosts``: MVT splits the lower-cased relativePath on ``_`` and checks every part
that parses as a URL; WebKit names origin folders ``<scheme>_<host>_<port>`` (``https_evil.com_0``),
so we keep only a host-like part right after a part ending in ``http``/``https`` (this avoids
MVT's noise on file names such as ``photo_x.zip``). Device paths come from the backup source's
domain table (``core/ios_domains.py``).
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.core.context import ParseContext
from tracehound.core.errors import InputError

# One domain table for the whole program: the backup source's (re-exported here for callers that
# look for it next to the Manifest parser), so record paths equal the paths the source serves.
from tracehound.core.ios_domains import device_path, device_paths, domain_root
from tracehound.core.records import DevicePath, Domain, Record
from tracehound.core.registry import artifact
from tracehound.core.timeutil import from_unix
from tracehound.parsers.common import columnar, plist
from tracehound.parsers.common.sqlite import select_optional

__all__ = ["ManifestFile", "device_path", "domain_root", "parse", "url_hosts"]


_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z][a-z0-9-]*[a-z0-9]")


def url_hosts(relative_path: str) -> tuple[str, ...]:
    """Hosts named in WebKit-style ``<http|https>_<host>_<port>`` parts of a relative path."""
    parts = relative_path.lower().split("_")
    hosts: list[str] = []
    for before, part in itertools.pairwise(parts):
        if before.endswith(("http", "https")) and _HOST.fullmatch(part) and part not in hosts:
            hosts.append(part)
    return tuple(hosts)


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestFile(Record):
    """One file, folder or link of the backup; ``ts`` is its modification time."""

    TYPE = "ios.manifest"
    MEANING = (
        "The backup's list of files (Manifest.db): a file at this path existed on the phone "
        "when the backup was made; its times say when it was created and changed."
    )
    TS_DESC = "File modified (LastModified)"
    EXTRA_TIMES = (
        ("created", "File created (Birth)"),
        ("status_changed", "File status changed (LastStatusChange)"),
    )

    file_id: str
    domain: str
    relative_path: str
    path: DevicePath
    flags: int | None
    is_dir: bool
    mode: int | None
    size: int | None
    uid: int | None
    gid: int | None
    inode: int | None
    protection_class: int | None
    created: datetime | None
    status_changed: datetime | None
    has_metadata: bool  # False when the ``file`` blob is empty or undecodable
    url_hosts: tuple[Domain, ...]


_TIMES = ("Birth", "LastModified", "LastStatusChange")
_WANTED = frozenset(
    (*_TIMES, "Mode", "Size", "UserID", "GroupID", "InodeNumber", "ProtectionClass")
)
_WANTED_RAW = {k.encode(): k for k in _WANTED}
_REF = {1: "B", 2: "H", 4: "I", 8: "Q"}
_TRAILER = struct.Struct(">6xBBQQQ")  # offset size, ref size, object count, top, table offset
# bplist integers: 1, 2 and 4 bytes unsigned, 8 bytes signed (CFBinaryPList.c).
_INTS = {0x10 + i: struct.Struct(f">{c}") for i, c in enumerate("BHIq")}


def _ascii(blob: bytes, at: int) -> bytes:
    """An ASCII string object's bytes (b"" for other objects)."""
    marker = blob[at]
    if marker == 0x5F:  # length follows as an int object
        if blob[at + 1] != 0x10:
            raise ValueError("long key")
        return blob[at + 3 : at + 3 + blob[at + 2]]
    return blob[at + 1 : at + 1 + (marker & 0xF)] if marker >> 4 == 0x5 else b""


def _dict(blob: bytes, at: int, ref: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    marker = blob[at]
    if marker >> 4 != 0xD or marker == 0xDF:
        raise ValueError("not a small dictionary")
    n = marker & 0xF
    refs = struct.unpack_from(f">{2 * n}{ref}", blob, at + 1)
    return refs[:n], refs[n:]


def _fast_root(blob: bytes) -> dict[str, Any]:
    """Integer fields of ``$objects[1]`` read from a ``bplist00`` blob, 4x faster than plistlib.

    Anything unexpected (dates, big ints, other layouts) raises; the caller then uses plistlib.
    """
    if blob[:8] != b"bplist00":
        raise ValueError("not a binary plist")
    osize, rsize, count, top, table = _TRAILER.unpack_from(blob, len(blob) - 32)
    offs = struct.unpack_from(f">{count}{_REF[osize]}", blob, table)
    ref = _REF[rsize]
    keys, values = _dict(blob, offs[top], ref)
    names = [_ascii(blob, offs[k]) for k in keys]
    at = offs[values[names.index(b"$objects")]]
    if blob[at] >> 4 != 0xA:
        raise ValueError("$objects is not an array")
    first = at + (1 if blob[at] & 0xF != 0xF else 2 + (1 << (blob[at + 1] & 0xF)))
    keys, values = _dict(blob, offs[int.from_bytes(blob[first + rsize : first + 2 * rsize])], ref)
    out: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):
        name = _WANTED_RAW.get(_ascii(blob, offs[key]))
        if name is not None:
            at = offs[value]
            out[name] = _INTS[blob[at]].unpack_from(blob, at + 1)[0]
    return out


def _slow_root(blob: bytes) -> dict[str, Any]:
    """The fields of ``$objects[1]`` (the root, as MVT reads it) through plistlib."""
    archive = plist.load(blob)
    if not plist.is_keyed_archive(archive):
        raise InputError("not an NSKeyedArchiver archive")
    root = archive["$objects"][1]
    if not isinstance(root, dict):
        raise InputError("root object is not a dictionary")
    # Keep what the fast reader would give (ints), plus times of other types for _time to judge.
    return {
        k: v
        for k, v in root.items()
        if k in _TIMES or (k in _WANTED and isinstance(v, int) and not isinstance(v, bool))
    }


def _metadata(blob: object) -> dict[str, Any] | None:
    if not isinstance(blob, bytes) or not blob:
        return None
    try:
        return _fast_root(blob)
    except (ValueError, IndexError, KeyError, struct.error):
        pass
    try:
        return _slow_root(blob)
    except (InputError, IndexError, KeyError, TypeError, AttributeError):
        return None


_COLUMNS = {"fid": "fileID", "dom": "domain", "rel": "relativePath", "flags": "flags", "f": "file"}
_META_FIELDS = {
    "mode": "Mode",
    "size": "Size",
    "uid": "UserID",
    "gid": "GroupID",
    "inode": "InodeNumber",
    "protection_class": "ProtectionClass",
}


@artifact(
    record=ManifestFile,
    input="sqlite",
    paths=("backup:Manifest.db",),
    requires={"Files": ("fileID", "domain", "relativePath")},
)
def parse(conn: sqlite3.Connection, ctx: ParseContext) -> Iterator[ManifestFile | pa.RecordBatch]:
    """Every file of the backup (Manifest.db) with its MACB times, mode, size and device path."""
    # ORDER BY rowid: the order a plain scan gives, said so (columnar.batches needs a total order).
    query = f"SELECT rowid, {select_optional(conn, 'Files', _COLUMNS)} FROM Files ORDER BY rowid"
    roots: dict[str, str] = {}
    conn.row_factory = None
    yield from columnar.read(conn, query, _columns, lambda r: _record(r, ctx, roots))


def _root(roots: dict[str, str], dom: str) -> str:
    root = roots.get(dom)
    if root is None:
        root = roots[dom] = domain_root(dom)
    return root


def _record(r: dict[str, Any], ctx: ParseContext, roots: dict[str, str]) -> ManifestFile:
    """One row as a record, with a warning for every odd value (the row path)."""
    row, fid, blob, flags = r["rowid"], r["fid"], r["f"], r["flags"]
    dom = r["dom"] if isinstance(r["dom"], str) else ""
    rel = r["rel"] if isinstance(r["rel"], str) else ""
    tail = rel.strip("/")
    root = _root(roots, dom)
    meta = _metadata(blob)
    if meta is None:
        meta = {}
        if blob:
            ctx.warn(f"file metadata of {fid} cannot be decoded", row)
    return ManifestFile(
        ts=ctx.time(from_unix, meta.get("LastModified"), row, "LastModified"),
        row=row,
        file_id=str(fid),
        domain=dom,
        relative_path=rel,
        path=f"{root}/{tail}" if tail else root,
        flags=flags if isinstance(flags, int) else None,
        is_dir=flags == 2,
        mode=meta.get("Mode"),
        size=meta.get("Size"),
        uid=meta.get("UserID"),
        gid=meta.get("GroupID"),
        inode=meta.get("InodeNumber"),
        protection_class=meta.get("ProtectionClass"),
        created=ctx.time(from_unix, meta.get("Birth"), row, "Birth"),
        status_changed=ctx.time(from_unix, meta.get("LastStatusChange"), row, "LastStatusChange"),
        has_metadata=bool(meta),
        url_hosts=url_hosts(rel) if "http" in rel.lower() else (),
    )


def _fast_or_unclean(blob: object) -> dict[str, Any]:
    """The metadata the fast reader takes, {} for no blob; Unclean for anything the row path
    would read with plistlib or warn about."""
    if blob is None or blob == b"":
        return {}
    if not isinstance(blob, bytes):
        raise columnar.Unclean
    try:
        return _fast_root(blob)
    except (ValueError, IndexError, KeyError, struct.error) as exc:
        raise columnar.Unclean from exc


def _columns(c: dict[str, Sequence[Any]]) -> pa.RecordBatch:
    """A fetched batch as columns (the fast path): every value as the row path takes it
    without a warning, else Unclean. The binary-plist metadata is still read per row (it is
    one blob per file), everything else column by column."""
    file_id = columnar.text(c["fid"])
    if file_id.null_count:  # the row path makes "None" of it
        raise columnar.Unclean
    metas = [_fast_or_unclean(b) for b in c["f"]]
    domain = pc.fill_null(columnar.text(c["dom"]), "")
    relative = pc.fill_null(columnar.text(c["rel"]), "")
    flags = columnar.integers(c["flags"])
    # url_hosts finds hosts only after a part ending in "http": the others have none.
    hosts: list[tuple[str, ...]] = [()] * len(relative)
    near = pc.match_substring(relative, "http", ignore_case=True)
    for number in pc.indices_nonzero(near).to_pylist():
        hosts[number] = url_hosts(relative[number].as_py())
    arrays: dict[str, pa.Array] = {
        "ts": columnar.unix_seconds([m.get("LastModified") for m in metas]),
        "row": columnar.integers(c["rowid"]),
        "file_id": file_id,
        "domain": domain,
        "relative_path": relative,
        "path": device_paths(domain, relative),
        "flags": flags,
        "is_dir": pc.fill_null(pc.equal(flags, 2), False),
        "created": columnar.unix_seconds([m.get("Birth") for m in metas]),
        "status_changed": columnar.unix_seconds([m.get("LastStatusChange") for m in metas]),
        "has_metadata": pa.array([bool(m) for m in metas], pa.bool_()),
        "url_hosts": pa.array(hosts, pa.list_(pa.string())),
    }
    for name, key in _META_FIELDS.items():
        arrays[name] = columnar.integers([m.get(key) for m in metas])
    return columnar.record_batch(ManifestFile, arrays)
