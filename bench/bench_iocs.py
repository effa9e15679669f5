"""Benchmark: load the bundled indicators, build the index, and run 1,000,000 mixed lookups.

Run: ``.venv/bin/python bench/bench_iocs.py [--lookups N]``. Prints best-of-5 times.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable

from tracehound.core.records import Kind
from tracehound.iocs.bundled import bundled_paths, bundled_stix_paths, load_bundled
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.pattern import parse_pattern, parse_pattern_full

#: A mix like a real device: mostly benign values, some hits, every kind.
WORKLOAD: list[tuple[Kind, str]] = [
    (Kind.URL, "https://www.apple.com/iphone/?ref=nav"),
    (Kind.URL, "https://cdn.fgr1w2gnsdvsb.xyz/x/landing.html"),
    (Kind.URL, "http://192.0.2.10:8080/a"),
    (Kind.DOMAIN, "p28-caldav.icloud.com"),
    (Kind.DOMAIN, "a.b.c.d.example.org"),
    (Kind.DOMAIN, "mail.google.com"),
    (Kind.IP, "17.253.144.10"),
    (Kind.IP, "2001:db8::1"),
    (Kind.EMAIL, "alice@example.com"),
    (Kind.PROCESS, "mobileassetd"),
    (Kind.PROCESS, "bh"),
    (Kind.PROCESS, "com.apple.WebKit"),
    (Kind.PROCESS, "CommCenter/com.apple.CommCenter"),
    (Kind.DEVICE_PATH, "/private/var/mobile/Library/SMS/sms.db"),
    (Kind.DEVICE_PATH, "/private/var/tmp/kusama.txt"),
    (Kind.EXEC_PATH, "/usr/libexec/mobileassetd"),
    (Kind.EXEC_PATH, "/private/var/db/com.apple.xpc.roleaccountd.staging/mptbd/6C9E2A9F-3D52"),
    (Kind.FILE_NAME, "IMG_0001.HEIC"),
    (Kind.FILE_HASH, "0" * 64),
    (Kind.CERT_HASH, "F9181C6CF9AACB3AB1092F5338C3198A8D833431"),
    (Kind.APP_ID, "com.apple.mobilesafari"),
    (Kind.APP_ID, "com.sc.spyier.v2"),
    (Kind.PROFILE_ID, "6D1C2E3F-0000-4000-8000-000000000000"),
    (Kind.PROP_NAME, "ro.build.version.sdk"),
]


def best_of(n: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    args = parser.parse_args()

    iocs = load_bundled()
    size = sum(p.stat().st_size for p in bundled_paths())
    print(f"{len(bundled_paths())} files, {size / 1e6:.2f} MB, {len(iocs.indicators)} indicators")
    load = best_of(5, load_bundled)
    build = best_of(5, lambda: IndicatorIndex.build(iocs.indicators))
    both = best_of(5, lambda: IndicatorIndex.build(load_bundled().indicators))
    print(f"load (best of 5):          {load * 1000:8.1f} ms")
    print(f"build index (best of 5):   {build * 1000:8.1f} ms")
    print(f"load + build (best of 5):  {both * 1000:8.1f} ms")

    patterns = [
        obj["pattern"]
        for path in bundled_stix_paths()
        for obj in json.loads(path.read_bytes())["objects"]
        if obj["type"] == "indicator"
    ]
    fast = best_of(5, lambda: [parse_pattern(p) for p in patterns])
    full = best_of(5, lambda: [parse_pattern_full(p) for p in patterns])
    print(
        f"parse {len(patterns)} patterns: fast path {fast * 1000:.1f} ms, "
        f"full tokenizer {full * 1000:.1f} ms"
    )

    index = IndicatorIndex.build(iocs.indicators)
    work = list(itertools.islice(itertools.cycle(WORKLOAD), args.lookups))
    match = index.match_value
    forget = index._memo.clear
    hits = 0

    def cold() -> None:
        # Each lookup as if its value were new: the index remembers recent values (a phone
        # repeats its hosts and process names), which this workload would otherwise always hit.
        nonlocal hits
        hits = 0
        for kind, value in work:
            forget()
            hits += len(match(kind, value))

    def warm() -> None:
        nonlocal hits
        hits = 0
        for kind, value in work:
            hits += len(match(kind, value))

    for label, fn in (("new values", cold), ("repeated values", warm)):
        elapsed = best_of(5, fn)
        print(
            f"{len(work)} lookups of {label} (best of 5): {elapsed:.2f} s, "
            f"{elapsed / len(work) * 1e6:.2f} us each, {hits} matches"
        )


if __name__ == "__main__":
    main()
