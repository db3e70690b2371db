"""Python's cyclic garbage collector, paused for bulk work on a whole estate."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block of bulk work; as `@collector_paused()`, for a function.

    Work on a whole estate builds millions of long-lived objects without reference cycles (rows, records, results).
    With the collector on, every few hundred allocations it walks the young objects, and now and then all of them:
    on 100,000 systems that was a quarter to a third of the assess, plan and report stages (3.1, 2 and 2 s) and
    more than the generation itself in `sample-inventory`. Reference counting still frees everything as usual;
    what cycles the block makes wait for the first collection after it. The collector is switched back on, if it
    was on, however the block ends; an inner block (or another thread's) leaves that to the outermost one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
