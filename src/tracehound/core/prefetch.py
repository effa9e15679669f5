"""Run a parser a few batches ahead of the engine, in a second thread.

A bulk SQLite parser spends its time in SQLite (``fetchmany``) and in Arrow compute, both of
which release the GIL, while the engine spends its time matching, feeding heuristics and
writing Parquet (zstd, also without the GIL). With the parser in its own thread both cores work
within one artifact. The queue holds at most ``depth`` batches, so memory stays bounded by the
batch size; the rows keep their order; the parser's exception is raised in the engine's
thread, where the caller handles it as before. Leaving the ``with`` block early (an error, an
interrupt) stops the parser and waits for its thread, so the input is never closed under it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

_ITEM, _END, _ERROR = 0, 1, 2


class Prefetch:
    """``with Prefetch(items) as ahead: for item in ahead: ...``"""

    def __init__(self, items: Iterable[Any], depth: int = 2) -> None:
        self._items = items
        self._queue: queue.Queue[tuple[int, Any]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tracehound-parser", daemon=True)

    def _put(self, entry: tuple[int, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        iterator = iter(self._items)
        try:
            for item in iterator:
                if not self._put((_ITEM, item)):
                    break
            else:
                self._put((_END, None))
        except BaseException as exc:  # handed to the engine's thread
            self._put((_ERROR, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # the parser's own clean-up runs in the thread that ran it

    def __enter__(self) -> Iterator[Any]:
        self._thread.start()
        return self._iterate()

    def _iterate(self) -> Iterator[Any]:
        while True:
            kind, value = self._queue.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:  # make room, so a parser blocked on a full queue sees the stop
                self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
        self._thread.join()
