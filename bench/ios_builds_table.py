"""Rebuild ``src/tracehound/data/ios_builds/builds.json``: iOS builds, versions, release dates.

Run with git clones (or bare mirrors) of three public repositories::

    .venv/bin/python bench/ios_builds_table.py --mvt MVT_GIT --sofa SOFA_GIT --cfw CFW_GIT \
        [--built YYYY-MM-DD] [--output FILE]

Sources (versions and licenses in ``src/tracehound/data/ios_builds/SOURCES.md``):

- ``mvt``: mvt-project/mvt ``src/mvt/ios/data/ios_versions.json``, a list of
  ``{"build", "version"}`` pairs (no dates) from iOS 1.0 to the newest release MVT knew;
- ``sofa``: macadmins/sofa ``v1/ios_data_feed.json`` (every commit of its history, which
  reaches back to iOS 16.0) and ``v2/ios_data_feed.json`` (its newest commit, which has builds):
  per release ``ProductVersion``, ``ReleaseDate``, ``SecurityInfo`` (the advisory on Apple's
  security releases page, support.apple.com/en-us/100100) and ``UniqueCVEsCount``;
- ``cfw``: cfw-guide/ios.cfw.guide ``docs/.vuepress/json/iosFiles/**.json`` (the last commit that
  still held them, January 2022: data up to iOS 15.3), per build ``version``, ``build``,
  ``released`` (YYYY-MM-DD) and ``beta``.

Only facts are taken (build numbers, version numbers, dates, CVE counts), never a file. A build
is dated by SOFA (by build, else by version) or the cfw-guide data (by build, else by version);
``security`` is true when SOFA counts CVE entries for the release, false when it lists the
release with none, and null when no source tells (releases before iOS 16).
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TABLE_FORMAT = 1
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent / "src/tracehound/data/ios_builds/builds.json"
)
MVT_FILE = "src/mvt/ios/data/ios_versions.json"
SOFA_V1, SOFA_V2 = "v1/ios_data_feed.json", "v2/ios_data_feed.json"
CFW_DIR = "docs/.vuepress/json/iosFiles"


def git(repo: Path, *args: str) -> str:
    """Output of a read-only git command in ``repo`` (a clone or a bare mirror)."""
    done = subprocess.run(
        ["git", "--git-dir", str(_git_dir(repo)), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _git_dir(repo: Path) -> Path:
    return repo / ".git" if (repo / ".git").exists() else repo


def head(repo: Path, path: str) -> tuple[str, str]:
    """The newest commit that changed ``path`` and its date (YYYY-MM-DD)."""
    commit, date = git(repo, "log", "-1", "--format=%H %cs", "--", path).split()
    return commit, date


def mvt_builds(repo: Path) -> list[tuple[str, str]]:
    """(build, version) pairs of MVT's table, in its order, without repeats."""
    rows = json.loads(git(repo, "show", f"HEAD:{MVT_FILE}"))
    seen: dict[str, str] = {}
    for row in rows:
        if isinstance(row.get("build"), str) and isinstance(row.get("version"), str):
            seen.setdefault(row["build"].strip(), row["version"].strip())
    return list(seen.items())


def _sofa_releases(feed: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for os_version in feed.get("OSVersions", []):
        yield from os_version.get("SecurityReleases", [])


def sofa_facts(repo: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Per version: release date, CVE count and advisory; and build -> version (v2 feed)."""
    by_version: dict[str, dict[str, Any]] = {}
    commits = git(repo, "log", "--format=%H", "--", SOFA_V1).split()
    for commit in commits:  # newest first: a later correction wins
        try:
            feed = json.loads(git(repo, "show", f"{commit}:{SOFA_V1}"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            continue
        for rel in _sofa_releases(feed):
            version = str(rel.get("ProductVersion", "")).strip()
            if version and version not in by_version:
                by_version[version] = {
                    "released": str(rel.get("ReleaseDate", ""))[:10] or None,
                    "cves": rel.get("UniqueCVEsCount"),
                    "advisory": rel.get("SecurityInfo"),
                }
    builds: dict[str, str] = {}
    for rel in _sofa_releases(json.loads(git(repo, "show", f"HEAD:{SOFA_V2}"))):
        for build in rel.get("AllBuilds") or [rel.get("Build")]:
            if isinstance(build, str) and build:
                builds.setdefault(build, str(rel.get("ProductVersion", "")).strip())
    return by_version, builds


def cfw_dates(repo: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    """The commit used, and release dates by build and by version (final releases only)."""
    gone = git(repo, "log", "-1", "--format=%H", "--", CFW_DIR).strip()
    commit = git(repo, "rev-parse", f"{gone}^").strip()
    by_build: dict[str, str] = {}
    by_version: dict[str, str] = {}
    for path in git(repo, "ls-tree", "-r", "--name-only", commit, CFW_DIR).splitlines():
        if not path.endswith(".json") or "/tvOS/" in path:
            continue
        try:
            row = json.loads(git(repo, "show", f"{commit}:{path}"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            continue
        released, build, version = row.get("released"), row.get("build"), row.get("version")
        if row.get("beta") or not all(isinstance(v, str) for v in (released, build, version)):
            continue
        if len(released) == 10 and "-" not in build:  # "18A373-GM" style entries are betas
            by_build.setdefault(build, released)
            by_version.setdefault(version, released)
    return commit, by_build, by_version


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def table(mvt: Path, sofa: Path, cfw: Path, built: str) -> dict[str, Any]:
    """The whole table: build rows sorted by version, with the sources' snapshots."""
    pairs = mvt_builds(mvt)
    sofa_versions, sofa_builds = sofa_facts(sofa)
    cfw_commit, cfw_build, cfw_version = cfw_dates(cfw)
    known = {b for b, _ in pairs}
    pairs += [(b, v) for b, v in sofa_builds.items() if b not in known and v]
    rows = []
    for build, version in pairs:
        sofa_row = sofa_versions.get(version, {})
        cves = sofa_row.get("cves")
        rows.append(
            {
                "build": build,
                "version": version,
                "released": sofa_row.get("released")
                or cfw_build.get(build)
                or cfw_version.get(version),
                "security": (cves > 0) if isinstance(cves, int) else None,
                "cves": cves if isinstance(cves, int) else None,
                "advisory": sofa_row.get("advisory"),
            }
        )
    rows.sort(key=lambda r: (_key(r["version"]), r["build"]))
    mvt_commit, mvt_date = head(mvt, MVT_FILE)
    sofa_commit, sofa_date = head(sofa, SOFA_V1)
    return {
        "format": TABLE_FORMAT,
        "built": built,
        "sources": {
            "mvt": {
                "repo": "mvt-project/mvt",
                "file": MVT_FILE,
                "commit": mvt_commit,
                "date": mvt_date,
                "license": "MVT License 1.1",
            },
            "sofa": {
                "repo": "macadmins/sofa",
                "file": f"{SOFA_V1} (history), {SOFA_V2}",
                "commit": sofa_commit,
                "date": sofa_date,
                "license": "Apache-2.0",
            },
            "cfw": {
                "repo": "cfw-guide/ios.cfw.guide",
                "file": f"{CFW_DIR}/**.json",
                "commit": cfw_commit,
                "license": "MIT",
            },
        },
        "builds": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("mvt", "sofa", "cfw"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    parser.add_argument("--built", default=datetime.now(UTC).strftime("%Y-%m-%d"))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    data = table(args.mvt, args.sofa, args.cfw, args.built)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    dated = sum(1 for r in data["builds"] if r["released"])
    print(f"{len(data['builds'])} builds ({dated} dated) -> {args.output}")


if __name__ == "__main__":
    main()
