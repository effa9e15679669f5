"""Where a caseload's tasks run: local worker processes, or a Dask distributed cluster.

``check`` runs one task per acquisition and ``hunt`` one task per group of cases, through the
one :func:`executor` here, so both commands run the same code on a laptop and on a cluster.
A task is a module-level function with picklable arguments that reads and writes only the
store (on a file system every worker shares) and returns a small picklable result. Dask is
imported only when ``--scheduler`` is given: without it nothing is contacted, nothing leaves
the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from tracehound.core.errors import EXIT_INTERRUPTED, TracehoundError


class ClusterError(TracehoundError):
    """The Dask scheduler cannot be used; the message is one line saying why."""


@contextlib.contextmanager
def executor(jobs: int, scheduler: str | None = None) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor: Dask's on ``scheduler`` (``tcp://HOST:PORT``), else
    ``jobs`` local processes (``jobs`` 1: a thread, so a single task runs in this process's
    memory and its errors keep their traceback)."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(
                "--scheduler needs Dask distributed: pip install 'tracehound[cluster]'"
            ) from None
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"{scheduler}: cannot reach the Dask scheduler: {exc}") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
        return
    if jobs <= 1:
        with ThreadPoolExecutor(max_workers=1) as pool:
            yield pool
        return
    # fork would copy this process's threads and locks (rich's live display); spawn starts
    # clean workers that import tracehound themselves.
    context = multiprocessing.get_context("spawn")
    processes = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start)
    try:
        yield processes
    except BaseException:
        _stop_workers(processes)
        raise
    finally:
        processes.shutdown(wait=True, cancel_futures=True)


def _worker_start() -> None:
    """In each local worker process: a spawned worker does not inherit the command's SIGTERM
    handler, and SIGTERM's default would kill it before its task's clean-up (the staged
    results, decrypted copies) runs. So SIGTERM, which the parent sends when it is stopped,
    exits through the clean-up (SystemExit: raised inside a task it unwinds the check, raised
    while the worker waits it ends the worker without a traceback); Ctrl-C at the terminal is
    left to the parent, which then sends SIGTERM once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_worker)


def _exit_worker(signum: int, frame: object) -> None:
    raise SystemExit(EXIT_INTERRUPTED)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to every worker still running (the command was interrupted): their running
    checks discard what they staged instead of finishing. ``_processes`` is the pool's own
    table of its processes (CPython's concurrent/futures/process.py); the standard library
    offers no public way before Python 3.14's ``terminate_workers``."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
