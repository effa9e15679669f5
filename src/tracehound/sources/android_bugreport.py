"""An Android bugreport: the zip written by ``adb bugreport``, or the folder it was unpacked to.

Layout (AOSP ``frameworks/native/cmds/dumpstate``): the main dumpstate text is
``bugreport-<device>-<build>-<date>.txt``, named by ``main_entry.txt``; ``version.txt`` holds the
bugreport format version, ``dumpstate_log.txt`` dumpstate's own log, ``FS/`` copies of device files
(``FS/data/tombstones/tombstone_NN``, ``FS/data/anr/...``). Older or vendor bugreports lack
``main_entry.txt``; like MVT we then look for ``dumpState_*.log``, then ``bugreport-*.txt`` and
``dumpstate*.txt`` at the top. The dumpstate header (``PrintHeader``) has the line
``== dumpstate: YYYY-MM-DD HH:MM:SS`` in device local time and ``Build fingerprint: '...'``; the
``------ SYSTEM PROPERTIES (getprop) ------`` section holds ``[name]: [value]`` lines, among them
``persist.sys.timezone``. Zip members carry DOS times in device local time (libziparchive's
``ZipWriter`` uses ``localtime_r``).

Members are exposed as ``bugreport:<member path>`` and the dumpstate text also as
``bugreport:dumpstate.txt``.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tracehound.core.errors import InputError, NotAnAcquisition
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.core.timeutil import iso, localize
from tracehound.sources.android_container import (
    LIMITS,
    ExtractSpace,
    FolderTree,
    Tree,
    ZipArchive,
    ZipTree,
    clean_member_name,
    device_facts,
    parse_getprop,
)
from tracehound.sources.base import Source, SourceOptions, source_opener

PREFIX = "bugreport:"
DUMPSTATE = PREFIX + "dumpstate.txt"
MAIN_ENTRY = "main_entry.txt"
#: Fallback names of the dumpstate text, in the order they are tried (MVT's order first).
FALLBACKS = (
    re.compile(r"dumpState_.*\.log"),
    re.compile(r"bugreport-.*\.txt"),
    re.compile(r"dumpstate.*\.txt"),
)
#: Top-level files that match a fallback but are not the dumpstate text.
NOT_DUMPSTATE = {"dumpstate_log.txt", "dumpstate_board.txt"}
HEADER_BYTES = 256 * 1024
PROPS_SECTION = "------ SYSTEM PROPERTIES"
#: Stop looking for the properties section after this much text (it comes early).
PROPS_SCAN_BYTES = 256 * 1024 * 1024


#: What reading a member of a damaged zip raises besides InputError/OSError (a bad CRC-32, a
#: broken deflate stream, a cut archive): the header and properties are then unread, as for
#: an unreadable member.
_MEMBER_ERRORS = (InputError, OSError, zipfile.BadZipFile, zlib.error, EOFError)


def _head(tree: Tree, rel: str, size: int = HEADER_BYTES) -> str:
    try:
        with tree.open(rel) as handle:
            return handle.read(size).decode("utf-8", errors="replace")
    except _MEMBER_ERRORS:
        return ""


def find_dumpstate(tree: Tree) -> str | None:
    """The dumpstate text's relative path: main_entry.txt, else the fallback names."""
    if MAIN_ENTRY in tree.files:
        try:
            named = (tree.read_small(MAIN_ENTRY) or b"").decode("utf-8", "replace").strip()
        except InputError:
            named = ""
        name = clean_member_name(named) if named else None
        if name in tree.files:
            return name
    top = sorted(f for f in tree.files if "/" not in f and f not in NOT_DUMPSTATE)
    for pattern in FALLBACKS:
        candidates = [f for f in top if pattern.fullmatch(f)]
        with_header = [f for f in candidates if "== dumpstate:" in _head(tree, f, 4096)]
        if with_header or candidates:
            return (with_header or candidates)[0]
    return None


def looks_like_bugreport(tree: Tree) -> bool:
    """main_entry.txt, or a top-level dumpstate text with the dumpstate header."""
    if MAIN_ENTRY in tree.files:
        return True
    name = find_dumpstate(tree)
    return name is not None and "== dumpstate:" in _head(tree, name, 4096)


_DATE = re.compile(r"^== dumpstate: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.M)
_FINGERPRINT = re.compile(r"^Build fingerprint: '([^'\n]*)'", re.M)
_BUILD = re.compile(r"^Build: (.+)$", re.M)
_FORMAT = re.compile(r"^Bugreport format version: (.+)$", re.M)


def parse_header(text: str) -> dict[str, str]:
    """The dumpstate header's date, build, fingerprint and format version (raw strings)."""
    found: dict[str, str] = {}
    for key, pattern in (
        ("date", _DATE),
        ("fingerprint", _FINGERPRINT),
        ("build", _BUILD),
        ("format", _FORMAT),
    ):
        match = pattern.search(text)
        if match:
            found[key] = match.group(1).strip()
    return found


def read_properties(tree: Tree, rel: str) -> dict[str, str]:
    """The SYSTEM PROPERTIES section of the dumpstate text, streamed until it ends."""
    lines: list[str] = []
    inside = False
    scanned = 0
    try:
        with tree.open(rel) as handle:
            for raw in handle:
                scanned += len(raw)
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if inside:
                    if line.startswith("------"):
                        break
                    lines.append(line)
                elif line.startswith(PROPS_SECTION):
                    inside = True
                elif scanned > PROPS_SCAN_BYTES:
                    break
    except _MEMBER_ERRORS:
        return {}
    return parse_getprop("\n".join(lines))


class Bugreport(Source):
    """A bugreport zip or folder, as ``bugreport:<member>`` and ``bugreport:dumpstate.txt``."""

    kind = "bugreport"
    platform = "android"

    def __init__(
        self,
        root: Path,
        tree: Tree,
        options: SourceOptions,
        container: str,
        temp: ExtractSpace | None = None,
        origin: Path | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__(root)
        self.tree = tree
        self.options = options
        self.container = container
        self.temp = temp
        self._origin = origin
        self.label = label
        self.errors.extend(tree.problems)
        if tree.damage is not None:  # a cut zip: what is absent may just be lost
            self.index_damage = tree.damage
            self.errors.append(tree.damage)
        self.dumpstate = find_dumpstate(tree)
        if self.dumpstate is None:
            self.errors.append(
                f"{self.label or root.name}: no dumpstate text found (main_entry.txt, "
                "dumpState_*.log, bugreport-*.txt, dumpstate*.txt)"
            )
        self._facts: dict[str, Any] | None = None
        self.props: dict[str, str] = {}

    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            header: dict[str, str] = {}
            if self.dumpstate is not None:
                header = parse_header(_head(self.tree, self.dumpstate))
                self.props = read_properties(self.tree, self.dumpstate)
            facts = device_facts(self.props, self.options)
            facts["build_fingerprint"] = facts["build_fingerprint"] or header.get("fingerprint")
            facts["os_build"] = facts["os_build"] or header.get("build")
            date = None
            if "date" in header:
                try:
                    naive = datetime.strptime(header["date"], "%Y-%m-%d %H:%M:%S")
                    date = iso(localize(naive, facts["timezone"]))
                except ValueError:
                    date = None
            version = header.get("format")
            if version is None and "version.txt" in self.tree.files:
                version = (self.tree.read_small("version.txt") or b"").decode(
                    "utf-8", "replace"
                ).strip()[:40] or None
            self._facts = {
                "kind": self.kind,
                "platform": self.platform,
                "container": self.container,
                **facts,
                "dumpstate_file": self.dumpstate,
                "bugreport_date": date,
                "bugreport_date_local": header.get("date"),
                "bugreport_format_version": version,
                "zip_times_without_zone": self.tree.times_without_zone(facts["timezone"]),
            }
        return self._facts

    def _names(self) -> Iterator[str]:
        for rel in self.tree.files:
            yield PREFIX + rel
        if self.dumpstate is not None:
            yield DUMPSTATE

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        globs = GlobSet([p for p in wanted if p.startswith(PREFIX)])
        for name in dict.fromkeys(self._names()):
            for pattern in globs.matches(name):
                result[pattern].append(name)
        for paths in result.values():
            paths.sort()
        return result

    def _rel(self, device_path: str) -> str:
        if device_path == DUMPSTATE and self.dumpstate is not None:
            return self.dumpstate
        if not device_path.startswith(PREFIX):
            raise InputError(f"{device_path}: not a bugreport path")
        return device_path[len(PREFIX) :]

    def local(self, device_path: str) -> Path:
        return self.tree.local(self._rel(device_path))

    def origin(self, device_path: str) -> Path | None:
        return self._origin or self.tree.origin()

    def describe(self, device_path: str) -> str:
        return self.tree.describe(self._rel(device_path))

    def entries(self) -> Iterator[FileEntry]:
        return self.tree.entries(PREFIX, self.facts()["timezone"])

    def own_inputs(self) -> list[tuple[str, Path]]:
        if self.container != "folder":
            return []
        names = [n for n in (MAIN_ENTRY, "version.txt") if n in self.tree.files]
        inputs = [(PREFIX + n, self.tree.local(n)) for n in names]
        if self.dumpstate is not None:  # read for the device facts
            inputs.append((DUMPSTATE, self.tree.local(self.dumpstate)))
        return inputs

    def close(self) -> None:
        self.tree.close()
        if self.temp is not None:
            self.temp.close()


def open_zip(
    path: Path, options: SourceOptions, origin: Path | None = None, label: str | None = None
) -> Bugreport | None:
    """A bugreport zip, or None when the zip is something else."""
    archive = ZipArchive(path)
    temp = ExtractSpace("tracehound-android-")
    tree = ZipTree(archive, temp, origin or path, label or path.name)
    if not looks_like_bugreport(tree):
        tree.close()
        return None
    return Bugreport(path, tree, options, "zip", temp, origin, label)


def open_nested(path: Path, options: SourceOptions, origin: Path | None, label: str) -> Bugreport:
    """The ``bugreport.zip`` inside another acquisition (androidqf)."""
    source = open_zip(path, options, origin, label)
    if source is None:
        raise NotAnAcquisition(f"{label}: not a bugreport zip (no dumpstate text)")
    return source


def _top_names(folder: Path) -> list[str]:
    names: list[str] = []
    for count, child in enumerate(folder.iterdir()):
        if count > LIMITS.members:
            break
        names.append(child.name)
    return names


@source_opener(priority=32)
def open_bugreport(path: Path, options: SourceOptions) -> Source | None:
    """A bugreport zip, or a folder holding an unpacked one."""
    if path.is_dir():
        names = _top_names(path)
        candidates = MAIN_ENTRY in names or any(
            p.fullmatch(n) for p in FALLBACKS for n in names if n not in NOT_DUMPSTATE
        )
        if not candidates:
            return None
        tree = FolderTree(path)
        if not looks_like_bugreport(tree):
            return None
        return Bugreport(path, tree, options, "folder")
    if path.is_file():
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                return None
        try:
            return open_zip(path, options)
        except NotAnAcquisition:
            return None
    return None
