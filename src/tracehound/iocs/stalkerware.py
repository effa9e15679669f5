"""Load the stalkerware source's own files: ``ioc.yaml`` (per app) and ``samples.csv`` (APKs).

Format facts (AssoEchap/stalkerware-indicators, files copied in ``data/iocs/stalkerware``):
``ioc.yaml`` is a list of apps, each with ``name``, ``type`` and optional lists ``packages``
(Android package names), ``certificates`` (SHA-1 of the signing certificate, upper-case hex),
``websites`` (vendor sites), ``distribution`` (download sites), ``c2.domains`` and ``c2.ips``
(once spelled ``c2.ip``). ``samples.csv`` has the header ``SHA256,Package Name,Certificate,
Version,App``. These files are newer than the source's STIX2 export (see the iocs README), so
both are loaded; the index reports one detection per (indicator value, malware) however many
files list it.

The files carry no STIX ids; each indicator gets a stable derived id (uuid5 of file, kind and
value), so results and sightings stay the same between runs.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import yaml

from tracehound.iocs.stix import HASH_LENGTHS, Indicator, IocFileError, IocKind, normalise_value

#: File names recognised as stalkerware-source files (inside indicator folders too).
KNOWN_NAMES = ("ioc.yaml", "samples.csv")
#: libyaml's safe loader when available (about 10x faster than the pure-Python one).
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAMESPACE = uuid.UUID("5b8d0c9e-4f2a-4d43-9a55-7a1f3d2e6c10")  # tracehound's own namespace

# YAML key -> (kind, STIX-like object path used for display and hash length)
_YAML_LISTS: dict[str, tuple[IocKind, str]] = {
    "packages": (IocKind.APP_ID, "app:id"),
    "certificates": (IocKind.CERT_HASH, "app:cert.sha1"),
    "websites": (IocKind.DOMAIN, "domain-name:value"),
    "distribution": (IocKind.DOMAIN, "domain-name:value"),
}
_C2_LISTS: dict[str, tuple[IocKind, str]] = {
    "domains": (IocKind.DOMAIN, "domain-name:value"),
    "ips": (IocKind.IP, "ipv4-addr:value"),
    "ip": (IocKind.IP, "ipv4-addr:value"),
}


def is_stalkerware_file(path: Path) -> bool:
    """True for the file names this module reads."""
    return path.name in KNOWN_NAMES


def load_stalkerware(path: Path, data: bytes, name: str) -> tuple[list[Indicator], list[str]]:
    """Indicators and warnings from ``ioc.yaml`` or ``samples.csv`` (by file name)."""
    if path.name == "samples.csv":
        return _load_samples(data, name)
    return _load_yaml(data, name)


class _Out:
    """Indicators of one file, each (kind, value, malware) once (samples.csv repeats them)."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.indicators: list[Indicator] = []
        self.warnings: list[str] = []
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, kind: IocKind, object_path: str, raw: object, malware: str) -> None:
        _make(self, kind, object_path, raw, malware)


def _make(out: _Out, kind: IocKind, object_path: str, raw: object, malware: str) -> None:
    src, warnings = out.src, out.warnings
    if not isinstance(raw, str) or not raw.strip():
        warnings.append(f"{src}: {malware}: {object_path}: not a text value: {raw!r}")
        return
    raw = raw.strip()
    if kind is IocKind.DOMAIN and "/" in raw.split("://", 1)[-1].rstrip("/"):
        # A page such as https://github.com/<user>/<repo>: matching its host would flag every
        # visit to github.com, so it is a URL indicator.
        kind, object_path = IocKind.URL, "url:value"
    hash_len = HASH_LENGTHS["SHA1"] if object_path == "app:cert.sha1" else 0
    if kind is IocKind.FILE_HASH:
        hash_len = HASH_LENGTHS["SHA256"]
    final_kind, value, warning = normalise_value(kind, raw, hash_len)
    if warning is not None:
        warnings.append(f"{src}: {malware}: {object_path} {raw!r}: {warning}")
    if not value or (final_kind.value, value, malware) in out.seen:
        return
    out.seen.add((final_kind.value, value, malware))
    oid = f"indicator--{uuid.uuid5(_NAMESPACE, f'{src}|{object_path}|{value}|{malware}')}"
    out.indicators.append(Indicator(oid, final_kind, value, raw, object_path, (malware,), src))


def _load_yaml(data: bytes, src: str) -> tuple[list[Indicator], list[str]]:
    try:
        doc = yaml.load(io.BytesIO(data), Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise IocFileError(src, f"invalid YAML: {exc}") from exc
    if not isinstance(doc, list):
        raise IocFileError(src, "not a stalkerware ioc.yaml (expected a list of apps)")
    out = _Out(src)
    for number, app in enumerate(doc, 1):
        if not isinstance(app, dict) or not isinstance(app.get("name"), str):
            out.warnings.append(f"{src}: entry {number} is not an app with a name")
            continue
        malware = app["name"]
        for key, (kind, object_path) in _YAML_LISTS.items():
            for raw in _as_list(app.get(key), src, malware, key, out.warnings):
                out.add(kind, object_path, raw, malware)
        c2 = app.get("c2") or {}
        if not isinstance(c2, dict):
            out.warnings.append(f"{src}: {malware}: c2 is not a mapping")
            continue
        for key, (kind, object_path) in _C2_LISTS.items():
            for raw in _as_list(c2.get(key), src, malware, f"c2.{key}", out.warnings):
                out.add(kind, object_path, raw, malware)
    return out.indicators, out.warnings


def _as_list(value: Any, src: str, malware: str, key: str, warnings: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    warnings.append(f"{src}: {malware}: {key} is not a list")
    return []


def _load_samples(data: bytes, src: str) -> tuple[list[Indicator], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IocFileError(src, f"not UTF-8 text: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    needed = {"SHA256", "Package Name", "Certificate", "App"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise IocFileError(src, f"not a samples.csv (header needs {', '.join(sorted(needed))})")
    out = _Out(src)
    for row in reader:
        malware = (row.get("App") or "").strip() or "unnamed stalkerware"
        for column, kind, object_path in _CSV_COLUMNS:
            if row.get(column):
                out.add(kind, object_path, row[column], malware)
    return out.indicators, out.warnings


_CSV_COLUMNS = (
    ("SHA256", IocKind.FILE_HASH, "file:hashes.sha256"),
    ("Package Name", IocKind.APP_ID, "app:id"),
    ("Certificate", IocKind.CERT_HASH, "app:cert.sha1"),
)
