"""Progress reporting from inside flows and tasks to whoever is watching: the CLI's Rich display, and the
progress artifact a person sees on the run's page in the Prefect UI.

Flows and tasks call `report(stage, done, total)`; the CLI installs a listener. Without one, reports are dropped,
so flows run the same under a worker, in tests and from the CLI. A listener is process-wide on purpose: Prefect
may run task bodies in worker threads, where a context variable set by the CLI would not be visible.

`ProgressPoster` keeps a Prefect progress artifact up to date from a background thread: workers only count
(`tick()`, no API call on their path); the poster posts when the count moved, at most once a `every` seconds, and
at once when asked (`post_now()`, before a pause, say), so a paused or finished run never shows a stale bar.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


class ProgressPoster:
    """A Prefect progress artifact (0-100 %) of `total` units, posted in the background while `running()`."""

    def __init__(self, *, key: str, description: str, total: int, every: float = 1.0) -> None:
        from prefect.artifacts import create_progress_artifact

        self.total = max(1, total)
        self.every = every
        self._count = itertools.count(1)
        self._done = 0
        self._posted = -1
        self._lock = threading.Lock()
        self._id: Any = create_progress_artifact(progress=0.0, key=key, description=description)

    def tick(self) -> None:
        """One unit done (called from worker threads; `next()` on a count is atomic between threads)."""
        self._done = next(self._count)

    def post_now(self, *, percent: float | None = None) -> None:
        from prefect.artifacts import update_progress_artifact

        with self._lock:
            done = self._done
            value = percent if percent is not None else min(100.0, 100.0 * done / self.total)
            if percent is None and done == self._posted:
                return
            self._posted = done
            update_progress_artifact(self._id, progress=round(value, 1))

    @contextmanager
    def running(self) -> Iterator[ProgressPoster]:
        """Post in the background for the block; 100 % when the block finishes, the count reached when it fails."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(self.every):
                self.post_now()

        thread = threading.Thread(target=loop, name=f"progress-{id(self)}", daemon=True)
        thread.start()
        finished = False
        try:
            yield self
            finished = True
        finally:
            stop.set()
            thread.join(timeout=5)
            self.post_now(percent=100.0 if finished else None)
