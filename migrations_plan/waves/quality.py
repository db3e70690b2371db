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
from typing import Any

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


@dataclass(frozen=True, slots=True)
class _Problem:
    """The bound's problem: the pinned groups' value, and for each free group its cash, (systems, GB) shares of a
    wave (clipped at 1), whether it may go in the pilot slot and the slot the plan gave it; slot months and room
    (systems, GB) per slot."""

    fixed_value: float
    cash: list[Cash]
    shares: list[tuple[float, float]]
    pilot_ok: list[bool]
    planned_slot: list[int]
    months: list[int]
    room: list[tuple[float, float]]
    has_pilot: bool

    def row(self, g: int, *, horizon: int, dual: int) -> list[float]:
        """Group g's value in each slot (0 in the pilot slot for a group the pilot may not hold)."""
        row = [net_if_moved(self.cash[g], m, horizon=horizon, dual=dual) for m in self.months]
        if self.has_pilot and row and not self.pilot_ok[g]:
            row[0] = 0.0  # worth nothing there: as good as not there
        return row


def _problem(plan: WavePlan, policy: WavePolicy, horizon: int) -> _Problem:
    months, first = _slots(plan, policy, horizon)
    dual = policy.dual_running_months
    # The planner's pilot wave holds at most pilot_max_systems (pinned groups aside), and only pilot candidates:
    # every plan it makes with a pilot respects both, so the bound may too. Without a pilot the first slot is an
    # ordinary wave.
    has_pilot = any(w.pilot for w in plan.waves)
    pilot_room = policy.pilot_max_systems / policy.max_systems if has_pilot else 1.0
    room = [(pilot_room if k == 0 else 1.0, 1.0) for k in range(len(months))]
    fixed_value = 0.0
    cash_of: list[Cash] = []
    shares: list[tuple[float, float]] = []
    pilot_ok: list[bool] = []
    planned_slot: list[int] = []
    date_of = {wave.number: wave.date for wave in plan.waves}
    slot_of = {group.id: wave.number - first for wave in plan.waves if not wave.frozen for group in wave.groups}
    for group, (cash, size, gb, _) in zip(plan.groups, group_cash(plan), strict=True):
        share = (min(1.0, size / policy.max_systems), min(1.0, gb / policy.max_gb))
        if group.pinned_wave is not None and group.id in slot_of:
            k = slot_of[group.id]
            fixed_value += net_if_moved(cash, month_index(policy.horizon_start, date_of[k + first]),
                                        horizon=horizon, dual=dual)
            if 0 <= k < len(room):
                room[k] = (max(0.0, room[k][0] - share[0]), max(0.0, room[k][1] - share[1]))
            continue
        # Worth nothing in any slot: no plan gains by moving it inside the horizon. Inside the horizon net(M) never
        # rises with M while it is positive (it falls by the saving each month), so the first two slots tell (the
        # second for a group the pilot may not hold).
        if all(net_if_moved(cash, m, horizon=horizon, dual=dual) <= 0 for m in months[:2]):
            continue
        cash_of.append(cash)
        shares.append(share)
        pilot_ok.append(group.id in plan.pilot_candidates)
        planned_slot.append(min(max(slot_of.get(group.id, len(months)), 0), len(months) - 1))
    return _Problem(fixed_value, cash_of, shares, pilot_ok, planned_slot, months, room, has_pilot)


# Column generation: each group starts with its columns within _WINDOW months of the month the plan gave it; each
# round adds, per group, up to _ADDED columns of positive reduced cost; it stops when the restricted LP and the
# dual bound agree within _GAP (relative: the bound is then at most 0.01 % above the LP optimum, far below the
# ratios' last digit) or after _ROUNDS rounds. The dual bound returned is valid either way.
_WINDOW = 3
_ADDED = 3
_GAP = 1e-4
_ROUNDS = 30


def lp_bound(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> float:
    """The LP relaxation's optimum (scipy.optimize.linprog, HiGHS), slots of one month merged, by column generation.

    Slots in the same month give every group the same value, so they are merged into one column per group and
    month with their rooms summed (the pilot slot stays apart: it holds pilot candidates only). Merging sums
    constraints, so the merged LP is a relaxation of the per-slot one: still an upper bound on every plan, equal to
    it whenever the merged slots have the same mix of room (all but a pinned slot). Months where no group gains
    (the last dual-running months) are left out: no plan gains there either.

    With 10,000 groups and 36 months the LP has 400,000 columns, of which a group only ever needs a few near where
    the plan put it: so the LP is solved over those and grown (see _WINDOW). Whatever a round's duals (lam and mu
    for the months' systems and GB), weak duality bounds the full LP and so every plan:
    sum_k lam_k R_k + mu_k Q_k + sum_g max(0, max_k (v_gk - lam_k a_g - mu_k b_g)). The smallest such bound seen is
    returned; it is the LP optimum once the restricted LP reaches it.
    """
    import numpy as np
    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

    problem = _problem(plan, policy, horizon)
    groups = len(problem.cash)
    if not groups or not problem.months:
        return problem.fixed_value
    column_of: dict[tuple[bool, int], int] = {}
    merged = [column_of.setdefault((problem.has_pilot and k == 0, month), len(column_of))
              for k, month in enumerate(problem.months)]
    first_slot = [merged.index(column) for column in range(len(column_of))]
    value = _value_matrix(problem, horizon=horizon, dual=policy.dual_running_months)[:, first_slot]
    room = np.zeros((len(column_of), 2))
    np.add.at(room, merged, np.array(problem.room, dtype=float))
    useful = np.nonzero((value > 0).any(axis=0))[0]
    value, room = value[:, useful], room[useful]
    slots = len(useful)
    share = np.array(problem.shares, dtype=float)
    a, b = share[:, 0], share[:, 1]
    b_ub = np.concatenate([np.ones(groups), room[:, 0], room[:, 1]])
    planned = np.searchsorted(useful, [merged[k] for k in problem.planned_slot]).clip(0, slots - 1)
    columns = {(g, k) for g in range(groups) for k in range(max(0, planned[g] - _WINDOW),
                                                             min(slots, planned[g] + _WINDOW + 1))}
    columns |= {(g, 0) for g in range(groups)} | set(enumerate(value.argmax(axis=1).tolist()))
    best = float("inf")
    for _ in range(_ROUNDS):
        g_of, k_of = (np.array(side, dtype=np.int64) for side in zip(*sorted(columns), strict=True))
        n = len(g_of)
        a_ub = coo_matrix((np.concatenate([np.ones(n), a[g_of], b[g_of]]),
                           (np.concatenate([g_of, groups + k_of, groups + slots + k_of]),
                            np.concatenate([np.arange(n)] * 3))), shape=(groups + 2 * slots, n)).tocsr()
        result = linprog(-value[g_of, k_of], A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs-ds")
        if result.status != 0:
            raise RuntimeError(f"the bound's linear program did not solve: {result.message}")
        duals = np.maximum(-np.asarray(result.ineqlin.marginals, dtype=float), 0.0)
        y, lam, mu = duals[:groups], duals[groups:groups + slots], duals[groups + slots:]
        net = value - np.outer(a, lam) - np.outer(b, mu)
        best = min(best, float(lam @ room[:, 0] + mu @ room[:, 1] + np.maximum(net.max(axis=1), 0.0).sum()))
        if best + float(result.fun) <= _GAP * max(1.0, abs(best)):
            break
        tolerance = 1e-9 * max(1.0, abs(best))
        reduced = net - y[:, None]
        top = np.argsort(-reduced, axis=1)[:, :_ADDED]
        picked = reduced[np.arange(groups)[:, None], top] > tolerance
        added = set(zip(np.nonzero(picked)[0].tolist(), top[picked].tolist(), strict=True)) - columns
        if not added:
            break
        columns |= added
    return problem.fixed_value + best


def _value_matrix(problem: _Problem, *, horizon: int, dual: int) -> Any:
    """net_if_moved for every free group and slot at once (numpy), the pilot rule applied."""
    import numpy as np

    saving, azure, one_time = (np.array(column, dtype=float) for column in zip(*problem.cash, strict=True))
    months = np.array(problem.months, dtype=float)
    legacy_from = np.clip(months + dual, 0, horizon)
    azure_from = np.clip(months, 0, horizon)
    inside = ((months >= 0) & (months < horizon)).astype(float)
    value = (np.outer(saving + azure, horizon - legacy_from) - np.outer(azure, horizon - azure_from)
             - np.outer(one_time, inside))
    if problem.has_pilot:
        value[~np.array(problem.pilot_ok, dtype=bool), 0] = 0.0
    return value


def knapsack_bound(plan: WavePlan, policy: WavePolicy, *, horizon: int) -> float:
    """A bound without scipy: drop "each group moves once", then each slot is a fractional knapsack.

    A slot's systems share and GB share are each at most 1, so their sum is at most 2: the best a slot can hold
    is at most the fractional knapsack of values v[g, k] and weights (systems share + GB share) with capacity
    2 x room, which greedy by value per weight solves exactly. The sum over slots bounds every plan, and so does
    the sum over groups of their best slot value; the smaller of the two is returned.
    """
    problem = _problem(plan, policy, horizon)
    values = [problem.row(g, horizon=horizon, dual=policy.dual_running_months) for g in range(len(problem.cash))]
    per_group = sum(max(0.0, *row) for row in values)
    per_slot = 0.0
    weights = [a + b for a, b in problem.shares]
    for k, (room_systems, room_gb) in enumerate(problem.room):
        capacity = room_systems + room_gb
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
    return problem.fixed_value + min(per_group, per_slot)


def plan_quality(
    plan: WavePlan, *, systems: Iterable[PlanSystem], edges: Iterable[PlanEdge], policy: WavePolicy,
    hubs: HubPolicy = DEFAULT_HUBS, frozen: Iterable[FrozenWave] = (), cuts: Iterable[tuple[int, int]] = (),
    naive_plan: WavePlan | None = None,
) -> PlanQuality:
    """The plan's net over 12 and 36 months, the naive order's (alphabetical, same rules: planned here unless
    given, e.g. by `plan_orders` beside the plan), and the bound."""
    if naive_plan is None:
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
