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
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, cast

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
            import distributed
        except ImportError:
            raise ClusterError(
                "--scheduler needs Dask distributed: pip install 'tracehound[cluster]'"
            ) from None
        try:
            client: Any = cast(Any, distributed).Client(
                scheduler, timeout="10s", set_as_default=False
            )
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
    processes = _WorkerPool(jobs, mp_context=context, initializer=_worker_start)
    try:
        yield processes
    except BaseException:
        _stop_workers(processes)
        raise
    finally:
        processes.shutdown(wait=True, cancel_futures=True)


class _WorkerPool(ProcessPoolExecutor):
    """Local worker processes whose tasks unwind whole when the command is stopped.

    A spawned worker does not inherit the command's SIGTERM handler, and SIGTERM's default
    would kill it before its task's clean-up (staged results, decrypted copies) runs. So in a
    worker the first SIGTERM (sent by the parent when it is stopped; Ctrl-C is left to the
    parent, which forwards it so) raises SystemExit: inside a task it unwinds the task's
    clean-up, between tasks it ends the worker quietly. A second SIGTERM during that clean-up
    is ignored (a pool that sees a worker end terminates the others, which would cut their
    clean-up short), and a task that unwound ends its worker (``os._exit``) once its clean-up
    is done, so no worker is left waiting for work that will not come."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(_in_worker, fn, *args, **kwargs)


_state = {"in_task": False, "stopping": False}  # of this worker process (set in the worker)


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_worker)


def _exit_worker(signum: int, frame: object) -> None:
    if _state["in_task"] and _state["stopping"]:
        return  # the clean-up of the first SIGTERM is running: let it finish
    _state["stopping"] = True
    raise SystemExit(EXIT_INTERRUPTED)


def _in_worker(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    _state["in_task"] = True
    try:
        return fn(*args, **kwargs)
    except SystemExit:
        if _state["stopping"]:
            os._exit(EXIT_INTERRUPTED)  # the task's clean-up ran while it unwound
        raise
    finally:
        _state["in_task"] = False


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to every worker still running (the command was interrupted): their running
    checks discard what they staged instead of finishing. ``_processes`` is the pool's own
    table of its processes (CPython's concurrent/futures/process.py); the standard library
    offers no public way before Python 3.14's ``terminate_workers``."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
