"""The case store: a folder of cases, each one checked acquisition with its results folder.

Layout (``store_format_version`` 1.0, documented in the README, "The case store")::

    STORE/
      store.json               {"store_format_version": "1.0"}
      .lock                    flock(2) taken by every writer (one writer at a time)
      .staging/                results being written (a case's new results, before commit)
      cases/<ID>/case.json     the case: see :class:`Case`
      cases/<ID>/results/      a results folder (output format 2.x): run.json, records/, ...
      index.html               every case, linking to each case's report

A case's id is the first 16 hex digits of its acquisition's SHA-256, so checking the same
acquisition again finds its case and replaces its results instead of adding a second case.
Every file is owner-only (folders 0700, files 0600): the store holds the records of many
people at risk. A case is committed in renames under the lock, so a reader or a second writer
never sees a half-written case, and a writer that dies leaves only ``.staging`` debris.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from tracehound.core.errors import EXIT_DETECTED, EXIT_INCOMPLETE, EXIT_NOT_RUN, TracehoundError
from tracehound.store.results import FILE_MODE, FOLDER_MODE, make_private, write_private

STORE_ENV = "TRACEHOUND_STORE"
STORE_FORMAT_VERSION = "1.0"
ID_LENGTH = 16
#: Staging debris older than this, whose writer is gone, is removed by the next writer.
STALE_SECONDS = 3600
#: The file in a staging folder that its writer holds an flock(2) on for as long as it lives.
_OWNER = ".owner"


class StoreError(TracehoundError):
    """The store or a case in it cannot be used; the message is one line saying why."""


def default_store() -> Path:
    """``$TRACEHOUND_STORE``, else the user data folder (``~/.local/share/tracehound/store``)."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(env)
    return platformdirs.user_data_path("tracehound") / "store"


def verdict_of(exit_code: int) -> str:
    """One word for a check's exit code: ``failed`` (could not run), ``detected`` (whatever
    else is true: an incomplete run never hides a detection), ``incomplete`` or ``clean``."""
    if exit_code & EXIT_NOT_RUN or exit_code > 7:
        return "failed"
    if exit_code & EXIT_DETECTED:
        return "detected"
    if exit_code & EXIT_INCOMPLETE:
        return "incomplete"
    return "clean"


@dataclass
class Case:
    """``case.json``: what a case is and what was done to it.

    ``checks`` and ``hunts`` are histories, oldest first. A check entry holds ``at`` (ISO UTC),
    ``tool_version``, ``indicator_files`` (``[{"path", "sha256"}]``), ``exit_code`` and
    ``verdict``; a hunt entry holds ``at``, ``tool_version``, ``indicator_files``,
    ``exit_code``, ``verdict`` and ``new`` (the ids of the detections it added).
    """

    id: str
    label: str
    acquisition: str  # the path as the analyst gave it
    sha256: str
    kind: str
    device: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)
    hunts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last(self) -> dict[str, Any]:
        """The newest check or hunt (both carry ``at``, ``exit_code`` and ``verdict``)."""
        events = self.checks + self.hunts
        return max(events, key=lambda e: str(e.get("at", ""))) if events else {}

    @property
    def verdict(self) -> str:
        return str(self.last.get("verdict", "failed"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        return cls(
            id=str(data["id"]),
            label=str(data.get("label", "")),
            acquisition=str(data.get("acquisition", "")),
            sha256=str(data.get("sha256", "")),
            kind=str(data.get("kind", "")),
            device=dict(data.get("device") or {}),
            created=str(data.get("created", "")),
            checks=_events(data.get("checks"), "checks"),
            hunts=_events(data.get("hunts"), "hunts"),
        )


def _events(value: Any, key: str) -> list[dict[str, Any]]:
    """A history of ``case.json``: a list, else TypeError (a damaged file). An entry that is
    not an object is kept, visibly, as ``{"damaged_entry": "<its text>"}`` (the rest of the
    case is still readable)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{key} is not a list")
    return [e if isinstance(e, dict) else {"damaged_entry": str(e)[:200]} for e in value]


def case_id(sha256: str) -> str:
    """The id of the case of an acquisition with this SHA-256."""
    return sha256[:ID_LENGTH]


class CaseStore:
    """One store folder. ``create`` makes it (owner-only) when it does not exist yet."""

    def __init__(self, root: Path, create: bool = False) -> None:
        self.root = Path(os.path.abspath(root))
        self._owners: dict[Path, int] = {}  # staging folder -> the fd holding its owner lock
        marker = self.root / "store.json"
        if not marker.is_file():
            if not create:
                raise StoreError(f"{self.root}: no case store here (no store.json)")
            self._create(marker)
        # An existing store, or the one just made (perhaps by another process at once).
        try:
            version = str(json.loads(marker.read_text("utf-8"))["store_format_version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{marker}: damaged store file: {exc}") from None
        if version.split(".")[0] != STORE_FORMAT_VERSION.split(".")[0]:
            raise StoreError(
                f"{marker}: store format {version} is not supported by this version "
                f"(reads {STORE_FORMAT_VERSION.split('.')[0]}.x)"
            )
        self._make(self.root / "cases")
        self._make(self.root / ".staging")

    def _foreign(self) -> list[str]:
        """What is in the store's folder that a store does not hold (a store being created
        by another process holds its own names already)."""
        try:
            names = [p.name for p in self.root.iterdir()] if self.root.exists() else []
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot be used: {exc.strerror or exc}") from None
        own = ("store.json", ".lock", "cases", ".staging")
        return [n for n in names if n not in own and not n.startswith(".store.json.")]

    def _create(self, marker: Path) -> None:
        """Make a new store here, under its lock so that two processes creating the same
        store at once both end with it (and neither takes the other's files for a foreign
        folder's)."""
        if self._foreign():
            raise StoreError(
                f"{self.root}: exists, is not empty and is not a case store; choose another"
            )
        self._make(self.root)
        with self.lock():
            if marker.is_file():
                return
            if self._foreign():
                raise StoreError(f"{self.root}: filled while the store was being created")
            data = json.dumps({"store_format_version": STORE_FORMAT_VERSION}) + "\n"
            write_private(marker, data.encode())

    @staticmethod
    def _make(folder: Path) -> None:
        try:
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            os.chmod(folder, FOLDER_MODE)
        except OSError as exc:
            raise StoreError(f"{folder}: cannot create the store: {exc.strerror or exc}") from None

    # -- locking ------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's writer lock (blocks while another process holds it)."""
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # whatever the umask
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- reading ------------------------------------------------------------------------
    def case_dir(self, cid: str) -> Path:
        return self.root / "cases" / cid

    def results(self, cid: str) -> Path:
        """The case's results folder (a tracehound results folder, output format 2.x)."""
        return self.case_dir(cid) / "results"

    def ids(self) -> list[str]:
        folder = self.root / "cases"
        return sorted(p.name for p in folder.iterdir() if (p / "case.json").is_file())

    def load(self, cid: str) -> Case:
        path = self.case_dir(cid) / "case.json"
        try:
            return Case.from_json(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            raise StoreError(f"{cid}: no such case in {self.root}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: damaged case file: {exc}") from None

    def cases(self) -> list[Case]:
        """Every case, oldest first."""
        return sorted((self.load(c) for c in self.ids()), key=lambda c: (c.created, c.id))

    def find(self, ref: str) -> Case:
        """The case named by ``ref``: its id, a unique id prefix, or a unique label."""
        ids = self.ids()
        if ref in ids:
            return self.load(ref)
        by_prefix = [c for c in ids if c.startswith(ref.lower())] if len(ref) >= 4 else []
        by_label = [c.id for c in self.cases() if c.label == ref]
        matches = sorted(set(by_prefix) | set(by_label))
        if len(matches) == 1:
            return self.load(matches[0])
        if not matches:
            raise StoreError(f"{ref}: no such case in {self.root} (see `tracehound cases list`)")
        raise StoreError(f"{ref}: names {len(matches)} cases; give the case id")

    # -- writing (callers hold the lock) ------------------------------------------------
    def staging(self) -> Path:
        """A new private folder to write a case's results into before :meth:`commit`; the
        folder given must not exist yet (a results folder is created by its writer).

        The writer holds an flock(2) on the folder's ``.owner`` file until :meth:`commit` or
        :meth:`discard_staging`: the kernel drops it when the writer dies, so
        :meth:`clean_staging` can tell debris from a check that is still running (however
        long it takes)."""
        parent = Path(tempfile.mkdtemp(prefix="case-", dir=self.root / ".staging"))
        fd = os.open(parent / _OWNER, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._owners[parent] = fd
        return parent / "results"

    def _release(self, parent: Path) -> None:
        fd = self._owners.pop(parent, None)
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the flock

    def _restore(self, old: Path) -> None:
        """Put back the results a killed :meth:`commit` had moved away and not replaced."""
        cid = old.name.split("-")[1] if old.name.count("-") >= 2 else ""
        folder = self.case_dir(cid)
        lost = cid and not self.results(cid).exists() and (folder / "case.json").is_file()
        if lost and (old / "results").is_dir():
            os.rename(old / "results", self.results(cid))

    def clean_staging(self, max_age: float = STALE_SECONDS) -> list[str]:
        """Remove what dead writers left in ``.staging`` (a killed check, a crash); return the
        names removed. Call with the lock held: ``old-``/``rm-`` folders are made and removed
        under it, so any found then are debris (an ``old-`` one's results are first put back
        if its case lacks them); a ``case-`` folder is debris when nobody holds its owner lock
        and it is older than ``max_age`` seconds (the age covers the instant between its
        creation and the lock, and a file system whose locks are not shared)."""
        removed: list[str] = []
        folder = self.root / ".staging"
        now = time.time()
        for entry in sorted(folder.iterdir()):
            if entry in self._owners:
                continue
            under_lock = entry.name.startswith(("old-", "rm-"))
            if entry.name.startswith("old-"):
                self._restore(entry)
            try:
                young = now - entry.lstat().st_mtime < max_age
            except FileNotFoundError:
                continue
            if not under_lock and young:
                continue
            if entry.name.startswith("case-") and entry.is_dir() and _owned(entry / _OWNER):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry.name)
        return removed

    def save(self, case: Case) -> None:
        """Write ``case.json`` (atomically, owner-only)."""
        folder = self.case_dir(case.id)
        self._make(folder)
        data = json.dumps(case.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
        write_private(folder / "case.json", data.encode("utf-8"))

    def commit(self, case: Case, results: Path | None) -> None:
        """Make ``results`` (a finished folder from :meth:`staging`) the case's results,
        replacing the old ones, and write ``case.json``. Call with the lock held.

        A new case appears in one rename (its staging folder, holding ``case.json`` and
        ``results/``, becomes ``cases/<ID>``). An existing case's results are swapped in two
        renames (the old ones moved to ``.staging/old-<ID>-*``, the new ones in), then its
        ``case.json`` is replaced atomically; a writer killed between the two renames leaves
        the old results in ``.staging``, and the next writer puts them back
        (:meth:`clean_staging`), so no case is ever seen without results."""
        folder = self.case_dir(case.id)
        self.clean_staging()
        if results is None:
            self.save(case)
            return
        make_private(results)
        parent = results.parent
        if not folder.exists():
            data = json.dumps(case.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
            write_private(parent / "case.json", data.encode("utf-8"))
            (parent / _OWNER).unlink(missing_ok=True)  # the open descriptor keeps the lock
            os.chmod(parent, FOLDER_MODE)
            os.rename(parent, folder)
            self._release(parent)
            return
        target = self.results(case.id)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f"old-{case.id}-", dir=self.root / ".staging"))
            os.rename(target, old / "results")
        os.rename(results, target)
        self.save(case)
        self.discard_staging(results)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def remove(self, cid: str) -> None:
        """Delete the case and every file of it. Call with the lock held."""
        folder = self.case_dir(cid)
        if not (folder / "case.json").is_file():
            raise StoreError(f"{cid}: no such case in {self.root}")
        trash = Path(tempfile.mkdtemp(prefix="rm-", dir=self.root / ".staging"))
        os.rename(folder, trash / cid)  # gone from the store in one step, then deleted
        shutil.rmtree(trash)
        self.clean_staging()

    def discard_staging(self, results: Path) -> None:
        shutil.rmtree(results.parent, ignore_errors=True)
        self._release(results.parent)


def _owned(owner: Path) -> bool:
    """Whether a living writer holds the flock on ``owner`` (a missing file: nobody does)."""
    try:
        fd = os.open(owner, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the lock if this call took it
    return False
