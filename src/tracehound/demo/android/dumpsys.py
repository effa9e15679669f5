"""dumpsys text in Android's real layouts: androidqf's ``dumpsys.txt`` and a bugreport's dumpstate.

Layouts (facts, see ``parsers/common/dumpsys.py`` and each ``parsers/android/dumpsys_*.py``):
``render_dumpsys`` is ``adb shell dumpsys`` (AOSP ``dumpsys.cpp``: ``Currently running
services:``, then per service 79 dashes, ``DUMP OF SERVICE <name>:``, the dump and a duration
footer). ``render_dumpstate`` is the main text of ``adb bugreport`` (AOSP ``dumpstate.cpp``:
``PrintHeader``, ``------ <TITLE> (<command>) ------`` blocks closed by ``------ <n>s was the
duration of '<TITLE>' ------``, ``SYSTEM PROPERTIES`` in getprop's ``[name]: [value]`` form).
The ``*_section`` functions give one service's dump from simple inputs. Times are naive
device-local datetimes, as the phone prints them.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Default device-local time of the dump.
DUMP_TIME = datetime(2024, 3, 5, 14, 30, 0)
_DASHES = "-" * 79


def _hex(*parts: object) -> str:
    """A stable 7-hex-digit "identity hash" like the ones Android prints."""
    return hashlib.md5("|".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()[:7]


def _local(value: datetime, millis: bool = False) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{value.microsecond // 1000:03d}" if millis else text


def duration(delta: timedelta) -> str:
    """AOSP ``TimeUtils.formatDuration``: ``0``, ``+47s645ms``, ``-1d2h3m4s5ms``."""
    ms = round(delta.total_seconds() * 1000)
    if ms == 0:
        return "0"
    sign, ms = ("+" if ms > 0 else "-"), abs(ms)
    units = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))
    out, started = [], False
    for name, size in units:
        value, ms = divmod(ms, size)
        if value or started:
            out.append(f"{value}{name}")
            started = True
    return sign + "".join(out) + f"{ms}ms"


# --- whole files ---------------------------------------------------------------------------


def _service_block(name: str, body: str, ending_at: datetime, priority: str = "") -> str:
    title = f"{priority} {name}" if priority else name
    body = body if body.endswith("\n") or not body else body + "\n"
    return (
        f"{_DASHES}\nDUMP OF SERVICE {title}:\n{body}"
        f"--------- 0.012s was the duration of dumpsys {name}, ending at: {_local(ending_at)}\n"
    )


def render_dumpsys(sections: dict[str, str], *, ending_at: datetime = DUMP_TIME) -> bytes:
    """androidqf's ``dumpsys.txt`` (``adb shell dumpsys``) holding ``sections`` (name -> dump)."""
    names = sorted(sections)
    out = ["Currently running services:\n", *(f"  {n}\n" for n in names)]
    out.extend(_service_block(n, sections[n], ending_at) for n in names)
    return "".join(out).encode()


def render_getprop(props: dict[str, str]) -> str:
    """``getprop`` output: ``[name]: [value]`` lines, sorted by name."""
    return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items()))


def _dumpsys_block(title: str, sections: dict[str, str], at: datetime, priority: str) -> str:
    blocks = "".join(_service_block(n, sections[n], at, priority) for n in sorted(sections))
    return (
        f"------ {title} (/system/bin/dumpsys) ------\n{blocks}"
        f"------ 0.870s was the duration of '{title}' ------\n"
    )


def render_dumpstate(
    sections: dict[str, str],
    getprop: dict[str, str],
    *,
    dump_time: datetime = DUMP_TIME,
    critical: dict[str, str] | None = None,
    kernel: str = "Linux version 5.10.157-android13-4 (build-user@build-host) #1 SMP PREEMPT",
    uptime: str = "up 0 weeks, 2 days, 3 hours, 14 minutes",
    format_version: str = "2.0",
    commands: Sequence[tuple[str, str, str]] = (),
) -> bytes:
    """A bugreport's main dumpstate text with ``sections`` in its ``DUMPSYS`` block.

    ``commands`` are ``RunCommand`` sections (title, command line, output), printed after the
    critical dumpsys as ``------ TITLE (command) ------`` and a duration line.

    The header repeats what dumpstate reads from properties (``ro.build.display.id``,
    ``ro.build.fingerprint``, ``ro.bootloader``, ``gsm.version.baseband``,
    ``gsm.operator.alpha``, ``ro.build.version.sdk``); ``critical`` services go in the
    ``DUMPSYS CRITICAL`` block with ``DUMP OF SERVICE CRITICAL <name>:`` headers.
    """

    def prop(name: str) -> str:
        return getprop.get(name, "(unknown)")

    header = (
        "========================================================\n"
        f"== dumpstate: {_local(dump_time)}\n"
        "========================================================\n\n"
        f"Build: {prop('ro.build.display.id')}\n"
        f"Build fingerprint: '{prop('ro.build.fingerprint')}'\n"
        f"Bootloader: {prop('ro.bootloader')}\n"
        f"Radio: {prop('gsm.version.baseband')}\n"
        f"Network: {prop('gsm.operator.alpha')}\n"
        f"Android SDK version: {prop('ro.build.version.sdk')}\n"
        "SDK extensions: ad_services=5 r=7 s=7 t=7 u=7\n"
        f"Kernel: {kernel}\n"
        "Command line: console=ttynull androidboot.hardware=generic\n"
        f"Uptime: {uptime}\n"
        f"Bugreport format version: {format_version}\n"
        "Dumpstate info: id=1 pid=4242 dry_run=0 parallel_run=1 args=-S -d -z "
        "bugreport_mode=BUGREPORT_DEFAULT\n\n"
    )
    later = dump_time + timedelta(seconds=20)
    parts = [
        header,
        _dumpsys_block("DUMPSYS CRITICAL", critical or {}, dump_time, "CRITICAL"),
        *(
            f"------ {title} ({command}) ------\n{body}"
            f"------ 0.120s was the duration of '{title}' ------\n"
            for title, command, body in commands
        ),
        "------ SYSTEM PROPERTIES (getprop) ------\n",
        render_getprop(getprop),
        "------ 0.041s was the duration of 'SYSTEM PROPERTIES' ------\n",
        "------ UPTIME (uptime) ------\n",
        f" {later.strftime('%H:%M:%S')} {uptime}\n",
        "------ 0.010s was the duration of 'UPTIME' ------\n",
        _dumpsys_block("DUMPSYS", sections, later, ""),
        "========================================================\n",
        "== dumpstate: done (id 1)\n",
        "========================================================\n",
    ]
    return "".join(parts).encode()


# --- accessibility -------------------------------------------------------------------------


def _short(component: str) -> str:
    """``pkg/pkg.Cls`` -> ``pkg/.Cls`` (ComponentName.flattenToShortString)."""
    package, _, cls = component.partition("/")
    return f"{package}/{cls[len(package) :]}" if cls.startswith(package + ".") else component


def accessibility_section(
    services: Sequence[str],
    installed: Sequence[str] | None = None,
    *,
    user: int = 0,
    legacy: bool = False,
) -> str:
    """``dumpsys accessibility`` with ``services`` (``pkg/full.Class``) enabled.

    ``installed`` defaults to the enabled services; ``legacy`` gives the older Samsung layout
    with an ``enabled services: {`` block.
    """
    installed = list(installed if installed is not None else services)

    def listing(components: Sequence[str], pad: str) -> str:
        return "".join(f"{pad}{i} : {_short(c)}\n" for i, c in enumerate(components))

    if legacy:
        return (
            "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\n"
            f"User state[attributes:{{id={user}, currentUser=true\n"
            "  mIsTouchExplorationEnabled = false\n  }\n"
            f"  installed services: {{\n{listing(installed, '    ')}  }}\n"
            f"  enabled services: {{\n{listing(services, '    ')}  }}\n"
            "  binding services: {\n  }\n  bound services:{\n  }]\n"
        )
    enabled_list = ", ".join(f"{{{c}}}" for c in services)
    return (
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\n"
        f"currentUserId={user}\n"
        "User state[\n"
        f"     attributes:{{id={user}, touchExplorationEnabled=false, "
        f"installedServiceCount={len(installed)}}}\n"
        "     shortcut key:{}\n     button:{}\n     button target:{null}\n\n"
        f"     installed services: {{\n{listing(installed, '      ')}     }}\n"
        "     Bound services:{}\n"
        f"     Enabled services:{{{enabled_list}}}\n"
        "     Binding services:{}\n"
        "     Crashed services:{}\n"
        "]\n"
    )


# --- package -------------------------------------------------------------------------------


@dataclass
class PackageSpec:
    """One package for ``packages_section``. Times are device-local."""

    name: str
    uid: int
    version_code: int = 1
    version_name: str = "1.0"
    installer: str | None = "com.android.vending"
    system: bool = False
    timestamp: datetime = datetime(2023, 11, 2, 10, 15, 0)
    first_install: datetime | None = None  # defaults to timestamp
    last_update: datetime | None = None  # defaults to timestamp
    target_sdk: int = 33
    requested: Sequence[str] = ()  # defaults to install + runtime permissions
    install_granted: Sequence[str] = ()
    runtime_granted: Sequence[str] = ()
    runtime_denied: Sequence[str] = ()
    legacy: bool = False  # Android 10 layout: firstInstallTime per package, not per user


def _package_block(p: PackageSpec) -> str:
    first = p.first_install or p.timestamp
    last = p.last_update or p.timestamp
    if p.system:
        code = f"/system/priv-app/{p.name.rsplit('.', 1)[-1].title()}"
    else:
        code = f"/data/app/~~{_hex(p.name, 1)}==/{p.name}-{_hex(p.name, 2)}=="
    flags = ("SYSTEM " if p.system else "") + "HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP"
    lines = [
        f"  Package [{p.name}] ({_hex(p.name)}):",
        f"    userId={p.uid}",
        f"    pkg=Package{{{_hex(p.name, 'pkg')} {p.name}}}",
        f"    codePath={code}",
        f"    resourcePath={code}",
        f"    legacyNativeLibraryDir={code}/lib",
        "    primaryCpuAbi=arm64-v8a",
        "    secondaryCpuAbi=null",
        f"    versionCode={p.version_code} minSdk=26 targetSdk={p.target_sdk}",
        f"    versionName={p.version_name}",
        "    splits=[base]",
        "    apkSigningVersion=3",
        f"    flags=[ {flags} ]",
        "    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION ]",
        f"    dataDir=/data/user/0/{p.name}",
        "    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]",
        f"    timeStamp={_local(p.timestamp)}",
    ]
    if p.legacy:
        lines.append(f"    firstInstallTime={_local(first)}")
    lines.append(f"    lastUpdateTime={_local(last)}")
    if p.installer:
        lines.append(f"    installerPackageName={p.installer}")
    lines += [
        f"    signatures=PackageSignatures{{{_hex(p.name, 's')} version:3, "
        f"signatures:[{_hex(p.name, 'c')[:8]}], past signatures:[]}}",
        "    installPermissionsFixed=true",
        f"    pkgFlags=[ {flags} ]",
    ]
    requested = list(p.requested) or [*p.install_granted, *p.runtime_granted, *p.runtime_denied]
    if requested:
        lines += ["    requested permissions:", *(f"      {r}" for r in requested)]
    if p.install_granted:
        lines += ["    install permissions:"]
        lines += [f"      {r}: granted=true" for r in p.install_granted]
    lines.append(
        f"    User 0: ceDataInode={4000 + p.uid} installed=true hidden=false suspended=false "
        "distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false"
    )
    if not p.legacy:
        lines += ["      installReason=0", f"      firstInstallTime={_local(first)}"]
    runtime = [(r, "true") for r in p.runtime_granted] + [(r, "false") for r in p.runtime_denied]
    if runtime:
        lines += ["      gids=[3003]", "      runtime permissions:"]
        lines += [f"        {r}: granted={g}, flags=[ USER_SET ]" for r, g in runtime]
    return "\n".join(lines) + "\n"


def _resolver(title: str, table: dict[str, list[str]] | None) -> str:
    if not table:
        return ""
    out = [f"{title}\n  Non-Data Actions:\n"]
    for intent, components in table.items():
        out.append(f"      {intent}:\n")
        out += [f"        {_hex(intent, c)} {_short(c)} filter {_hex(c)}\n" for c in components]
    return "".join(out) + "\n"


def packages_section(
    packages: Sequence[PackageSpec],
    *,
    activities: dict[str, list[str]] | None = None,
    receivers: dict[str, list[str]] | None = None,
) -> str:
    """``dumpsys package``: resolver tables (intent action -> components) and ``Packages:``."""
    head = (
        "Database versions:\n  Internal:\n    sdkVersion=33 databaseVersion=3\n"
        "  External:\n    sdkVersion=30 databaseVersion=3\n\n"
        "Verifiers:\n  Required: com.android.vending (uid=10019)\n\n"
        "Domain Verifier:\n  Using: com.google.android.gms (uid=10012)\n\n"
    )
    body = "".join(_package_block(p) for p in packages)
    return (
        head
        + _resolver("Activity Resolver Table:", activities)
        + _resolver("Receiver Resolver Table:", receivers)
        + f"Packages:\n{body}\n"
        + "Hidden system packages:\n\nPackage Changes:\n  Sequence number=12\n"
    )


# --- appops --------------------------------------------------------------------------------


@dataclass
class AppOpSpec:
    """One op of one package for ``appops_section``; entry times are device-local."""

    package: str
    uid: str  # as printed: "u0a123", "2000"
    op: str
    mode: str = "allow"
    accesses: Sequence[datetime] = ()
    rejects: Sequence[datetime] = ()
    uid_state: str = "top"


def _appop_lines(spec: AppOpSpec, now: datetime, android: int) -> list[str]:
    entries = []
    for kind, times in (("Access", spec.accesses), ("Reject", spec.rejects)):
        for when in times:
            gap = " " if kind == "Access" or android >= 11 else ""
            rel = duration(when - now)
            entries.append(f"{kind}: [{spec.uid_state}-s]{gap}{_local(when, True)} ({rel})")
    lines = [f"      {spec.op} ({spec.mode}):"]
    if android >= 11 and entries:
        lines += ["        null=[", *(f"          {e}" for e in entries), "        ]"]
    else:
        lines += [f"          {e}" for e in entries]
    return lines


def appops_section(
    ops: Sequence[AppOpSpec], *, now: datetime = DUMP_TIME, android: int = 13
) -> str:
    """``dumpsys appops`` for ``ops`` grouped by uid and package (Android 11+ or 10 layout)."""
    uids: dict[str, dict[str, list[AppOpSpec]]] = {}
    for spec in ops:
        uids.setdefault(spec.uid, {}).setdefault(spec.package, []).append(spec)
    out = [
        "Current AppOps Service state:\n  Settings:\n    top_state_settle_time=+30s0ms\n"
        "    fg_service_state_settle_time=+10s0ms\n    bg_state_settle_time=+1s0ms\n\n"
    ]
    for uid, packages in uids.items():
        out.append(f"  Uid {uid}:\n    state=cch\n")
        for package, specs in packages.items():
            out.append(f"    Package {package}:\n")
            out += [line + "\n" for s in specs for line in _appop_lines(s, now, android)]
    return "".join(out) + "\n"


# --- batterystats --------------------------------------------------------------------------


@dataclass
class DailySpec:
    """One day of daily stats; ``end`` None is the current day."""

    start: datetime
    end: datetime | None = None
    updates: Sequence[tuple[str, int]] = ()  # (package, version code)
    uninstalls: Sequence[str] = ()


@dataclass
class HistoryEvent:
    """One tagged battery history event, ``offset`` after the history reset."""

    offset: timedelta
    event: str  # e.g. "+job", "-job", "+top", "+wake_lock"
    uid: str  # e.g. "u0a94"
    tag: str  # e.g. "com.example/.SyncJob"


def _day_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d-%H-%M-%S")


def batterystats_section(
    daily: Sequence[DailySpec] = (),
    history: Sequence[HistoryEvent] = (),
    *,
    reset_time: datetime = datetime(2024, 3, 4, 8, 0, 0),
) -> str:
    """``dumpsys batterystats``: battery history and daily stats (past days newest first)."""
    out = [
        "Battery History (0% used, 2720 used of 4096KB, 31 strings using 2694):\n",
        f"{'0':>21} (19) RESET:TIME: {_day_time(reset_time)}\n",
        f"{'0':>21} (2) 100 status=discharging health=good plug=none temp=242 volt=4302 +running\n",
    ]
    level = 100
    for ev in sorted(history, key=lambda e: e.offset):
        level = max(level - 1, 5)
        out.append(f'{duration(ev.offset):>21} (2) {level:03d} {ev.event}={ev.uid}:"{ev.tag}"\n')
    out.append("\nPer-PID Stats:\n  PID 1234 wake time: +1s0ms\n\n")
    current = [d for d in daily if d.end is None]
    past = sorted((d for d in daily if d.end is not None), key=lambda d: d.start, reverse=True)
    start = current[0].start if current else reset_time
    out.append(
        f"Daily stats:\n  Current start time: {_day_time(start)}\n"
        f"  Next min deadline: {_day_time(start + timedelta(hours=22))}\n"
        f"  Next max deadline: {_day_time(start + timedelta(days=1))}\n"
    )
    for day in current[:1] + past:
        if day.end is None:
            out.append("  Current daily steps:\n    Discharge total time: 8h 12m 0s 0ms\n")
        else:
            out.append(f"  Daily from {_day_time(day.start)} to {_day_time(day.end)}:\n")
            out.append("    Discharge total time: 1d 2h 3m 0s 0ms  (from 42 steps)\n")
        if day.updates or day.uninstalls:
            out.append("    Package changes:\n")
            out += [f"      Update {p} vers={v}\n" for p, v in day.updates]
            out += [f"      Uninstall {p}\n" for p in day.uninstalls]
    out.append("\nStatistics since last charge:\n  System starts: 0, currently on battery: true\n")
    return "".join(out)


# --- dbinfo --------------------------------------------------------------------------------


@dataclass
class DbOpSpec:
    """One executed SQLite operation for ``dbinfo_section``."""

    pid: int
    process: str
    path: str
    time: datetime  # device-local
    action: str = "executeForCursorWindow"
    sql: str = "PRAGMA database_list;"
    took_ms: int = 1
    samsung: bool = False  # Samsung's "[Pid:(0)]" marker


def dbinfo_section(ops: Sequence[DbOpSpec]) -> str:
    """``dumpsys dbinfo``: processes, connection pools and recent operations (newest first)."""
    groups: dict[tuple[int, str], dict[str, list[DbOpSpec]]] = {}
    for op in ops:
        groups.setdefault((op.pid, op.process), {}).setdefault(op.path, []).append(op)
    out = ["Applications Database Info:\n\n"]
    for (pid, process), pools in groups.items():
        out.append(f"** Database info for pid {pid} [{process}] **\n\n")
        for path, pool_ops in pools.items():
            out.append(
                f"Connection pool for {path}:\n  Open: true\n  Max connections: 4\n"
                "  Total execution time: 61\n  Secure db: false\n  Use WAL mode.\n"
                "  Available primary connection:\n    Connection #0:\n"
                "      isPrimaryConnection: true\n      onlyAllowReadOnlyOperations: false\n"
                "      Most recently executed operations:\n"
            )
            for n, op in enumerate(sorted(pool_ops, key=lambda o: o.time, reverse=True)):
                mark = "[Pid:(0)]" if op.samsung else ""
                out.append(
                    f"        {n}: [{_local(op.time, True)}] {mark}{op.action} took "
                    f'{op.took_ms}ms - succeeded, sql="{op.sql}", path={op.path}\n'
                )
            out.append("  Available non-primary connections:\n    <none>\n\n")
    return "".join(out)


# --- platform_compat -----------------------------------------------------------------------


def platform_compat_section(
    raw_overrides: Iterable[str], package_overrides: Iterable[str] = ()
) -> str:
    """``dumpsys platform_compat`` with DOWNSCALED overrides for the given packages.

    Packages in ``raw_overrides`` but not in ``package_overrides`` read as uninstalled.
    """
    raw = ", ".join(f"{p}=false" for p in raw_overrides)
    evaluated = ", ".join(f"{p}=false" for p in package_overrides)
    downscaled = "ChangeId(168419799; name=DOWNSCALED; disabled"
    if evaluated:
        downscaled += f"; packageOverrides={{{evaluated}}}"
    if raw:
        downscaled += f"; rawOverrides={{{raw}}}"
    return (
        "ChangeId(180326845; name=OVERRIDE_MIN_ASPECT_RATIO_MEDIUM; disabled; overridable)\n"
        "ChangeId(183372781; name=ENABLE_RAW_SYSTEM_GALLERY_ACCESS; enableSinceTargetSdk=30)\n"
        f"{downscaled}; overridable)\n"
        "ChangeId(143539591; name=SELINUX_LATEST_CHANGES; disabled)\n"
    )


# --- adb -----------------------------------------------------------------------------------


def adb_key(seed: int) -> str:
    """A synthetic ADB RSA public key in Android's base64 form (524 bytes, starts ``QAAAA``)."""
    words = hashlib.sha512(str(seed).encode()).digest() * 4  # 256 bytes of modulus
    blob = struct.pack("<II", 64, seed & 0xFFFFFFFF) + words + words + struct.pack("<I", 65537)
    return base64.b64encode(blob).decode()


@dataclass
class AdbKeySpec:
    """One trusted computer: its key, comment and last connection (ms since 1970, UTC)."""

    key: str
    user: str = "analyst@laptop"
    last_connection_ms: int | None = None
    in_keystore: bool = True


def _abx_len(text: str) -> str:
    return "".join(map(chr, struct.pack(">H", len(text))))


def _abx_long(value: int) -> str:
    return "".join(map(chr, struct.pack(">q", value)))


def adb_section(keys: Sequence[AdbKeySpec], *, binary_keystore: bool = False) -> str:
    """``dumpsys adb``: ``user_keys`` and the keystore (XML, or binary XML as raw bytes)."""
    user_keys = "\n    ".join(f"{k.key} {k.user}" for k in keys)
    stored = [k for k in keys if k.in_keystore]
    if binary_keystore:
        items = "".join(
            f"\x2f\x00\x06adbKey\x3f\x00\x03key{_abx_len(f'{k.key} {k.user}')}{k.key} {k.user}"
            f"\x7f\x00\x0elastConnection{_abx_long(k.last_connection_ms or 0)}"
            for k in stored
        )
        store = f"ABX\x00\x10\x22\x00\x08keyStore{items}\x03\x00\x08keyStore\x01"
    else:
        items = "".join(
            f'    <adbKey key="{k.key} {k.user}" lastConnection="{k.last_connection_ms or 0}" />\n'
            for k in stored
        )
        store = (
            "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n"
            f'    <keyStore version="1">\n{items}    </keyStore>'
        )
    return (
        "ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n"
        "    connected_to_adb=true\n"
        f"    user_keys={user_keys}\n\n"
        f"    keystore={store}\n\n  }}\n}}\n"
    )
