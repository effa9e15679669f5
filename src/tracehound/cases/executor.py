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
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, cast

from tracehound.core.errors import TracehoundError


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
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield pool
