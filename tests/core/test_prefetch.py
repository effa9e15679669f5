"""The parser thread: same items in the same order, errors raised in the engine's thread,
an early stop closes the parser in its thread and leaves no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tracehound.core.prefetch import Prefetch


def test_items_in_order() -> None:
    with Prefetch(iter(range(1000)), depth=2) as ahead:
        assert list(ahead) == list(range(1000))


def test_parser_error_is_raised_after_the_items_before_it() -> None:
    def parser() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad row")

    got: list[int] = []
    with pytest.raises(ValueError, match="bad row"), Prefetch(parser()) as ahead:
        got.extend(ahead)
    assert got == [1, 2]


def test_early_stop_closes_the_parser_and_joins() -> None:
    closed = threading.Event()
    threads: list[str] = []

    def parser() -> Iterator[int]:
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            threads.append(threading.current_thread().name)
            closed.set()

    before = threading.active_count()
    with pytest.raises(RuntimeError), Prefetch(parser(), depth=1) as ahead:
        for item in ahead:
            if item == 5:
                raise RuntimeError("engine stops")
    assert closed.is_set()
    assert threads == ["tracehound-parser"]
    assert threading.active_count() == before


def test_a_check_reads_sqlite_in_the_parser_thread(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The pipeline runs SQLite parsers through Prefetch (a connection made in one thread and
    read in another must be allowed)."""
    from tracehound.demo import generate
    from tracehound.parsers.ios import sms
    from tracehound.pipeline import CheckOptions, run_check

    seen: list[str] = []
    original = sms._columns

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(sms, "_columns", spy)
    backup = generate.write_demo_backup(tmp_path / "b")
    result = run_check(CheckOptions(target=backup, output=tmp_path / "out", jobs=1))
    assert seen and set(seen) == {"tracehound-parser"}
    assert result.run["artifacts"]
