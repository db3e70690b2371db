"""Handing a large value (a parsed file, an assessment of 100,000 systems) from one task to the next.

Prefect walks every task argument looking for futures and upstream task runs; on 100,000 rows that walk costs
tens of seconds and hundreds of MiB per call. `whole(value)` passes the value untouched (`quote`), typed as
itself so that callers stay type-checked.
"""

from __future__ import annotations

from typing import TypeVar, cast

from prefect.utilities.annotations import quote

T = TypeVar("T")


def whole(value: T) -> T:
    return cast(T, quote(value))
