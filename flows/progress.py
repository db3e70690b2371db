"""Progress reporting from inside flows and tasks to whoever is watching (the CLI's Rich display).

Flows and tasks call `report(stage, done, total)`; the CLI installs a listener. Without one, reports are dropped,
so flows run the same under a worker, in tests and from the CLI. A listener is process-wide on purpose: Prefect
may run task bodies in worker threads, where a context variable set by the CLI would not be visible.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int], None]

_listener: Listener | None = None
_lock = threading.Lock()


def report(stage: str, done: int, total: int) -> None:
    listener = _listener
    if listener is not None:
        listener(stage, done, total)


def reporter(stage: str) -> Callable[[int, int], None]:
    """A `progress(done, total)` callback for pure code, tagged with the stage name."""

    def progress(done: int, total: int) -> None:
        report(stage, done, total)

    return progress


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    global _listener
    with _lock:
        previous, _listener = _listener, listener
    try:
        yield
    finally:
        with _lock:
            _listener = previous
