"""androidqf process lists: ``ps -A`` text (toybox) or the collector's JSON.

Facts: androidqf ``modules/processes.go`` saves ``processes.txt``: ``ps -A`` output without the
collector, the collector's JSON list with it (``adb/collector.go`` ``ProcessInfo`` field order;
the Go collector reads ``filename`` from /proc/<pid>/stat, so it keeps the parentheses, and the
kernel keeps 15 characters of it). Toybox ``ps -A`` header and column widths as in MVT's
``tests/artifacts/androidqf/ps.txt``: USER PID PPID VSZ RSS WCHAN ADDR S NAME, kernel threads
shown as ``[name]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tracehound.demo.android._go import go_json


@dataclass(frozen=True)
class Proc:
    """One process. ``name`` is argv[0]: a package name, a binary path, or a kernel thread name."""

    pid: int
    name: str
    ppid: int = 1
    user: str = "root"
    uid: int = 0
    path: str = ""  # the executable (collector only); "" when unknown
    context: str = "u:r:init:s0"
    args: tuple[str, ...] = ()  # argv after argv[0]
    state: str = "S"
    vsz: int = 0
    rss: int = 0
    kernel: bool = False  # kernel thread: "[name]" in ps, no command line
    env: tuple[str, ...] = field(default=())


def _ps_row(user: str, pid: Any, ppid: Any, vsz: Any, rss: Any, wchan: str, addr: Any) -> str:
    return f"{user:<8}{pid:>10} {ppid:>5} {vsz:>7} {rss:>6} {wchan:<10} {addr:>10}"


def render_ps(procs: Iterable[Proc]) -> bytes:
    """``ps -A`` output (toybox), as androidqf saves it without the collector."""
    lines = [_ps_row("USER", "PID", "PPID", "VSZ", "RSS", "WCHAN", "ADDR") + " S NAME"]
    for p in procs:
        wchan = "0" if p.kernel else "do_epoll_wait"
        shown = f"[{p.name}]" if p.kernel else p.name
        row = _ps_row(p.user, p.pid, p.ppid, p.vsz, p.rss, wchan, 0)
        lines.append(f"{row} {p.state} {shown}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _collector(p: Proc) -> dict[str, Any]:
    base = p.name.rsplit("/", 1)[-1]
    return {
        "pid": p.pid,
        "uid": p.uid,
        "ppid": p.ppid,
        "pgroup": p.pid,
        "psid": p.pid if p.kernel else p.ppid,
        "filename": f"({base[:15]})",
        "priority": 20,
        "state": p.state,
        "user_time": 0,
        "kernel_time": 0,
        "path": p.path,
        "context": "u:r:kernel:s0" if p.kernel else p.context,
        "previous_context": "u:r:kernel:s0" if p.kernel else "u:r:init:s0",
        "command_line": None if p.kernel else [p.name, *p.args],
        "env": list(p.env) if p.env else None,
        "cwd": "/",
    }


def render_collector(procs: Iterable[Proc]) -> bytes:
    """The collector's process list (JSON), as androidqf saves it in processes.txt."""
    return go_json([_collector(p) for p in procs])


def render(procs: Iterable[Proc], *, collector: bool = False) -> bytes:
    """processes.txt bytes: ``ps -A`` text, or the collector JSON when ``collector``."""
    return render_collector(procs) if collector else render_ps(procs)


#: A few processes every Android phone runs (for demo lists).
BASELINE = (
    Proc(1, "/system/bin/init", ppid=0, path="/system/bin/init", context="u:r:init:s0"),
    Proc(2, "kthreadd", ppid=0, kernel=True),
    Proc(3, "ksoftirqd/0", ppid=2, kernel=True),
    Proc(612, "/system/bin/vold", path="/system/bin/vold", context="u:r:vold:s0"),
    Proc(640, "zygote64", path="/system/bin/app_process64", context="u:r:zygote:s0"),
    Proc(
        905,
        "/system/bin/gatekeeperd",
        user="system",
        uid=1000,
        path="/system/bin/gatekeeperd",
        args=("/data/misc/gatekeeper",),
        context="u:r:gatekeeperd:s0",
    ),
    Proc(1203, "system_server", ppid=640, user="system", uid=1000, context="u:r:system_server:s0"),
    Proc(
        2210,
        "com.google.android.gms.persistent",
        ppid=640,
        user="u0_a152",
        uid=10152,
        context="u:r:gmscore_app:s0:c512,c768",
    ),
)


# --- bugreport: dumpstate's PROCESSES AND THREADS section ------------------------------------

#: dumpstate's command for the section (AOSP dumpstate.cpp).
PS_THREADS_TITLE = "PROCESSES AND THREADS"
PS_THREADS_COMMAND = "ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time"
_PS_THREADS_COLUMNS = ("PRI", "NI", "RTPRIO", "SCH", "PCY", "TIME")


def thread_name(name: str) -> str:
    """The main thread's name: the exec basename, or for an app ART's ``SetThreadName``, which
    keeps the last 15 characters of a dotted name of 15 or more (kernel comm holds 15)."""
    base = name.rsplit("/", 1)[-1] if name.startswith("/") else name
    if len(base) >= 15 and "." in base and "@" not in base:
        return base[-15:]
    return base[:15]


def _thread_row(p: Proc, tid: int, cmd: str, wchan: str) -> str:
    label = "u:r:kernel:s0" if p.kernel else p.context
    return (
        f"{label:<30} {p.user:<12} {p.pid:>5} {tid:>5} {p.ppid:>5} {p.vsz:>8} {p.rss:>6} "
        f"{wchan:<16} {0:>4} {p.state} {19:>3} {0:>3} {'-':>6} {0:>3} {'fg':>3} "
        f"{'00:00:01':>8} {cmd}"
    )


def render_ps_threads(procs: Iterable[Proc]) -> str:
    """The section's body: ``ps -A -T -Z -O ...`` (toybox), the main thread of each process and
    a second thread for app processes (thread names may hold spaces)."""
    header = (
        f"{'LABEL':<30} {'USER':<12} {'PID':>5} {'TID':>5} {'PPID':>5} {'VSZ':>8} {'RSS':>6} "
        f"{'WCHAN':<16} {'ADDR':>4} S " + " ".join(_PS_THREADS_COLUMNS) + " CMD"
    )
    lines = [header]
    for p in procs:
        wchan = "kthreadd" if p.kernel else "do_epoll_wait"
        lines.append(_thread_row(p, p.pid, thread_name(p.name), wchan))
        if "." in p.name and not p.name.startswith("/"):
            lines.append(_thread_row(p, p.pid + 7, "Jit thread pool", "futex_wait_queue"))
    return "\n".join(lines) + "\n"
