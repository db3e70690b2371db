"""The cash objective: what a move group's move is worth over the horizon, by the slot it moves in.

The value follows the savings model's timing rules exactly (docs/savings.md): a group moving in month M (0-based
from the projection's first month) pays its one-time cost in M, Azure from M on, and stops paying legacy from
M + d on (d = dual-running months); anything at or after the horizon H does not count. So with L = legacy, A =
Azure (monthly sums over the group's systems) and C = one-time:

    net(M) = L x (H - clamp(M + d)) - A x (H - clamp(M)) - (C if 0 <= M < H else 0),   clamp(x) = min(max(x, 0), H)

Groups are ranked by their monthly saving L - A per unit of the binding capacity, the larger of systems /
max_systems and GB / max_gb (Smith's rule: net(M) falls by L - A for every month a group waits, so moving the
group with the most saving per unit of a wave first loses least). The level, -L x d - C, is the same in every
month inside the horizon: it decides whether a group is worth moving at all, not when. A group whose value where
it would land is negative (one-time and dual running outweigh what it saves before the horizon), or that saves
nothing, is deferred: it is packed after the others; and packing puts a group that would land where it loses money
after the horizon instead, unless a consumer that pays waits for it (packing.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from migrations_plan.waves.inputs import WavePolicy

# First fit leaves some room unused in each wave; the estimate of where a group lands allows for it.
_FILL = 0.9


class Cash(NamedTuple):
    """A group's monthly saving (legacy minus Azure), Azure run rate and one-time cost, in USD (a NamedTuple:
    one per group, built fast)."""

    saving: float
    azure: float
    one_time: float


def net_if_moved(cash: Cash, month: int, *, horizon: int, dual: int) -> float:
    """The net cash flow over `horizon` months of moving in `month` (0-based; negative = before the start)."""
    legacy_from = min(max(month + dual, 0), horizon)
    azure_from = min(max(month, 0), horizon)
    legacy = cash.saving + cash.azure
    one_time = cash.one_time if 0 <= month < horizon else 0.0
    return legacy * (horizon - legacy_from) - cash.azure * (horizon - azure_from) - one_time


def month_index(start: dt.date, day: dt.date) -> int:
    """Whole months from `start`'s month to `day`'s month, as the savings model counts them."""
    return (day.year - start.year) * 12 + day.month - start.month


def slot_months(policy: WavePolicy, *, horizon: int, dates: Sequence[dt.date]) -> list[int]:
    """The month index of each slot's date, up to the first slot at or after the horizon."""
    start = policy.horizon_start
    months = []
    for day in dates:
        months.append(month_index(start, day))
        if months[-1] >= horizon:
            break
    return months


def capacity_use(size: int, gb: float, max_systems: int, max_gb: float) -> float:
    """Share of a wave a group takes in its binding dimension; an oversized group takes a whole wave."""
    return min(1.0, max(size / max_systems, gb / max_gb))


def cash_priorities(
    cash: Sequence[Cash], use: Sequence[float], fixed: Sequence[bool], months: Sequence[int], *,
    horizon: int, dual: int, base: int,
) -> tuple[list[float], list[bool]]:
    """Density (saving per unit of capacity) and the deferred flag of every group.

    Where a group lands is estimated by filling waves from slot `base` in density order (fixed groups, the pinned
    ones, take no room here); a group worth less than nothing there is deferred, and the estimate is redone
    without it, up to three times.
    """
    density = [c.saving / max(u, 1e-9) for c, u in zip(cash, use, strict=True)]
    deferred = [c.saving <= 0 for c in cash]
    order = sorted(range(len(cash)), key=density.__getitem__, reverse=True)  # stable: ties keep index order
    for _ in range(3):
        filled = 0.0
        changed = False
        for g in order:
            if fixed[g] or deferred[g]:
                continue
            slot = base + int(filled / _FILL)
            filled += use[g]
            month = months[slot] if slot < len(months) else horizon
            if month < horizon and net_if_moved(cash[g], month, horizon=horizon, dual=dual) < 0:
                deferred[g] = changed = True
        if not changed:
            break
    return density, deferred
