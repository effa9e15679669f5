"""Rebuild ``src/tracehound/data/ios_processes/baseline.json``: the processes iOS itself ships.

Run, with checkouts (or ``git archive`` copies) of the public repositories named below::

    .venv/bin/python bench/ios_process_baseline.py --plaso PLASO --mvt MVT [--exclude ID] \
        [--output FILE]

Sources (see ``src/tracehound/data/ios_processes/SOURCES.md`` for versions and licenses):

- ``plaso-powerlog``: process names and bundle ids in the PowerLog database of plaso's test data
  (``test_data/ios/powerlog_2021-12-16_05-54_84E2141B.PLSQL``, an iOS 15.1 phone, build 19A404
  per its ``PLConfigAgent_EventNone_Config``);
- ``plaso-datausage`` / ``plaso-netusage``: ``ZPROCESS.ZPROCNAME`` of plaso's
  ``test_data/ios/DataUsage.sqlite`` and ``netusage.sqlite``;
- ``plaso-privacy-report``: accessor bundle ids of ``test_data/ios_app_privacy_report.ndjson``
  (App Privacy Report, iOS 15+);
- ``mvt-datausage``: ``ZPROCNAME`` of the DataUsage.sqlite in MVT's test backup
  (``tests/artifacts/ios_backup``, iOS 14.3 per its Info.plist);
- ``apple-native-apps``: the bundle ids of Apple's built-in apps as listed for iOS 9.3 by
  labs.wrprojects.com ("Apple iOS 9.3 Native App Bundle Identifiers"), facts retyped below;
- ``triangle-check``: the system process names Kaspersky's triangle_check watches in DataUsage
  (``triangle_check/__init__.py``, 2023), retyped below.

Only Apple's own processes go in: a name whose bundle id is not ``com.apple.*`` belongs to an
app (apps are known through the phone's own installed-apps list), UUID placeholders of app rows
are skipped, and any name that a bundled indicator file lists as a spyware process is refused,
so the baseline can never whitelist a known implant. ``--exclude`` leaves a source out, to
measure on that source's own data how many unknown processes the rest would leave (the figures
in the README).
"""

from __future__ import annotations

import argparse
import json
import plistlib
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from tracehound.iocs.bundled import load_bundled
from tracehound.iocs.stix import IocKind

BASELINE_VERSION = "2026.12.1"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent / "src/tracehound/data/ios_processes/baseline.json"
)
POWERLOG = "test_data/ios/powerlog_2021-12-16_05-54_84E2141B.PLSQL"
_UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")

#: labs.wrprojects.com, "Apple iOS 9.3 Native App Bundle Identifiers" (bundle ids are facts).
APPLE_NATIVE_APPS = [
    "com.apple.AppStore",
    "com.apple.calculator",
    "com.apple.mobilecal",
    "com.apple.camera",
    "com.apple.mobiletimer",
    "com.apple.compass",
    "com.apple.MobileAddressBook",
    "com.apple.facetime",
    "com.apple.mobileme.fmf1",
    "com.apple.mobileme.fmip1",
    "com.apple.gamecenter",
    "com.apple.Health",
    "com.apple.iBooks",
    "com.apple.MobileStore",
    "com.apple.mobilemail",
    "com.apple.Maps",
    "com.apple.MobileSMS",
    "com.apple.Music",
    "com.apple.news",
    "com.apple.mobilenotes",
    "com.apple.mobilephone",
    "com.apple.mobileslideshow",
    "com.apple.podcasts",
    "com.apple.reminders",
    "com.apple.mobilesafari",
    "com.apple.Preferences",
    "com.apple.stocks",
    "com.apple.tips",
    "com.apple.videos",
    "com.apple.VoiceMemos",
    "com.apple.Passbook",
    "com.apple.Bridge",
    "com.apple.weather",
]
#: Kaspersky triangle_check: the processes whose DataUsage rows it reads (ZPROCNAME parts).
TRIANGLE_CHECK = ("BackupAgent", "nehelper", "com.apple.WebKit.WebContent", "powerd", "lockdownd")

#: Tables and columns of the PowerLog database that name processes or bundle ids.
_POWERLOG_NAMES = (
    ("PLProcessMonitorAgent_EventForward_ProcessID", "ProcessName"),
    ("PLProcessMonitorAgent_EventBackward_ProcessMonitor_Dynamic", "ProcessName"),
    ("PLProcessMonitorAgent_EventInterval_ProcessMonitorInterval_Dynamic", "ProcessName"),
    ("PLPerformanceAgent_EventPoint_JetsamPriority", "name"),
    ("PLNetworkAgent_EventPoint_Wake", "ProcessName"),
    ("PLPowerAssertionAgent_EventPoint_TimedOutProcesses", "ProcessName"),
)


class Collected:
    """Names and bundle ids per source id."""

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = {}
        self.bundles: dict[str, set[str]] = {}
        self.ios: dict[str, str] = {}

    def name(self, source: str, value: object) -> None:
        if isinstance(value, str) and value.strip() and not _UUID.match(value):
            self.names.setdefault(value.strip(), set()).add(source)

    def bundle(self, source: str, value: object) -> None:
        if isinstance(value, str) and value.startswith("com.apple."):
            self.bundles.setdefault(value.strip(), set()).add(source)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')]


def powerlog(path: Path, out: Collected) -> None:
    """Process names (daemons, extensions, apps' executables) and Apple bundle ids."""
    conn = _read_only(path)
    try:
        tables = [str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")]
        for table, column in _POWERLOG_NAMES:
            for (value,) in conn.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                out.name("plaso-powerlog", value)
        for table in tables:
            for column in _columns(conn, table):
                if column.lower() in ("bundleid", "bundle_id"):
                    for (value,) in conn.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                        out.bundle("plaso-powerlog", value)
        build = conn.execute("SELECT Build FROM PLConfigAgent_EventNone_Config LIMIT 1").fetchone()
        out.ios["plaso-powerlog"] = f"15.1 ({build[0]})" if build else "15.1"
    finally:
        conn.close()


def netbase(path: Path, source: str, out: Collected) -> None:
    """DataUsage/netusage ``ZPROCNAME`` (``process`` or ``process/bundle``) and ZBUNDLENAME:
    the process part is taken when the row's bundle is Apple's or empty."""
    conn = _read_only(path)
    try:
        for raw, bundle in conn.execute("SELECT ZPROCNAME, ZBUNDLENAME FROM ZPROCESS"):
            if not isinstance(raw, str):
                continue
            first, _, second = raw.partition("/")
            apple = not bundle or str(bundle).startswith("com.apple.")
            if apple:
                out.name(source, first)
            out.bundle(source, bundle)
            out.bundle(source, second)
    finally:
        conn.close()


def privacy_report(path: Path, out: Collected) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        accessor = json.loads(line).get("accessor") or {}
        if accessor.get("identifierType") == "bundleID":
            out.bundle("plaso-privacy-report", accessor.get("identifier"))


def mvt_backup(folder: Path, out: Collected) -> None:
    """The DataUsage.sqlite of MVT's test backup, found through its Manifest.db."""
    conn = _read_only(folder / "Manifest.db")
    try:
        row = conn.execute(
            "SELECT fileID FROM Files WHERE domain = 'WirelessDomain' AND relativePath = "
            "'Library/Databases/DataUsage.sqlite'"
        ).fetchone()
    finally:
        conn.close()
    netbase(folder / row[0][:2] / row[0], "mvt-datausage", out)
    with (folder / "Info.plist").open("rb") as handle:
        out.ios["mvt-datausage"] = str(plistlib.load(handle).get("Product Version", ""))


def spyware_names() -> set[str]:
    """Process names the bundled indicator files attribute to spyware."""
    return {i.value for i in load_bundled().indicators if i.kind is IocKind.PROCESS}


def collect(plaso: Path, mvt: Path) -> Collected:
    out = Collected()
    powerlog(plaso / POWERLOG, out)
    netbase(plaso / "test_data/ios/DataUsage.sqlite", "plaso-datausage", out)
    netbase(plaso / "test_data/ios/netusage.sqlite", "plaso-netusage", out)
    privacy_report(plaso / "test_data/ios_app_privacy_report.ndjson", out)
    out.ios["plaso-privacy-report"] = "15 or later (App Privacy Report exists since iOS 15.2)"
    mvt_backup(mvt / "tests/artifacts/ios_backup", out)
    for bundle in APPLE_NATIVE_APPS:
        out.bundle("apple-native-apps", bundle)
    out.ios["apple-native-apps"] = "9.3"
    for name in TRIANGLE_CHECK:
        out.name("triangle-check", name)
    out.ios["triangle-check"] = "15.7 or earlier (Operation Triangulation, 2023)"
    return out


def _kept(values: dict[str, set[str]], exclude: set[str], refused: set[str]) -> Iterator[str]:
    for value, sources in sorted(values.items()):
        if sources - exclude and value not in refused:
            yield value


def build(collected: Collected, exclude: Iterable[str] = ()) -> dict[str, object]:
    """The baseline document: version, sources and their iOS versions, names, bundle ids."""
    left_out = set(exclude)
    refused = spyware_names()
    names = {
        n: sorted(collected.names[n] - left_out) for n in _kept(collected.names, left_out, refused)
    }
    bundles = {
        b: sorted(collected.bundles[b] - left_out)
        for b in _kept(collected.bundles, left_out, refused)
    }
    used = sorted({s for v in (*names.values(), *bundles.values()) for s in v})
    return {
        "version": BASELINE_VERSION,
        "sources": {s: {"ios": collected.ios.get(s, "unknown")} for s in used},
        "refused_spyware_names": sorted(refused & set(collected.names)),
        "processes": names,
        "bundles": bundles,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plaso", type=Path, required=True, help="plaso checkout")
    parser.add_argument("--mvt", type=Path, required=True, help="MVT checkout")
    parser.add_argument("--exclude", action="append", default=[], help="source id to leave out")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    doc = build(collect(args.plaso, args.mvt), args.exclude)
    args.output.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(doc['processes'])} processes, {len(doc['bundles'])} bundle ids")


if __name__ == "__main__":
    main()
