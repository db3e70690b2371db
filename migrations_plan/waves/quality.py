"""How good an order is for cash: its net over 12 and 36 months beside the naive order and an upper bound.

Values cover what the order decides: the move groups of the new waves (frozen waves and retired systems add the
same amount to every order). Each group is valued with `net_if_moved` at its wave's month, the savings model's
own timing rules, so the figures add up to the projection's net for those systems.

The bound is a linear relaxation over the same wave slots: x[g, k] in [0, 1] is the share of group g moving in
slot k, each group at most once in total (the rest moves after the horizon, worth 0), each slot's systems and GB
at most its limit, pinned groups fixed in their slot, dependencies relaxed. Every plan the planner can make is
a feasible point (an oversized group alone in its wave counts as one full wave), so the LP optimum is >= the net
of any plan. It needs scipy (HiGHS); without it a weaker bound is used (see `knapsack_bound`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, replace

from migrations_plan.waves.inputs import (
    DEFAULT_HUBS,
    FrozenWave,
    HubPolicy,
    Objective,
    PlanEdge,
    PlanSystem,
    WavePolicy,
)
from migrations_plan.waves.model import WavePlan
from migrations_plan.waves.objective import Cash, month_index, net_if_moved, slot_months
from migrations_plan.waves.packing import wave_dates
from migrations_plan.waves.planner import plan_waves

HORIZONS = (12, 36)


@dataclass(frozen=True, kw_only=True)
class OrderValue:
    """Net cash flow (USD) over each horizon of the groups the order places."""

    label: str
    net: dict[int, float]


@dataclass(frozen=True, kw_only=True)
class PlanQuality:
    """The chosen order's net beside the naive (alphabetical) order's and an upper bound, per horizon."""

    objective: str
    chosen: OrderValue
    naive: OrderValue
    bound: OrderValue
    bound_method: str

    def rows(self) -> list[dict[str, object]]:
        """One row per horizon: the three nets, chosen / naive and chosen / bound."""
        rows: list[dict[str, object]] = []
        for h in HORIZONS:
            chosen, naive, bound = self.chosen.net[h], self.naive.net[h], self.bound.net[h]
            rows.append({
                "horizon_months": h, "chosen_net": round(chosen, 2), "naive_net": round(naive, 2),
                "bound_net": round(bound, 2), "chosen_vs_naive": _ratio(chosen, naive),
                "chosen_vs_bound": _ratio(chosen, bound),
            })
        return rows

    def __str__(self) -> str:
        lines = [f"Order quality (objective {self.objective}; bound: {self.bound_method}):"]
        for row in self.rows():
            lines.append(
                f"  {row['horizon_months']} months: net {row['chosen_net']:,.0f} USD; naive order "
                f"{row['naive_net']:,.0f} (x{_show(row['chosen_vs_naive'])}); upper bound {row['bound_net']:,.0f} "
                f"({_show(row['chosen_vs_bound'])} of it)")
        return "\n".join(lines)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b > 0 else None


def _show(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def group_cash(plan: WavePlan) -> list[tuple[Cash, int, float, int | None]]:
    """(cash, systems, GB, pinned wave) of every group of the plan, from its systems' figures."""
    found = []
    for group in plan.groups:
        azure = one_time = 0.0
        for sid in group.system_ids:
            system = plan.systems[sid]
            azure += system.azure_monthly
            one_time += system.one_time_cost
        found.append((Cash(group.monthly_saving, azure, one_time), group.size, group.storage_gb, group.pinned_wave))
    return found


def order_value(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> float:
    """Net over `horizon` months of the groups in the plan's new waves, each at its wave's month."""
    start = policy.horizon_start
    dual = policy.dual_running_months
    cash = {group.id: c for group, (c, _, _, _) in zip(plan.groups, group_cash(plan), strict=True)}
    total = 0.0
    for wave in plan.waves:
        if wave.frozen:
            continue
        month = month_index(start, wave.date)
        for group in wave.groups:
            total += net_if_moved(cash[group.id], month, horizon=horizon, dual=dual)
    return total


def _slots(plan: WavePlan, policy: WavePolicy, horizon: int) -> tuple[list[int], int]:
    """Month index of each new slot within the horizon, and the first new wave number."""
    first = min((w.number for w in plan.waves if not w.frozen), default=0)
    count = horizon * 31 // policy.cadence_days + 2 + len(policy.blackout_dates)
    months = slot_months(policy, horizon=horizon, dates=wave_dates(count, policy))
    return [m for m in months if m < horizon], first


def upper_bound(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> tuple[float, str]:
    """An upper bound on the net over `horizon` of any plan of these groups in these slots: the LP relaxation
    when scipy is installed, else the knapsack bound. Returns (bound, method)."""
    if importlib.util.find_spec("scipy") is None:
        return knapsack_bound(plan, policy, horizon=horizon), "per-slot fractional knapsack (scipy not installed)"
    return lp_bound(plan, policy, horizon=horizon), "LP relaxation over the same wave slots (HiGHS)"


def _problem(plan: WavePlan, policy: WavePolicy, horizon: int) -> tuple[
        float, list[list[float]], list[tuple[float, float]], list[int], list[tuple[float, float]]]:
    """(value of pinned groups, value per free group per slot, their (systems, GB) shares, slot months,
    room per slot) with shares clipped at a whole wave."""
    months, first = _slots(plan, policy, horizon)
    dual = policy.dual_running_months
    # The planner's pilot wave holds at most pilot_max_systems (pinned groups aside), and only pilot candidates:
    # every plan it makes with a pilot respects both, so the bound may too. Without a pilot the first slot is an
    # ordinary wave.
    has_pilot = any(w.pilot for w in plan.waves)
    pilot_room = policy.pilot_max_systems / policy.max_systems if has_pilot else 1.0
    room = [(pilot_room if k == 0 else 1.0, 1.0) for k in range(len(months))]
    fixed_value = 0.0
    values: list[list[float]] = []
    shares: list[tuple[float, float]] = []
    pinned_slot = {group.id: wave.number - first for wave in plan.waves if not wave.frozen
                   for group in wave.groups if group.pinned_wave is not None}
    for group, (cash, size, gb, _) in zip(plan.groups, group_cash(plan), strict=True):
        share = (min(1.0, size / policy.max_systems), min(1.0, gb / policy.max_gb))
        if group.id in pinned_slot:
            k = pinned_slot[group.id]
            wave = next(w for w in plan.waves if w.number == k + first)
            fixed_value += net_if_moved(cash, month_index(policy.horizon_start, wave.date), horizon=horizon,
                                        dual=dual)
            if 0 <= k < len(room):
                room[k] = (max(0.0, room[k][0] - share[0]), max(0.0, room[k][1] - share[1]))
            continue
        row = [net_if_moved(cash, m, horizon=horizon, dual=dual) for m in months]
        if has_pilot and row and group.id not in plan.pilot_candidates:
            row[0] = 0.0  # the pilot holds pilot candidates only: worth nothing here, as good as not there
        if max(row, default=0.0) > 0:
            values.append(row)
            shares.append(share)
    return fixed_value, values, shares, months, room


def lp_bound(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> float:
    """The LP relaxation's optimum (scipy.optimize.linprog, HiGHS)."""
    import numpy as np
    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

    fixed_value, values, shares, months, room = _problem(plan, policy, horizon)
    groups, slots = len(values), len(months)
    if not groups or not slots:
        return fixed_value
    value = np.array(values, dtype=float)  # groups x slots
    n = groups * slots
    g_index = np.repeat(np.arange(groups), slots)
    k_index = np.tile(np.arange(slots), groups)
    share = np.array(shares, dtype=float)
    rows = np.concatenate([g_index, groups + k_index, groups + slots + k_index])
    cols = np.concatenate([np.arange(n)] * 3)
    data = np.concatenate([np.ones(n), share[g_index, 0], share[g_index, 1]])
    a_ub = coo_matrix((data, (rows, cols)), shape=(groups + 2 * slots, n)).tocsr()
    b_ub = np.concatenate([np.ones(groups), [r[0] for r in room], [r[1] for r in room]])
    result = linprog(-value.ravel(), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"the bound's linear program did not solve: {result.message}")
    return fixed_value - float(result.fun)


def knapsack_bound(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> float:
    """A bound without scipy: drop "each group moves once", then each slot is a fractional knapsack.

    A slot's systems share and GB share are each at most 1, so their sum is at most 2: the best a slot can hold
    is at most the fractional knapsack of values v[g, k] and weights (systems share + GB share) with capacity
    2 x room, which greedy by value per weight solves exactly. The sum over slots bounds every plan, and so does
    the sum over groups of their best slot value; the smaller of the two is returned.
    """
    fixed_value, values, shares, months, room = _problem(plan, policy, horizon)
    per_group = sum(max(0.0, *row) for row in values)
    per_slot = 0.0
    weights = [a + b for a, b in shares]
    for k in range(len(months)):
        capacity = room[k][0] + room[k][1]
        items = sorted(((row[k] / w if w > 0 else float("inf"), row[k], w) for row, w in zip(values, weights,
                                                                                                  strict=True)
                        if row[k] > 0), reverse=True)
        for _, v, w in items:
            if capacity <= 0:
                break
            if w <= capacity:
                per_slot += v
                capacity -= w
            else:
                per_slot += v * capacity / w
                capacity = 0.0
    return fixed_value + min(per_group, per_slot)


def plan_quality(
    plan: WavePlan, *, systems: Iterable[PlanSystem], edges: Iterable[PlanEdge], policy: WavePolicy,
    hubs: HubPolicy = DEFAULT_HUBS, frozen: Iterable[FrozenWave] = (), cuts: Iterable[tuple[int, int]] = (),
) -> PlanQuality:
    """The plan's net over 12 and 36 months, the naive order's (alphabetical, same rules), and the bound."""
    naive_plan = plan_waves(systems, edges, policy=replace(policy, objective=Objective.ALPHABETICAL), hubs=hubs,
                            frozen=frozen, cuts=cuts)
    chosen = {h: order_value(plan, policy, horizon=h) for h in HORIZONS}
    naive = {h: order_value(naive_plan, policy, horizon=h) for h in HORIZONS}
    bounds: dict[int, float] = {}
    method = ""
    for h in HORIZONS:
        bounds[h], method = upper_bound(plan, policy, horizon=h)
    return PlanQuality(objective=plan.objective, chosen=OrderValue(label="chosen", net=chosen),
                       naive=OrderValue(label="naive", net=naive), bound=OrderValue(label="bound", net=bounds),
                       bound_method=method)
