"""A local cache of loaded indicator files, keyed by their SHA-256, so a check starts fast.

Loading and normalising the ~17,000 bundled indicators (JSON, YAML, CSV) takes about 0.3 s;
reading them back from this cache takes a few milliseconds more than hashing the files, which is
done on every run anyway (run.json records each indicator file's SHA-256). The cache is plain JSON
(no pickle or marshal: reading it can never run code or crash the interpreter), lives in the
user cache folder ($TRACEHOUND_CACHE_DIR overrides it), and is rebuilt whenever a file's content,
its label or tracehound's version changes. A damaged or unwritable cache only costs speed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from tracehound import __version__
from tracehound.iocs.load import expand, load_iocs
from tracehound.iocs.stix import Indicator, IocFile, IocKind, IocSet

ENV_CACHE_DIR = "TRACEHOUND_CACHE_DIR"
FORMAT = 1


def cache_dir() -> Path:
    """$TRACEHOUND_CACHE_DIR, else the user cache folder."""
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env) if env else platformdirs.user_cache_path("tracehound", appauthor=False)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def load_iocs_cached(paths: Sequence[Path], label: Callable[[Path], str] = str) -> IocSet:
    """``load_iocs(paths, label)``, from the cache when every file is unchanged."""
    entries = expand(paths)
    if any(problem is not None for _, problem in entries):
        return load_iocs(paths, label)  # records the missing path or empty folder as an error
    try:
        parts = [(label(p), _digest(p)) for p, _ in entries]
    except OSError:
        return load_iocs(paths, label)  # records the unreadable file as load_iocs does
    key = hashlib.sha256(repr((FORMAT, __version__, parts)).encode()).hexdigest()
    target = cache_dir() / f"iocs-{key[:32]}.json"
    cached = _read(target)
    if cached is not None:
        return cached
    result = load_iocs(paths, label)
    if not any(f.error for f in result.files):
        _write(target, result)
    return result


def _write(target: Path, result: IocSet) -> None:
    data = (
        FORMAT,
        [
            (i.id, i.kind.value, i.value, i.raw, i.object_path, i.malware, i.source)
            for i in result.indicators
        ],
        [
            (
                f.path,
                f.sha256,
                f.indicators,
                f.counts,
                f.malware,
                f.warnings,
                f.duplicates,
                f.newest,
            )
            for f in result.files
        ],
        result.warnings,
        result.warning_count,
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(orjson.dumps(data))
        os.replace(handle.name, target)
    except OSError:
        return


def _read(target: Path) -> IocSet | None:
    try:
        data: Any = orjson.loads(target.read_bytes())
        version, indicators, files, warnings, warning_count = data
        if version != FORMAT:
            return None
        result = IocSet(warnings=list(warnings), warning_count=warning_count)
        kinds = {k.value: k for k in IocKind}
        result.indicators = [
            Indicator(oid, kinds[kind], value, raw, path, tuple(malware), source)
            for oid, kind, value, raw, path, malware, source in indicators
        ]
        result.files = [
            IocFile(
                path=p,
                sha256=sha,
                indicators=n,
                counts=dict(counts),
                malware=tuple(malware),
                warnings=w,
                duplicates=d,
                newest=newest,
            )
            for p, sha, n, counts, malware, w, d, newest in files
        ]
        return result
    except (OSError, ValueError, TypeError, KeyError):  # orjson.JSONDecodeError is a ValueError
        return None
