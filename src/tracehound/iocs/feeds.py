"""Keep indicators current: download the sources an index names, atomically, and pick the set.

The index format is mvt-project/mvt-indicators' ``indicators.yaml`` (a copy ships in
``data/iocs/indicators.yaml``): a list ``indicators`` of entries with ``name`` and either
``type: github`` plus ``github: {owner, repo, branch, path}`` (fetched from
raw.githubusercontent.com) or ``type: download`` plus ``download_url``. For the stalkerware
source (AssoEchap/stalkerware-indicators) the newer ``ioc.yaml`` and ``samples.csv`` at the
repository root are fetched too (see ``iocs/stalkerware.py``).

This is the only module that uses the network, and only when the user runs
``tracehound iocs update``. Every file is downloaded into a staging folder, checked to load, and
only then does the staging folder replace the current set, so a failed update never leaves a
half-written set. ``manifest.json`` records each file's URL, SHA-256, size and the time.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
import yaml

from tracehound.core.errors import TracehoundError
from tracehound.iocs.bundled import bundled_paths, source_label
from tracehound.iocs.load import load_iocs

DEFAULT_INDEX_URL = (
    "https://raw.githubusercontent.com/mvt-project/mvt-indicators/main/indicators.yaml"
)
ENV_DATA_DIR = "TRACEHOUND_DATA_DIR"
ENV_INDEX_URL = "TRACEHOUND_IOC_INDEX_URL"
MANIFEST = "manifest.json"
MAX_FILE_BYTES = 64 * 1024 * 1024  # the largest public file is about 5 MB
STALKERWARE_REPO = ("AssoEchap", "stalkerware-indicators")
STALKERWARE_EXTRAS = ("ioc.yaml", "samples.csv")


class UpdateError(TracehoundError):
    """An update that could not complete; the current indicator set is untouched."""


@dataclass(frozen=True)
class Feed:
    """One file to download."""

    name: str  # the index entry's name
    url: str
    folder: str  # sub-folder of the set
    filename: str


def data_dir() -> Path:
    """Where downloaded indicators live: $TRACEHOUND_DATA_DIR or the user data folder."""
    env = os.environ.get(ENV_DATA_DIR)
    base = Path(env) if env else platformdirs.user_data_path("tracehound", appauthor=False)
    return base / "iocs"


def check_url(url: str) -> str:
    """Refuse anything but HTTPS; plain HTTP only to a loopback host (local mirrors, tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return url
    raise UpdateError(f"{url}: only https:// URLs are allowed (http:// only to this machine)")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to URLs that pass ``check_url`` (no downgrade to plain HTTP)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_CheckedRedirects)


def fetch(url: str, timeout: float, limit: int = MAX_FILE_BYTES) -> bytes:
    """GET ``url`` with a timeout and a size limit; errors become UpdateError."""
    checked = check_url(url)
    request = urllib.request.Request(checked, headers={"User-Agent": "tracehound"})  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            data = bytes(response.read(limit + 1))
    except OSError as exc:  # URLError, HTTPError, timeouts and socket errors
        raise UpdateError(f"{url}: download failed: {exc}") from exc
    if len(data) > limit:
        raise UpdateError(f"{url}: larger than {limit} bytes; refused")
    return data


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "source"


def feeds_from_index(data: bytes, index_url: str) -> list[Feed]:
    """The files an index names, in order; a malformed index raises UpdateError."""
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise UpdateError(f"{index_url}: invalid YAML: {exc}") from exc
    entries = doc.get("indicators") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise UpdateError(f"{index_url}: not an indicator index (no 'indicators' list)")
    feeds: list[Feed] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise UpdateError(f"{index_url}: entry {number} is not a mapping")
        name = str(entry.get("name") or f"entry {number}")
        folder = f"{number:02d}_{_slug(name)}"
        if entry.get("type") == "github" and isinstance(entry.get("github"), dict):
            gh = entry["github"]
            owner, repo = str(gh.get("owner", "")), str(gh.get("repo", ""))
            branch, path = str(gh.get("branch", "main")), str(gh.get("path", ""))
            if not owner or not repo or not path:
                raise UpdateError(f"{index_url}: entry {name!r}: incomplete github location")
            base = f"https://raw.githubusercontent.com/{owner}/{repo}/{branch}/"
            feeds.append(Feed(name, base + path, folder, Path(path).name))
            if (owner, repo) == STALKERWARE_REPO:
                feeds += [Feed(name, base + extra, folder, extra) for extra in STALKERWARE_EXTRAS]
        elif entry.get("type") == "download" and isinstance(entry.get("download_url"), str):
            url = entry["download_url"]
            feeds.append(Feed(name, url, folder, Path(urlsplit(url).path).name or "iocs.stix2"))
        else:
            raise UpdateError(f"{index_url}: entry {name!r}: unknown type {entry.get('type')!r}")
    for feed in feeds:
        check_url(feed.url)
        if not re.fullmatch(r"[A-Za-z0-9._-]+", feed.filename) or feed.filename.startswith("."):
            raise UpdateError(f"{feed.url}: unsafe file name {feed.filename!r}")
    return feeds


def update(
    index_url: str | None = None,
    root: Path | None = None,
    timeout: float = 30.0,
    progress: Callable[[Feed], None] | None = None,
) -> dict[str, Any]:
    """Download every file of the index into a new set and swap it in; return its manifest."""
    index_url = index_url or os.environ.get(ENV_INDEX_URL) or DEFAULT_INDEX_URL
    root = root or data_dir()
    root.parent.mkdir(parents=True, exist_ok=True)
    feeds = feeds_from_index(fetch(index_url, timeout), index_url)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root.parent))
    try:
        files = []
        for feed in feeds:
            if progress:
                progress(feed)
            data = fetch(feed.url, timeout)
            target = staging / feed.folder / feed.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files.append(
                {
                    "name": feed.name,
                    "url": feed.url,
                    "path": f"{feed.folder}/{feed.filename}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
            )
        loaded = load_iocs(sorted(p for p in staging.rglob("*") if p.is_file()))
        broken = [f for f in loaded.files if f.error]
        if broken:
            raise UpdateError(
                "downloaded files do not load: "
                + "; ".join(f"{f.path}: {f.error}" for f in broken[:5])
            )
        manifest = {
            "index_url": index_url,
            "updated": datetime.now(UTC).isoformat(),
            "indicators": len(loaded.indicators),
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        _swap(staging, root)
        return manifest
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, root: Path) -> None:
    """Replace ``root`` by ``staging`` with renames only (no half-written set at any time)."""
    old = None
    if root.exists():
        old = Path(tempfile.mkdtemp(prefix=".old-", dir=root.parent))
        os.replace(root, old / "set")
    os.replace(staging, root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(root: Path | None = None) -> dict[str, Any] | None:
    """The downloaded set's manifest, or None when nothing was downloaded (or it is damaged)."""
    path = (root or data_dir()) / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "files" in manifest else None


def downloaded_paths(root: Path | None = None) -> list[Path]:
    """Files of the downloaded set, in manifest order (empty when there is none)."""
    root = root or data_dir()
    manifest = read_manifest(root)
    if manifest is None:
        return []
    return [root / str(f["path"]) for f in manifest["files"] if isinstance(f, dict)]


def default_paths() -> tuple[str, list[Path]]:
    """The default indicator set: ("downloaded", files) after an update, else the bundled one."""
    downloaded = downloaded_paths()
    if downloaded:
        return "downloaded", downloaded
    return "bundled", bundled_paths()


def label(path: Path) -> str:
    """``bundled:<folder>/<file>``, ``downloaded:<folder>/<file>``, or the path as given."""
    name = source_label(path)
    if name.startswith("bundled:"):
        return name
    try:
        return "downloaded:" + path.resolve().relative_to(data_dir().resolve()).as_posix()
    except ValueError:
        return str(path)
