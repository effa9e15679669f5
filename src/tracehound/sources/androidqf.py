"""An androidqf acquisition: its folder, its ``.zip``, or the age-encrypted ``.zip.age``.

Facts (mvt-project/androidqf, README and ``acquisition/*.go``; ``docs/acquisition-archives.md``):
androidqf names the acquisition by a UUID; recent versions stream it straight into
``<UUID>.zip``, or ``<UUID>.zip.age`` when a ``key.txt`` with age recipients is present (older
versions wrote a folder, then zipped and encrypted it when a key was given). Files:
``acquisition.json`` (uuid, androidqf_version, storage_path, started, completed, ...),
``hashes.csv`` (SHA-256 of the files), ``command.log``, ``getprop.txt`` (``[name]: [value]``),
``packages.json``, ``processes.json``/``ps.txt``, ``dumpsys.txt``, ``settings_*.txt``,
``files.json``, ``logs/``, and optionally ``backup.ab`` (``adb backup``) and ``bugreport.zip``.

Files are exposed as ``androidqf:<relative path>`` (a single top folder inside a zip is
stripped); a nested ``backup.ab`` and ``bugreport.zip`` are opened as sources of their own and
exposed as ``ab:`` and ``bugreport:`` paths. The derived ``androidqf:(hashes verified).json``
holds hashes.csv checked against the files (``android_hashes``). A ``.zip.age`` is decrypted with
the user's age identity (pyrage, the Rust ``rage`` bindings) into a private temporary folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyrage

from tracehound.core.errors import InputError, MissingInput, NotAnAcquisition, TracehoundError
from tracehound.core.files import FileEntry
from tracehound.core.glob import GlobSet
from tracehound.core.timeutil import iso
from tracehound.sources import android_backup, android_bugreport
from tracehound.sources.android_container import (
    DecryptionError,
    ExtractSpace,
    FolderTree,
    Tree,
    ZipArchive,
    ZipTree,
    decode_text,
    device_facts,
    parse_getprop,
)
from tracehound.sources.android_hashes import HASH_LIST, MAX_LIST_BYTES, map_rows, read_rows, verify
from tracehound.sources.base import Source, SourceOptions, source_opener
from tracehound.sources.ios_backup import looks_like_backup

PREFIX = "androidqf:"
VERIFIED = PREFIX + "(hashes verified).json"
AGE_MAGIC = b"age-encryption.org/v1\n"
#: Files only androidqf writes side by side; two of them make a folder or zip an acquisition.
MARKERS = frozenset(
    {
        "acquisition.json",
        "hashes.csv",
        "command.log",
        "packages.json",
        "getprop.txt",
        "dumpsys.txt",
        "processes.json",
        "ps.txt",
        "settings_secure.txt",
        "settings_global.txt",
        "settings_system.txt",
        "files.json",
        "root_binaries.json",
        "mounts.json",
        "env.txt",
        "selinux.txt",
        "services.txt",
        "logcat.txt",
    }
)
#: Nested acquisitions: namespace -> file in the androidqf acquisition.
NESTED = {android_bugreport.PREFIX: "bugreport.zip", android_backup.PREFIX: "backup.ab"}
_OPEN_NESTED: dict[str, Callable[[Path, SourceOptions, Path | None, str], Source]] = {
    android_bugreport.PREFIX: android_bugreport.open_nested,
    android_backup.PREFIX: android_backup.open_nested,
}


def looks_like_androidqf(names: Iterable[str]) -> bool:
    """Two or more androidqf file names at the top of a folder or zip."""
    return len(MARKERS.intersection(names)) >= 2


def load_identities(path: Path) -> list[Any]:
    """The age identities in an identity file (``age-keygen`` format, or an SSH private key)."""
    try:
        data = path.read_bytes()[: 1024 * 1024]
    except OSError as exc:
        raise DecryptionError(f"{path}: cannot read the age identity: {exc.strerror}") from exc
    text = data.decode("utf-8", errors="replace")
    keys = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("AGE-SECRET-KEY-")]
    if keys:
        try:
            return [pyrage.x25519.Identity.from_str(key) for key in keys]
        except pyrage.IdentityError as exc:
            raise DecryptionError(f"{path}: not a valid age identity ({exc})") from exc
    if "AGE-PLUGIN-" in text:
        raise DecryptionError(
            f"{path}: age plugin identities (hardware keys) are not supported; decrypt the "
            "acquisition with 'age -d' first"
        )
    if "PRIVATE KEY" in text:
        try:
            return [pyrage.ssh.Identity.from_buffer(data)]
        except (pyrage.IdentityError, ValueError) as exc:
            raise DecryptionError(f"{path}: unusable SSH key for age ({exc})") from exc
    raise DecryptionError(f"{path}: no age identity (AGE-SECRET-KEY-1...) in this file")


def decrypt_age(path: Path, options: SourceOptions, temp: ExtractSpace) -> Path:
    """Decrypt an age file into the private temporary folder; return the plaintext's path."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if b"\n-> scrypt " in head:
        raise DecryptionError(
            f"{path}: encrypted with a passphrase, not with an androidqf key; decrypt it with "
            "'age -d' first"
        )
    if options.age_identity is None:
        raise DecryptionError(
            f"{path}: this androidqf acquisition is encrypted with age; give the private key "
            "matching androidqf's key.txt with --age-identity FILE"
        )
    identities = load_identities(options.age_identity)
    try:
        temp.reserve(path.stat().st_size, path.name)
    except InputError as exc:
        raise DecryptionError(str(exc)) from exc
    dest = temp.slot(path.name.removesuffix(".age") or "acquisition.zip")
    try:
        pyrage.decrypt_file(str(path), str(dest), identities)
    except pyrage.DecryptError as exc:
        dest.unlink(missing_ok=True)
        if "no matching keys" in str(exc).lower():
            raise DecryptionError(
                f"{path}: the age identity {options.age_identity} does not open this "
                "acquisition (it was encrypted to another key)"
            ) from exc
        raise DecryptionError(f"{path}: cannot decrypt ({exc}); damaged or cut?") from exc
    return dest


def _time(value: Any) -> str | None:
    """An RFC 3339 time from acquisition.json as ISO UTC; Go's zero time means unset."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.year <= 1 or parsed.tzinfo is None:
        return None
    return iso(parsed)


class AndroidQF(Source):
    """Read-only view of an androidqf acquisition (folder, zip or zip.age)."""

    kind = "androidqf"
    platform = "android"

    def __init__(
        self, root: Path, tree: Tree, options: SourceOptions, container: str, temp: ExtractSpace
    ) -> None:
        super().__init__(root)
        self.tree = tree
        self.options = options
        self.container = container
        self.temp = temp
        self.errors.extend(tree.problems)
        if tree.damage is not None:  # a cut zip: what is absent may just be lost
            self.index_damage = tree.damage
            self.errors.append(tree.damage)
        self.acquisition = self._json_dict("acquisition.json")
        self.props = parse_getprop(decode_text(self._small("getprop.txt")))
        self._subs: dict[str, Source | None] = {}
        self._facts: dict[str, Any] | None = None
        self._verified: Path | None = None
        self._missing: set[str] | None = None

    def _small(self, rel: str) -> bytes | None:
        try:
            return self.tree.read_small(rel)
        except (InputError, OSError):
            return None

    def _json_dict(self, rel: str) -> dict[str, Any]:
        try:
            value = json.loads(decode_text(self._small(rel)) or "null")
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    # --- nested acquisitions -------------------------------------------------------------------

    def _sub(self, prefix: str) -> Source | None:
        if prefix in self._subs:
            return self._subs[prefix]
        rel = NESTED[prefix]
        sub: Source | None = None
        if rel in self.tree.files:
            try:
                local = self.tree.local(rel)
                origin = self.tree.origin()
                label = self.tree.describe(rel)
                sub = _OPEN_NESTED[prefix](local, self.options, origin, label)
            except (TracehoundError, InputError, OSError) as exc:
                self.errors.append(f"{rel}: not checked: {exc}")
            if sub is not None:
                # The nested source's problems are this run's problems (they make it incomplete).
                self.errors.extend(sub.errors)
                sub.errors = self.errors
                # A cut nested zip: absence under its prefix proves nothing (conservative: the
                # pipeline reads one index_damage per source).
                self.index_damage = self.index_damage or sub.index_damage
        self._subs[prefix] = sub
        return sub

    def _route(self, device_path: str) -> Source | None:
        for prefix in NESTED:
            if device_path.startswith(prefix):
                return self._sub(prefix)
        return None

    # --- Source interface ----------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            acq = self.acquisition
            device = device_facts(self.props, self.options)
            nested = [rel for rel in NESTED.values() if rel in self.tree.files]
            if "bugreport.zip" in nested and any(v is None for v in device.values()):
                sub = self._sub(android_bugreport.PREFIX)
                if sub is not None:
                    more = sub.facts()
                    device = {k: v if v is not None else more.get(k) for k, v in device.items()}
            self._facts = {
                "kind": self.kind,
                "platform": self.platform,
                "container": self.container,
                "encrypted": self.container == "zip.age",
                **device,
                "acquisition_uuid": acq.get("uuid") if isinstance(acq.get("uuid"), str) else None,
                "androidqf_version": acq.get("androidqf_version")
                if isinstance(acq.get("androidqf_version"), str)
                else None,
                "acquisition_started": _time(acq.get("started")),
                "acquisition_completed": _time(acq.get("completed")),
                "hash_list": HASH_LIST in self.tree.files,
                "nested": nested,
                "zip_times_without_zone": self.tree.times_without_zone(device["timezone"]),
            }
        return self._facts

    def find(self, patterns: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(patterns)
        result: dict[str, list[str]] = {p: [] for p in wanted}
        globs = GlobSet([p for p in wanted if p.startswith(PREFIX)])
        listed = [PREFIX + rel for rel in (*self.tree.files, *sorted(self.listed_missing()))]
        for name in [*listed, VERIFIED]:
            for pattern in globs.matches(name):
                result[pattern].append(name)
        for prefix in NESTED:
            mine = [p for p in wanted if p.startswith(prefix)]
            sub = self._sub(prefix) if mine else None
            if sub is not None:
                for pattern, paths in sub.find(mine).items():
                    result[pattern].extend(paths)
        for paths in result.values():
            paths.sort()
        return result

    def listed_missing(self) -> set[str]:
        """Files androidqf's hashes.csv lists that are not in the acquisition: found, so that
        their artifacts are ``missing`` rather than "not present" (``local`` raises
        MissingInput). A hash list that cannot be read lists nothing here; the
        ``android.aqf_integrity`` artifact reports it."""
        if self._missing is None:
            self._missing = set()
            if HASH_LIST in self.tree.files:
                try:
                    with self.tree.open(HASH_LIST) as handle:
                        raw = handle.read(MAX_LIST_BYTES)
                except (InputError, OSError):
                    return self._missing
                rows, _ = read_rows(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
                storage = self.acquisition.get("storage_path")
                map_rows(rows, self.tree.files, storage if isinstance(storage, str) else None)
                paths = {r["path"] for r in rows if isinstance(r["path"], str)}
                self._missing = {p for p in paths if p and p not in self.tree.files}
        return self._missing

    def local(self, device_path: str) -> Path:
        if device_path == VERIFIED:
            return self._verification_file()
        if device_path.startswith(PREFIX):
            rel = device_path[len(PREFIX) :]
            if rel not in self.tree.files and rel in self.listed_missing():
                raise MissingInput(f"{rel}: listed in {HASH_LIST} but not in the acquisition")
            return self.tree.local(rel)
        sub = self._route(device_path)
        if sub is None:
            raise InputError(f"{device_path}: not in this androidqf acquisition")
        return sub.local(device_path)

    def origin(self, device_path: str) -> Path | None:
        if device_path == VERIFIED:
            if self.tree.origin() is None and HASH_LIST in self.tree.files:
                return self.tree.local(HASH_LIST)
            return self.tree.origin()
        if device_path.startswith(PREFIX):
            return self.tree.origin()
        sub = self._route(device_path)
        return sub.origin(device_path) if sub is not None else None

    def describe(self, device_path: str) -> str:
        if device_path == VERIFIED:
            return "hashes.csv checked against the acquisition's files (derived)"
        if device_path.startswith(PREFIX):
            return self.tree.describe(device_path[len(PREFIX) :])
        sub = self._route(device_path)
        return sub.describe(device_path) if sub is not None else device_path

    def entries(self) -> Iterator[FileEntry]:
        yield from self.tree.entries(PREFIX, self.facts()["timezone"])
        for prefix in NESTED:
            sub = self._sub(prefix)
            if sub is not None:
                yield from sub.entries()

    def own_inputs(self) -> list[tuple[str, Path]]:
        if self.tree.origin() is not None:
            return []  # an archive: the evidence log hashes it as the inputs' origin
        names = ("acquisition.json", "getprop.txt", HASH_LIST)
        return [(PREFIX + n, self.tree.local(n)) for n in names if n in self.tree.files]

    def _verification_file(self) -> Path:
        if self._verified is None:
            storage = self.acquisition.get("storage_path")
            doc = verify(self.tree, storage if isinstance(storage, str) else None, self.container)
            path = self.temp.slot("hashes-verified.json")
            path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), "utf-8")
            self._verified = path
        return self._verified

    def close(self) -> None:
        for sub in self._subs.values():
            if sub is not None:
                sub.close()
        self._subs = {}
        self.tree.close()
        self.temp.close()


def _may_hold_androidqf(folder: Path) -> bool:
    """Two or more marker files exist in ``folder``, asked by name: the sub-folders of other
    acquisitions (an iOS backup's 256 folders of 100,000 files) are not listed to learn that
    they are not androidqf (0.5 s at benchmark scale 100). The listing then decides: on a
    case-insensitive file system a name asked for may exist under another case."""
    found = 0
    for name in MARKERS:
        if os.path.lexists(folder / name):  # any entry, as the listing counts names
            found += 1
        if found >= 2:
            return True
    return False


def _folder_root(path: Path) -> Path | None:
    """``path`` if it is an androidqf folder, or its one androidqf sub-folder."""
    if looks_like_androidqf(p.name for p in path.iterdir()):
        return path
    if looks_like_backup(path):  # an iOS backup: its sub-folders hold hashed files, not
        return None  # acquisitions (256 of them, 18 names asked in each: 0.05 s)
    found = [
        p
        for p in sorted(path.iterdir())
        if p.is_dir()
        and not p.is_symlink()
        and _may_hold_androidqf(p)
        and looks_like_androidqf(c.name for c in p.iterdir())
    ]
    if len(found) > 1:
        names = ", ".join(p.name for p in found[:10])
        raise NotAnAcquisition(
            f"{path}: holds {len(found)} androidqf acquisitions ({names}); choose one"
        )
    return found[0] if found else None


def _open_archive(
    path: Path, zip_path: Path, options: SourceOptions, container: str, temp: ExtractSpace
) -> AndroidQF | None:
    archive = ZipArchive(zip_path)
    if not looks_like_androidqf(archive.files):
        archive.close()
        return None
    return AndroidQF(path, ZipTree(archive, temp, path, path.name), options, container, temp)


@source_opener(priority=30)
def open_androidqf(path: Path, options: SourceOptions) -> Source | None:
    """An androidqf folder (or a folder holding one), ``.zip`` or ``.zip.age``."""
    if path.is_dir():
        root = _folder_root(path)
        if root is None:
            return None
        return AndroidQF(
            root, FolderTree(root), options, "folder", ExtractSpace("tracehound-android-")
        )
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        head = handle.read(len(AGE_MAGIC))
    temp = ExtractSpace("tracehound-android-")
    try:
        if head == AGE_MAGIC:
            plain = decrypt_age(path, options, temp)
            source = _open_archive(path, plain, options, "zip.age", temp)
            if source is None:
                raise NotAnAcquisition(
                    f"{path}: decrypted, but the zip inside is not an androidqf acquisition"
                )
            return source
        if head.startswith(b"PK\x03\x04"):
            try:
                source = _open_archive(path, path, options, "zip", temp)
            except NotAnAcquisition:
                source = None
            if source is not None:
                return source
    except BaseException:
        temp.close()
        raise
    temp.close()
    return None
