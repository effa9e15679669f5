"""Load STIX2 indicator bundles into Indicators: object path mapping, malware names, counts.

The bundle layout (malware, indicator and ``indicates`` relationship objects) and the object paths
used by the mobile-spyware files (``app:id``, ``configuration-profile:id``...) are MVT's: see the
mvt-project/mvt-indicators files and ``data/iocs/SOURCES.md``. Patterns are parsed by
``iocs/pattern.py``; only patterns that OR simple ``=`` comparisons together become lookups,
anything else is a counted load warning, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from tracehound.core.errors import TracehoundError
from tracehound.iocs.normalise import (
    normalise_domain,
    normalise_email,
    normalise_hash,
    normalise_path,
    normalise_url,
    parse_ip,
    split_url,
)
from tracehound.iocs.pattern import PatternError, parse_pattern

#: How many warning messages an IocSet keeps (all are counted).
MAX_WARNINGS = 200


class IocKind(StrEnum):
    """What an indicator value is."""

    DOMAIN = "domain"
    URL = "url"
    IP = "ip"
    EMAIL = "email"
    PROCESS = "process"
    FILE_NAME = "file_name"
    FILE_PATH = "file_path"
    FILE_HASH = "file_hash"
    APP_ID = "app_id"
    CERT_HASH = "cert_hash"
    PROFILE_ID = "profile_id"
    ANDROID_PROPERTY = "android_property"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One ``object_path = value`` comparison of a STIX2 indicator, ready for lookup."""

    id: str
    kind: IocKind
    value: str  # normalised for lookup
    raw: str  # the value as written in the pattern
    object_path: str  # as written, e.g. file:hashes.'SHA-256'
    malware: tuple[str, ...]  # names of the malware the indicator indicates
    source: str  # path of the file it came from


class IocFileError(TracehoundError):
    """An indicator file that cannot be read or is not a STIX2 bundle."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Object paths and normalisation
# --------------------------------------------------------------------------------------------

_SIMPLE_PATHS = {
    "domain-name:value": IocKind.DOMAIN,
    "url:value": IocKind.URL,
    "ipv4-addr:value": IocKind.IP,
    "ipv6-addr:value": IocKind.IP,
    "email-addr:value": IocKind.EMAIL,
    "process:name": IocKind.PROCESS,
    "file:name": IocKind.FILE_NAME,
    "file:path": IocKind.FILE_PATH,
    "app:id": IocKind.APP_ID,
    "configuration-profile:id": IocKind.PROFILE_ID,
    "android-property:name": IocKind.ANDROID_PROPERTY,
}
#: Hex length of each hash algorithm (STIX hash names, any case, with or without "-").
HASH_LENGTHS = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}
_HASH_PARENTS = {"file:hashes": IocKind.FILE_HASH, "app:cert": IocKind.CERT_HASH}
_HEX = frozenset("0123456789abcdef")
_path_cache: dict[str, tuple[IocKind, int] | None] = {}


def path_kind(object_path: str) -> tuple[IocKind, int] | None:
    """The kind of an object path and, for hashes, the expected hex length (else 0)."""
    try:
        return _path_cache[object_path]
    except KeyError:
        pass
    found: tuple[IocKind, int] | None = None
    if object_path in _SIMPLE_PATHS:
        found = (_SIMPLE_PATHS[object_path], 0)
    else:
        parent, _, alg = object_path.partition(".")
        alg = alg.strip("'").upper().replace("-", "")
        if parent in _HASH_PARENTS and alg in HASH_LENGTHS:
            found = (_HASH_PARENTS[parent], HASH_LENGTHS[alg])
    _path_cache[object_path] = found
    return found


def normalise_value(
    kind: IocKind, raw: str, hash_len: int
) -> tuple[IocKind, str | None, str | None]:
    """(kind, normalised value or None to drop it, warning or None) for one indicator value.

    Rules (the index applies the same helpers to observed values):
    - domain: see ``_normalise_domain_ioc`` and ``normalise_domain``;
    - url: lower-case scheme and host, no userinfo, no default port, ``/`` alone as path
      dropped, path/query/fragment kept as written (``split_url``, ``normalise_url``);
    - ip: ``ipaddress`` canonical text; CIDR kept as a network (host bits cleared);
    - email: lower-case, no ``mailto:``;
    - file_path: ``normalise_path`` (segments, ``/private`` symlinks, relative kept relative);
    - hashes: lower-case hex without ``:``; a length that does not fit the algorithm warns;
    - app_id: lower-case (Android package names and iOS bundle ids are case-insensitive in
      MVT's comparison); profile_id: upper-case (UUIDs);
    - process, file_name, android_property: as written (case-sensitive), outer spaces removed.
    """
    if kind is IocKind.DOMAIN:
        return _normalise_domain_ioc(raw)
    if kind is IocKind.URL:
        parts = split_url(raw)
        return (
            (kind, None, "URL has no host") if parts is None else (kind, normalise_url(parts), None)
        )
    if kind is IocKind.IP:
        ip = parse_ip(raw)
        return (kind, None, "not an IP address") if ip is None else (kind, str(ip), None)
    if kind is IocKind.EMAIL:
        return kind, normalise_email(raw), None
    if kind is IocKind.FILE_PATH:
        return kind, normalise_path(raw), None
    if kind in (IocKind.FILE_HASH, IocKind.CERT_HASH):
        value = normalise_hash(raw)
        if not value or not _HEX.issuperset(value):
            return kind, None, "hash is not hexadecimal"
        warning = None if len(value) == hash_len else f"{len(value)} hex digits for this algorithm"
        return kind, value, warning
    if kind is IocKind.APP_ID:
        return kind, raw.strip().lower(), None
    if kind is IocKind.PROFILE_ID:
        return kind, raw.strip().upper(), None  # profile ids are UUIDs: compare upper-case
    # process names (case-sensitive), file names and Android properties are kept as written.
    return kind, raw.strip(), None


def _normalise_domain_ioc(raw: str) -> tuple[IocKind, str | None, str | None]:
    """Domain indicator: a URL or ``host/path`` gives its host; an IP becomes an IP indicator."""
    warning = None
    text = raw.strip()
    if "/" in text or "://" in text:
        parts = split_url(text)
        if parts is None:
            return IocKind.DOMAIN, None, "domain value is an unusable URL"
        warning, text = "domain value is a URL: its host is used", parts.host
    ip = parse_ip(text) if text[-1:].isdigit() or ":" in text else None
    if ip is not None:
        return IocKind.IP, str(ip), warning
    host = normalise_domain(text)
    if "." not in host or " " in host:
        return IocKind.DOMAIN, None, "domain without a dot (or with spaces) ignored"
    return IocKind.DOMAIN, host, warning


# --------------------------------------------------------------------------------------------
# Bundles
# --------------------------------------------------------------------------------------------


def load_bundle(path: Path) -> tuple[list[Indicator], list[str]]:
    """Read one STIX2 bundle: its indicators and the load warnings (messages)."""
    indicators, warnings, _, _ = load_bundle_bytes(path, read_indicator_file(path))
    return indicators, warnings


def read_indicator_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IocFileError(path, f"cannot read: {exc.strerror or exc}") from exc


def load_bundle_bytes(
    path: Path, data: bytes, name: str | None = None
) -> tuple[list[Indicator], list[str], int, str | None]:
    """Indicators, warnings, duplicate indicator objects skipped, and the newest date.

    ``name`` is how the file is named in indicators and messages (default: its path).
    """
    src = name or str(path)
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IocFileError(src, f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), list):
        raise IocFileError(src, "not a STIX2 bundle (no 'objects' list)")
    if doc.get("type", "bundle") != "bundle":
        raise IocFileError(src, f"not a STIX2 bundle (type {doc.get('type')!r})")
    warnings: list[str] = []
    indicators, malware, relations = _classify(src, doc["objects"], warnings)
    names = _resolve(src, indicators, malware, relations, warnings)
    for oid, found in _report_names(doc["objects"]).items():
        names.setdefault(oid, found)
    out: list[Indicator] = []
    seen: dict[str, str] = {}
    duplicates = 0
    newest: str | None = None
    for obj in indicators:
        stamp = obj.get("modified") or obj.get("created")
        if isinstance(stamp, str) and (newest is None or stamp > newest):
            newest = stamp
        oid, pattern = obj["id"], obj["pattern"]
        if oid in seen:
            if seen[oid] == pattern:
                duplicates += 1  # the same object twice (stalkerware.stix2 has 38)
                continue
            warnings.append(f"{src}: indicator {oid} appears with two patterns; both loaded")
        seen[oid] = pattern
        _add_indicator(out, warnings, src, oid, pattern, names.get(oid, ()))
    return out, warnings, duplicates, newest


def _classify(
    path: str, objects: list[Any], warnings: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, Any]]]:
    """Indicator objects, malware names by id, and ``indicates`` relationships."""
    indicators: list[dict[str, Any]] = []
    malware: dict[str, str] = {}
    relations: list[dict[str, Any]] = []
    for obj in objects:
        if not isinstance(obj, dict):
            warnings.append(f"{path}: an entry of 'objects' is not a JSON object")
            continue
        otype = obj.get("type")
        if otype == "indicator":
            oid, pattern = obj.get("id"), obj.get("pattern")
            if not isinstance(oid, str) or not isinstance(pattern, str):
                warnings.append(f"{path}: indicator {oid} has no id or no pattern")
            elif obj.get("pattern_type", "stix") != "stix":
                warnings.append(f"{path}: indicator {oid}: pattern type is not 'stix'")
            else:
                indicators.append(obj)
        elif otype == "malware":
            oid, name = obj.get("id"), obj.get("name")
            if isinstance(oid, str):
                malware[oid] = name if isinstance(name, str) and name else oid
        elif otype == "relationship" and obj.get("relationship_type") == "indicates":
            relations.append(obj)
    return indicators, malware, relations


def _resolve(
    path: str,
    indicators: list[dict[str, Any]],
    malware: dict[str, str],
    relations: list[dict[str, Any]],
    warnings: list[str],
) -> dict[str, tuple[str, ...]]:
    """Malware names of each indicator id, in relationship order, without repeats."""
    ids = {obj["id"] for obj in indicators}
    names: dict[str, list[str]] = {}
    for rel in relations:
        src, dst = rel.get("source_ref"), rel.get("target_ref")
        if src not in ids or dst not in malware:
            missing = f"source_ref {src}" if src not in ids else f"target_ref {dst}"
            warnings.append(f"{path}: relationship {rel.get('id')}: {missing} is not in the bundle")
            continue
        assert isinstance(src, str) and isinstance(dst, str)
        found = names.setdefault(src, [])
        if malware[dst] not in found:
            found.append(malware[dst])
    return {oid: tuple(found) for oid, found in names.items()}


def _report_names(objects: list[Any]) -> dict[str, tuple[str, ...]]:
    """Names for the indicators a ``report`` lists in its ``object_refs``.

    Some real feeds (AlienVault OTX pulse exports, e.g. MVT's test file
    ``tests/artifacts/stix2/638cd3ee5e5f019f84f9e0ea.json``) have no malware object and no
    relationship: the report is the collection, as MVT's ``parse_stix2`` reads it. An indicator
    is named after the malware, else the threat actors, the report refers to, else the report.
    Only used for indicators that no ``indicates`` relationship names.
    """
    by_id = {o.get("id"): o for o in objects if isinstance(o, dict)}
    names: dict[str, tuple[str, ...]] = {}
    for report in (o for o in by_id.values() if o.get("type") == "report"):
        refs = [r for r in report.get("object_refs") or () if isinstance(r, str)]
        named = [by_id.get(r) or {} for r in refs]
        found: tuple[str, ...] = ()
        for kind in ("malware", "threat-actor"):
            found = found or tuple(
                o["name"] for o in named if o.get("type") == kind and isinstance(o.get("name"), str)
            )
        if not found and isinstance(report.get("name"), str) and report["name"]:
            found = (report["name"],)
        for ref in refs:
            if found and (by_id.get(ref) or {}).get("type") == "indicator":
                names.setdefault(ref, found)
    return names


def _add_indicator(
    out: list[Indicator],
    warnings: list[str],
    src: str,
    oid: str,
    pattern: str,
    malware: tuple[str, ...],
) -> None:
    """Append the indicators of one pattern, or warn why it cannot be used."""
    try:
        comparisons = parse_pattern(pattern)
    except PatternError as exc:
        warnings.append(f"{src}: indicator {oid}: unsupported pattern {pattern!r}: {exc}")
        return
    for object_path, raw in comparisons:
        found = path_kind(object_path)
        if found is None:
            warnings.append(f"{src}: indicator {oid}: unknown object path {object_path!r}")
            continue
        kind, value, warning = normalise_value(found[0], raw, found[1])
        if warning is not None:
            warnings.append(f"{src}: indicator {oid}: {object_path} {raw!r}: {warning}")
        if value == "" and warning is None:
            warnings.append(f"{src}: indicator {oid}: {object_path} has an empty value")
        if value:
            out.append(Indicator(oid, kind, value, raw, object_path, malware, src))


@dataclass
class IocFile:
    """What one indicator file gave."""

    path: str
    sha256: str
    indicators: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # per IocKind value
    malware: tuple[str, ...] = ()  # sorted names
    warnings: int = 0
    error: str | None = None
    duplicates: int = 0  # duplicate indicator objects (same id and pattern) loaded once
    newest: str | None = None  # latest ``modified``/``created`` of its indicators (STIX2 only)


@dataclass
class IocSet:
    """Indicators from several files, with per-file summaries and warnings."""

    indicators: list[Indicator] = field(default_factory=list)
    files: list[IocFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the first MAX_WARNINGS messages
    warning_count: int = 0

    def warn(self, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
