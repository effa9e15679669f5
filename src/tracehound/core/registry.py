"""Self-registration of artifacts (parsers) and detectors, and their discovery.

A parser module declares itself with ``@artifact(...)``; a detector class with ``@detector``.
``load_all()`` imports every module under ``tracehound.parsers`` and ``tracehound.detectors`` so
that adding a file is all it takes to add an artifact.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from tracehound.core.context import ParseContext
from tracehound.core.records import Provenance, Record

if TYPE_CHECKING:
    import pyarrow as pa

    from tracehound.iocs.index import IndicatorIndex

#: How the pipeline opens an input before calling the parser: a read-only sqlite3 connection, a
#: decoded plist, str (UTF-8, undecodable bytes replaced), bytes, decoded JSON, or, for
#: "listing", an iterator of FileEntry (the acquisition's file listing filtered by ``paths``;
#: the parser is called once per run, not per file).
InputKind = Literal["sqlite", "plist", "text", "bytes", "json", "listing"]
ParserFunc = Callable[[Any, ParseContext], Iterator[Record]]


@dataclass(frozen=True)
class Reader:
    """One input read once for several artifacts (several record types): sms.db for messages
    and attachments, a dumpstate for its ten dumpsys sections, a backup's Info.plist for the
    device facts and the installed apps. The engine registers (hashes) and opens each file of
    the reader once, runs ``prepare`` on the opened input once (e.g. finding every dumpsys
    section in one scan), and hands the result to each member artifact's parser in turn. Each
    member keeps its own record type, status, counts and errors, so one member that fails does
    not stop the others.
    """

    name: str  # e.g. "android.dumpsys"; not a record type
    input: InputKind
    paths: tuple[str, ...]
    description: str
    #: What the members' parsers get instead of the opened input; raises InputError when the
    #: input cannot be used at all (then every member reports that error).
    prepare: Callable[[Any], Any] | None = None
    sources: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Artifact:
    """A registered parser: what it reads, where, and what it yields."""

    name: str  # equals record.TYPE, e.g. "ios.safari_history"
    func: ParserFunc
    record: type[Record]
    input: InputKind
    paths: tuple[str, ...]  # device path globs (core.glob: "*" does not cross "/", "**" does)
    requires: Mapping[str, tuple[str, ...]]  # sqlite: table -> columns; plist: top keys ("")
    version: str
    platform: str
    description: str
    module: str
    sources: tuple[str, ...] | None = None  # Source.kind values it applies to; None: all
    reader: Reader | None = None  # the input it shares with other artifacts, read once


_ARTIFACTS: dict[str, Artifact] = {}
F = TypeVar("F", bound=ParserFunc)


def artifact(
    *,
    record: type[Record],
    input: InputKind | None = None,
    paths: tuple[str, ...] | None = None,
    requires: Mapping[str, tuple[str, ...]] | None = None,
    version: str = "1",
    sources: tuple[str, ...] | None = None,
    reader: Reader | None = None,
) -> Callable[[F], F]:
    """Register a parser function ``(opened_input, ctx) -> Iterator[Record]``.

    The artifact's name is ``record.TYPE``; its platform is the part before the first dot.
    ``requires`` lists, for SQLite, each table with the columns the parser cannot do without; the
    pipeline reports a schema mismatch instead of calling the parser when one is missing.
    ``sources`` limits the artifact to some acquisition kinds (``Source.kind``), e.g. a
    filesystem walk that would only repeat the Manifest on a backup. With ``reader`` the
    artifact is one of the record types of a shared input (:class:`Reader`), whose input kind,
    paths and sources it takes; its parser gets what the reader's ``prepare`` made.
    """
    if reader is not None:
        if input is not None or paths is not None or sources is not None:
            raise ValueError("an artifact with a reader takes its input, paths and sources")
        input, paths, sources = reader.input, reader.paths, reader.sources
    if input is None or paths is None:
        raise ValueError("an artifact needs an input kind and paths, or a reader")
    kind: InputKind = input
    globs: tuple[str, ...] = paths

    def wrap(func: F) -> F:
        name = record.TYPE
        if name in _ARTIFACTS and _ARTIFACTS[name].module != func.__module__:
            raise ValueError(f"artifact {name!r} registered twice")
        doc = (func.__doc__ or "").strip().splitlines()
        _ARTIFACTS[name] = Artifact(
            name=name,
            func=func,
            record=record,
            input=kind,
            paths=globs,
            requires=dict(requires or {}),
            version=version,
            platform=name.split(".", 1)[0],
            description=doc[0] if doc else "",
            module=func.__module__,
            sources=sources,
            reader=reader,
        )
        return func

    return wrap


class Severity(StrEnum):
    """Detection severity, in increasing order."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Finding:
    """A heuristic result: what a detector saw, how serious, and the records it points at."""

    detector: str
    severity: Severity
    message: str
    ts: datetime | None
    record: Record
    prov: Provenance
    value: str | None = None
    related: tuple[tuple[Record, Provenance], ...] = field(default=())
    #: A chain of events (time, artifact, what happened), in time order, for findings that
    #: describe a sequence (``infection_sequence``); the report draws it as a timeline.
    steps: tuple[tuple[datetime | None, str, str], ...] = field(default=())
    #: What tells this finding from the detector's others on the same row and time, for its
    #: stable id (``core.detection``); ``value`` when not given.
    key: str | None = None


class Detector:
    """Base of heuristics that need no indicator. One instance per run; never mutate records.

    ``feed`` sees each record of the declared TYPES as it streams by; ``finish`` runs after all
    records, for detectors that must see a whole artifact (keep only what is needed).
    """

    NAME: ClassVar[str] = ""
    TYPES: ClassVar[tuple[str, ...]] = ()
    DESCRIPTION: ClassVar[str] = ""
    #: Types whose rows go to ``feed_columns`` as Arrow columns, not to ``feed``: for a
    #: detector that keeps many rows of a type (every received link) and reports at ``finish``
    #: only, so it makes record objects (``core.columns.batch_records``) just for the few rows
    #: it reports on. It must treat each row as ``feed`` would, values of ``_extra`` included.
    COLUMN_TYPES: ClassVar[frozenset[str]] = frozenset()

    def feed(self, record: Record, prov: Provenance) -> Iterator[Finding]:
        return iter(())

    def finish(self) -> Iterator[Finding]:
        return iter(())

    def wants(self, type_name: str, batch: pa.RecordBatch) -> pa.Array | None:
        """The rows of ``batch`` (records of ``type_name`` as Arrow columns) that ``feed`` must
        see, as a boolean column, or None for every row. A detector that reacts to few rows
        (a received link, an alert's wording) says which here, with a test at least as wide as
        ``feed``'s, so the engine builds record objects for those rows only. ``feed`` must not
        depend on the rows it is not shown."""
        return None

    def feed_columns(self, type_name: str, batch: pa.RecordBatch, cls: type[Record]) -> None:
        """For the types of ``COLUMN_TYPES``, instead of one ``feed`` per record: the rows of
        ``batch`` that ``wants`` chose (only they, in order, as Arrow columns with their
        provenance columns, ``core.columns``)."""

    def use_indicators(self, index: IndicatorIndex) -> None:
        """Called once before any record with the run's indicators, for detectors that weigh
        whether records they keep match one (they never change the matches)."""


_DETECTORS: dict[str, type[Detector]] = {}
D = TypeVar("D", bound=type[Detector])


def detector(cls: D) -> D:
    """Register a Detector subclass (NAME and TYPES must be set)."""
    if not cls.NAME or not cls.TYPES:
        raise ValueError(f"detector {cls.__name__} needs NAME and TYPES")
    if cls.NAME in _DETECTORS and _DETECTORS[cls.NAME] is not cls:
        raise ValueError(f"detector {cls.NAME!r} registered twice")
    _DETECTORS[cls.NAME] = cls
    return cls


def _import_package(package: str) -> None:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
        importlib.import_module(info.name)


_LOADED: list[bool] = []


def load_all() -> None:
    """Import every parser and detector module so that they register (once: the report asks
    for declarations row by row)."""
    if _LOADED:
        return
    _import_package("tracehound.parsers")
    _import_package("tracehound.detectors")
    _LOADED.append(True)


def artifacts(platform: str | None = None, source_kind: str | None = None) -> list[Artifact]:
    """Registered artifacts, sorted by name, optionally for one platform and source kind."""
    load_all()
    return sorted(
        (
            a
            for a in _ARTIFACTS.values()
            if (platform is None or a.platform == platform)
            and (source_kind is None or a.sources is None or source_kind in a.sources)
        ),
        key=lambda a: a.name,
    )


T = TypeVar("T")


def units(items: list[T], artifact_of: Callable[[T], Artifact]) -> list[list[T]]:
    """``items`` (artifacts, or the engine's states of artifacts) in the units the engine runs:
    each artifact alone, except the members of one shared reader, which run together (their
    input read once) at the place of the first; otherwise in the given order."""
    found: dict[str, list[T]] = {}
    order: list[list[T]] = []
    for item in items:
        art = artifact_of(item)
        key = art.reader.name if art.reader is not None else "\0" + art.name
        unit = found.get(key)
        if unit is None:
            unit = found[key] = []
            order.append(unit)
        unit.append(item)
    return order


def record_types() -> dict[str, type[Record]]:
    """Every registered record TYPE to its class (to read records back from JSONL)."""
    load_all()
    return {a.name: a.record for a in _ARTIFACTS.values()}


def detectors() -> list[type[Detector]]:
    """Registered detector classes, sorted by name."""
    load_all()
    return [cls for _, cls in sorted(_DETECTORS.items())]
