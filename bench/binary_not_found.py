"""Measure ``binary_not_found`` against MVT's "Could not find the binary" on the demo dump.

Run::

    .venv/bin/python bench/binary_not_found.py [--mvt /tmp/mvtvenv/bin/mvt-ios] [--keep DIR]

Variants of the infected demo filesystem dump (``tracehound demo --kind ffs``):

- ``as generated``: the demo dump, whose system volume holds only SystemVersion.plist;
- ``whole``: plus a synthetic system volume, an (empty) executable for every process without a
  bundle id that the demo's DataUsage names, except the Pegasus ones (``bh``, ``msgacntd``:
  their binaries were deleted, Amnesty 2021), and a few more files under each system folder;
- ``one binary removed``: ``whole`` without ``/usr/libexec/timed``;
- ``system volume removed``: ``whole`` without ``/usr`` and ``/System`` (a dump of the data
  partition, as a Cellebrite ``filesystem2`` or an incomplete extraction delivers).

For each, tracehound's findings are counted, and, when ``--mvt`` names an ``mvt-ios`` (a
throwaway venv: ``pip install mvt==2026.10.26``), MVT's ``check-fs`` alerts from
``NetBase._find_suspicious_processes`` ("Could not find the binary...", "Found process entry
with empty 'proc_name'...", one per DataUsage row) and the distinct names they give.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tracehound.demo import content, generate
from tracehound.pipeline import CheckOptions, run_check

PLACES = {
    "mDNSResponder": "/usr/sbin/mDNSResponder",
    "com.apple.WebKit.Networking": "/System/Library/Frameworks/WebKit.framework/XPCServices/"
    "com.apple.WebKit.Networking.xpc/com.apple.WebKit.Networking",
}
FILLER = (
    *(f"/usr/sbin/tool{i}" for i in range(5)),
    *(f"/System/Library/PrivateFrameworks/F{i}.framework/F{i}" for i in range(5)),
    *(f"/usr/libexec/daemon{i}" for i in range(5)),
)
MVT_MESSAGES = ("Could not find the binary", "Found process entry with empty 'proc_name'")


def system_volume(root: Path) -> None:
    """Write the synthetic system volume into the dump folder ``root``."""
    names = [n for n, bundle in content.PROCESSES if bundle is None] + ["nehelper"]
    for name in names:
        path = PLACES.get(name, f"/usr/libexec/{name}")
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"\xcf\xfa\xed\xfe")  # a Mach-O magic, nothing more
    for path in FILLER:
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_bytes(b"")


def ours(dump: Path, out: Path) -> tuple[int, list[str]]:
    result = run_check(CheckOptions(target=dump, output=out))
    found = [d for d in result.detections if d.get("detector") == "binary_not_found"]
    return len(found), sorted(str(d.get("value")) for d in found)


def mvt(mvt_ios: Path, dump: Path, out: Path) -> tuple[int, list[str]]:
    subprocess.run(  # a local tool on a local folder
        [str(mvt_ios), "check-fs", "-o", str(out), str(dump)], capture_output=True, check=False
    )
    alerts = json.loads((out / "alerts.json").read_text(encoding="utf-8"))
    hits = [a for a in alerts if str(a.get("message", "")).startswith(MVT_MESSAGES)]
    names = sorted({str((a.get("event") or {}).get("proc_name")) for a in hits})
    return len(hits), names


def variants(base: Path) -> dict[str, Callable[[Path], None]]:
    def whole(root: Path) -> None:
        system_volume(root)

    def one_removed(root: Path) -> None:
        system_volume(root)
        (root / "usr/libexec/timed").unlink()

    def no_system(root: Path) -> None:
        system_volume(root)
        shutil.rmtree(root / "usr")
        shutil.rmtree(root / "System")

    return {
        "as generated": lambda root: None,
        "whole": whole,
        "one binary removed": one_removed,
        "system volume removed": no_system,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mvt", type=Path, help="path to mvt-ios (MVT 2026.10.26)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp one)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bnf-"))
    base = generate.write_demo_ffs(work / "base")
    print("| dump | tracehound findings | MVT alerts (distinct names) |")
    print("| --- | --- | --- |")
    for i, (label, change) in enumerate(variants(base).items()):
        dump = work / f"dump{i}"
        shutil.copytree(base, dump)
        change(dump)
        count, names = ours(dump, work / f"ours{i}")
        theirs = "not run"
        if args.mvt:
            n, mvt_names = mvt(args.mvt, dump, work / f"mvt{i}")
            theirs = f"{n} ({len(mvt_names)}: {', '.join(mvt_names)})"
        print(f"| {label} | {count} ({', '.join(names)}) | {theirs} |")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
