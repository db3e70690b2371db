"""The cash objective: what a move is worth by month (docs/waves.md's worked example), Smith's order, groups that
lose money go after the horizon and are flagged, the pilot under cash, and the plan-quality bound (by hand and,
on random estates, never below any plan the planner makes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import example, given, settings

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves import Objective, PlanEdge, PlanSystem, WavePlan, WavePolicy, plan_orders, plan_waves
from migrations_plan.waves.objective import Cash, capacity_use, month_index, net_if_moved
from migrations_plan.waves.quality import _problem, knapsack_bound, lp_bound, order_value, plan_quality
from tests.unit.test_waves_properties import Estate, estates, plan_of

START = dt.date(2026, 1, 5)
# One group per wave and one wave a month (31 days from 5 January lands in the next month each time), no pilot:
# wave k moves in month k of the projection.
MONTHLY = WavePolicy(start=START, max_systems=1, max_tb=20.0, cadence_days=31, pilot_max_systems=0)


def system(sid: int, name: str, *, saving: float, azure: float = 0.0, one_time: float = 0.0, gb: float = 0.0,
           environment: str = "production") -> PlanSystem:
    return PlanSystem(id=sid, name=name, environment=environment, criticality=None, application=None,
                      strategy=Strategy.REHOST, storage_gb=gb, monthly_saving=saving, azure_monthly=azure,
                      one_time_cost=one_time)


def month_of(plan: WavePlan, sid: int) -> int:
    wave = next(w for w in plan.waves if sid in w.systems)
    return month_index(START.replace(day=1), wave.date)


# docs/waves.md: L = 1,200, A = 400 (saving 800), C = 1,500, d = 1.
EXAMPLE = Cash(saving=800.0, azure=400.0, one_time=1500.0)


@pytest.mark.parametrize(("month", "horizon", "expected"), [
    (0, 12, 1200 * 11 - 400 * 12 - 1500),   # 13,200 - 4,800 - 1,500 = 6,900
    (6, 12, 1200 * 5 - 400 * 6 - 1500),     # 6,000 - 2,400 - 1,500 = 2,100
    (10, 12, 1200 * 1 - 400 * 2 - 1500),    # 1,200 - 800 - 1,500 = -1,100
    (11, 12, 1200 * 0 - 400 * 1 - 1500),    # dual running past the horizon: -1,900
    (12, 12, 0),                            # at or after the horizon nothing counts
    (30, 12, 0),
    (-1, 12, 1200 * 12 - 400 * 12),         # moved before the projection: no one-time inside it, 9,600
    (6, 36, 1200 * 29 - 400 * 30 - 1500),   # 34,800 - 12,000 - 1,500 = 21,300
])
def test_net_if_moved_is_the_worked_example(month: int, horizon: int, expected: float) -> None:
    assert net_if_moved(EXAMPLE, month, horizon=horizon, dual=1) == expected


def test_each_month_earlier_gains_the_monthly_saving() -> None:
    values = [net_if_moved(EXAMPLE, m, horizon=12, dual=1) for m in range(12)]
    # One month earlier: one more month of legacy avoided (1,200) and of Azure paid (400), the one-time unchanged.
    assert [a - b for a, b in zip(values, values[1:], strict=False)] == [1200.0 - 400.0] * 11
    assert net_if_moved(EXAMPLE, 12, horizon=12, dual=1) == 0 > values[-1], "past the horizon a move is worth 0"


def test_capacity_use_is_the_binding_share_of_a_wave() -> None:
    # 50 systems, 20 TB (20,000 GB) a wave
    assert capacity_use(2, 3000.0, 50, 20000.0) == pytest.approx(max(2 / 50, 3000 / 20000)) == pytest.approx(0.15)
    assert capacity_use(80, 0.0, 50, 20000.0) == 1.0, "an oversized group takes one whole wave"


def test_smiths_rule_moves_the_most_saving_per_wave_first_whatever_its_one_time_cost() -> None:
    # a saves 1,000 a month (L 1,500, A 500) and costs 5,000 once; b saves 900 (L 1,000, A 100) and costs nothing.
    systems = [system(1, "a", saving=1000, azure=500, one_time=5000), system(2, "b", saving=900, azure=100)]
    plan = plan_waves(systems, [], policy=MONTHLY)
    assert (month_of(plan, 1), month_of(plan, 2)) == (0, 1)
    # a first: 1,500 x 11 - 500 x 12 - 5,000 = 5,500; then b: 1,000 x 10 - 100 x 11 = 8,900; together 14,400.
    # b first would give 1,000 x 11 - 100 x 12 = 9,800 and 1,500 x 10 - 500 x 11 - 5,000 = 4,500: 14,300.
    assert order_value(plan, MONTHLY, horizon=12) == 5500 + 8900
    # Ranking by the net a quarter into the horizon (the old rule) would put b first: 7,100 against 2,500.
    assert net_if_moved(Cash(900, 100, 0), 3, horizon=12, dual=1) > net_if_moved(Cash(1000, 500, 5000), 3,
                                                                                  horizon=12, dual=1)


def test_a_group_that_loses_money_anywhere_in_the_horizon_goes_after_it_and_is_flagged() -> None:
    systems = [
        system(1, "a", saving=1000, azure=500, one_time=5000),
        # c saves 100 (L 200, A 100) but costs 5,000 once: 200 x 11 - 100 x 12 - 5,000 = -4,000 even in month 0.
        system(3, "c", saving=100, azure=100, one_time=5000),
        system(4, "d", saving=-50, azure=300),  # dearer in Azure than on premises
        system(2, "b", saving=900, azure=100),
    ]
    plan = plan_waves(systems, [], policy=MONTHLY)
    assert (month_of(plan, 1), month_of(plan, 2)) == (0, 1), "the paying groups take the first waves"
    assert month_of(plan, 3) >= 12 and month_of(plan, 4) >= 12, "worth 0 after the horizon instead of a loss"
    losing = {item.group_id: item for item in plan.losing}
    group_of = {sid: g.id for g in plan.groups for sid in g.system_ids}
    assert set(losing) == {group_of[3], group_of[4]}
    assert losing[group_of[3]].net_first_wave == 200 * 11 - 100 * 12 - 5000
    assert "move it later" in losing[group_of[3]].advice
    assert "reconsider the strategy" in losing[group_of[4]].advice


def test_a_losing_producer_still_moves_before_the_paying_consumer_that_waits_for_it() -> None:
    # p saves nothing and costs 3,000 once; q saves 5,000 a month but calls p (an ordering-only, cut dependency).
    systems = [system(1, "p", saving=0, azure=200, one_time=3000), system(2, "q", saving=5000, azure=1000)]
    edges = [PlanEdge(2, 1, port=1521)]
    plan = plan_waves(systems, edges, policy=MONTHLY, cuts=[(2, 1)])
    assert month_of(plan, 1) < month_of(plan, 2) < 12
    assert order_value(plan, MONTHLY, horizon=12) == (
        net_if_moved(Cash(0, 200, 3000), 0, horizon=12, dual=1)      # -200 x 12 - 3,000 = -5,400
        + net_if_moved(Cash(5000, 1000, 0), 1, horizon=12, dual=1))  # 6,000 x 10 - 1,000 x 11 = 49,000


def test_under_cash_the_pilot_holds_the_candidates_that_save_most_per_unit_of_a_wave() -> None:
    systems = [system(1, "small", saving=10, environment="development"),
               system(2, "rich", saving=2000, gb=100, environment="development"),
               system(3, "prod", saving=5000)]
    policy = WavePolicy(start=START, max_systems=5, pilot_max_systems=1)
    cash = plan_waves(systems, [], policy=policy)
    risk = plan_waves(systems, [], policy=replace(policy, objective=Objective.RISK_FIRST))
    assert [w.systems for w in cash.waves if w.pilot] == [(2,)]
    assert [w.systems for w in risk.waves if w.pilot] == [(1,)], "risk-first: the smallest candidate"
    assert cash.pilot_candidates == {g.id for g in cash.groups if g.system_ids != (3,)}


def test_the_bounds_by_hand() -> None:
    systems = [system(1, "a", saving=1000, azure=500, one_time=5000), system(2, "b", saving=900, azure=100)]
    plan = plan_waves(systems, [], policy=MONTHLY)
    # One system a wave, one wave a month: an assignment problem, whose LP optimum is whole: a in 0, b in 1.
    assert lp_bound(plan, MONTHLY, horizon=12) == pytest.approx(5500 + 8900)
    # The knapsack bound drops "each group once": each group at its best month (a 5,500, b 9,800 in month 0).
    assert knapsack_bound(plan, MONTHLY, horizon=12) == pytest.approx(5500 + 9800)


def test_quality_reports_ours_beside_naive_and_bound() -> None:
    # Names put the poor group first alphabetically: the naive order moves it first.
    systems = [system(1, "aa-poor", saving=100, azure=50), system(2, "zz-rich", saving=3000, azure=500)]
    plan = plan_waves(systems, [], policy=MONTHLY)
    quality = plan_quality(plan, systems=systems, edges=[], policy=MONTHLY)
    rich_first = net_if_moved(Cash(3000, 500, 0), 0, horizon=12, dual=1) + net_if_moved(Cash(100, 50, 0), 1,
                                                                                        horizon=12, dual=1)
    poor_first = net_if_moved(Cash(100, 50, 0), 0, horizon=12, dual=1) + net_if_moved(Cash(3000, 500, 0), 1,
                                                                                      horizon=12, dual=1)
    assert quality.chosen.net[12] == rich_first and quality.naive.net[12] == poor_first
    assert quality.bound.net[12] == pytest.approx(rich_first)
    (twelve, _) = quality.rows()
    assert twelve["chosen_vs_naive"] == round(rich_first / poor_first, 4) and twelve["chosen_vs_bound"] == 1.0
    assert "12 months: net" in str(quality) and "upper bound" in str(quality)


@settings(max_examples=120, deadline=None)
@given(estates())
@example(Estate(  # an oversized group (2 systems, limit 1) with room in a 3-system pilot: it takes its own wave
    systems=[system(i, f"app{i:02d}", saving=0, environment="development") for i in (1, 2, 3)],
    edges=[PlanEdge(1, 2)], policy=WavePolicy(start=START, max_systems=1, max_tb=1.0, cadence_days=1,
                                              pilot_max_systems=3), frozen=[], cuts=frozenset()))
def test_the_bound_is_never_below_the_chosen_or_the_naive_order(estate: Estate) -> None:
    plan = plan_of(estate)
    quality = plan_quality(plan, systems=estate.systems, edges=estate.edges, policy=estate.policy,
                           frozen=estate.frozen, cuts=estate.cuts)
    for horizon in (12, 36):
        bound = quality.bound.net[horizon]
        slack = 1e-6 * max(1.0, abs(bound))
        assert quality.chosen.net[horizon] <= bound + slack
        assert quality.naive.net[horizon] <= bound + slack
        assert lp_bound(plan, estate.policy, horizon=horizon) <= knapsack_bound(plan, estate.policy,
                                                                                horizon=horizon) + slack
    if estate.policy.objective.is_cash:
        check_no_lone_group_lands_where_it_loses_money(estate, plan)
    for wave in plan.waves:
        if wave.pilot:
            assert len(wave.groups) == 1 or not any(g.size > estate.policy.max_systems for g in wave.groups)


def check_no_lone_group_lands_where_it_loses_money(estate: Estate, plan: WavePlan) -> None:
    """Under a cash objective, a group with no dependency at all and no pin never sits inside the horizon where
    it loses money (the pilot aside: the user asked for one)."""
    policy = estate.policy
    horizon = policy.objective.horizon_months
    linked = {sid for e in estate.edges for sid in (e.source_id, e.target_id)}
    by_id = {s.id: s for s in estate.systems}
    for wave in plan.waves:
        month = month_index(policy.horizon_start, wave.date)
        if wave.frozen or wave.pilot or month >= horizon:
            continue
        for group in wave.groups:
            if group.pinned_wave is not None or linked & set(group.system_ids):
                continue
            members = [by_id[sid] for sid in group.system_ids]
            cash = Cash(sum(s.monthly_saving for s in members), sum(s.azure_monthly for s in members),
                        sum(s.one_time_cost for s in members))
            assert net_if_moved(cash, month, horizon=horizon, dual=policy.dual_running_months) >= 0, (wave, group)


def per_slot_lp(plan: WavePlan, policy: WavePolicy, horizon: int) -> float:
    """The LP over every slot, unmerged, written out in full: what lp_bound's merged LP relaxes."""
    import numpy as np
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    problem = _problem(plan, policy, horizon)
    rows = [problem.row(g, horizon=horizon, dual=policy.dual_running_months) for g in range(len(problem.cash))]
    if not rows or not problem.months:
        return problem.fixed_value
    groups, slots = len(rows), len(problem.months)
    a_ub = np.zeros((groups + 2 * slots, groups * slots))
    for g in range(groups):
        for k in range(slots):
            column = g * slots + k
            a_ub[g, column] = 1.0
            a_ub[groups + k, column], a_ub[groups + slots + k, column] = problem.shares[g]
    b_ub = [1.0] * groups + [r[0] for r in problem.room] + [r[1] for r in problem.room]
    result = linprog(-np.array(rows).ravel(), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    return problem.fixed_value - float(result.fun)


@settings(max_examples=60, deadline=None)
@given(estates())
def test_the_merged_lp_is_the_per_slot_lp_unless_pins_share_a_month_unevenly(estate: Estate) -> None:
    plan = plan_of(estate)
    for horizon in (12, 36):
        merged, full = lp_bound(plan, estate.policy, horizon=horizon), per_slot_lp(plan, estate.policy, horizon)
        slack = 1e-6 * max(1.0, abs(full))
        assert merged >= full - slack, "a relaxation: never below"
        if not any(group.pinned_wave is not None for group in plan.groups):
            assert merged == pytest.approx(full, rel=1e-4, abs=1e-6), "stops within 0.01 % of the LP optimum"


@settings(max_examples=40, deadline=None)
@given(estates())
def test_plan_orders_gives_each_objectives_plan_as_plan_waves_does(estate: Estate) -> None:
    objectives = tuple(Objective)
    together = plan_orders(estate.systems, estate.edges, policy=estate.policy, objectives=objectives,
                           frozen=estate.frozen, cuts=estate.cuts)
    for objective, plan in zip(objectives, together, strict=True):
        alone = plan_waves(estate.systems, estate.edges, policy=replace(estate.policy, objective=objective),
                           frozen=estate.frozen, cuts=estate.cuts)
        assert plan == alone and str(plan) == str(alone), objective
