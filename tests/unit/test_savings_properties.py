"""Invariants of the savings model, over random estates (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inventory.records import COST_LINE_NAMES
from migrations_plan.savings import (
    MOVING_STRATEGIES,
    Basis,
    CostAssumptions,
    Projection,
    SavingsSystem,
    add_months,
    default_assumptions,
    legacy_run_rate,
    one_time_cost,
    planned_vs_realised,
    prepare_estate,
    project,
    project_scenarios,
)
from migrations_plan.strategy_types import Strategy

START = dt.date(2026, 1, 1)
HORIZON = 12
SCENARIOS = ("payg", "ri3y", "ri3y_ahb")
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.floats(min_value=0, max_value=50_000, allow_nan=False, allow_infinity=False)


@st.composite
def systems(draw: st.DrawFn, index: int, *, strategies: Sequence[Strategy] = tuple(Strategy),
            offset: int | None | str = "any") -> SavingsSystem:
    month_offset = draw(st.one_of(st.none(), st.integers(-3, HORIZON + 3))) if offset == "any" else offset
    month = None if month_offset is None else add_months(START, month_offset)  # type: ignore[arg-type]
    realised = draw(st.sampled_from([None, month, None if month is None else add_months(month, 1)]))
    lines = {name: draw(st.one_of(st.none(), money)) for name in COST_LINE_NAMES}
    return SavingsSystem(
        id=f"s{index}", name=f"srv{index}", strategy=draw(st.sampled_from(list(strategies))),
        business_unit=draw(st.sampled_from(["Retail", "Network", None])), application="app",
        wave_number=draw(st.one_of(st.none(), st.integers(1, 4))), planned_month=month, realised_month=realised,
        cores=draw(st.one_of(st.none(), st.integers(0, 64))), storage_gb=draw(st.one_of(st.none(), money)),
        os_family=draw(st.sampled_from(["windows", "linux", "unix", "unknown"])),
        db_engine=draw(st.sampled_from([None, "SQL Server", "Oracle", "PostgreSQL"])),
        cost_lines={k: v for k, v in lines.items() if v is not None},
        azure_monthly={name: draw(st.floats(0, 5_000)) for name in SCENARIOS},
        migration_data_gb=draw(st.floats(0, 10_000)),
    )


@st.composite
def estates(draw: st.DrawFn, max_size: int = 12) -> list[SavingsSystem]:
    size = draw(st.integers(0, max_size))
    return [draw(systems(i)) for i in range(size)]


@st.composite
def assumption_sets(draw: st.DrawFn) -> CostAssumptions:
    return default_assumptions().model_copy(update={
        "dual_running_months": draw(st.integers(0, 3)),
        "discount_rate": draw(st.sampled_from([0.0, 0.07, 0.15])),
        "ahb_licence_retained_share": draw(st.sampled_from([0.0, 0.5, 1.0])),
    })


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def check_breakdowns_add_up(p: Projection) -> None:
    monthly = [row.net for row in p.monthly]
    assert close(p.totals.net, sum(monthly))
    assert close(p.totals.legacy_avoided, sum(row.legacy_avoided for row in p.monthly))
    for view in (p.by_wave, p.by_business_unit, p.by_strategy):
        assert sum(entry.systems for entry in view.values()) == len(p.systems)
        for field in ("legacy_avoided", "azure_added", "one_time", "net"):
            assert close(getattr(p.totals, field), sum(getattr(e.totals, field) for e in view.values())), field
        for m, net in enumerate(monthly):
            assert close(net, sum(entry.monthly_net[m] for entry in view.values()))
    for field in ("legacy_avoided", "azure_added"):
        assert close(getattr(p.totals, field), sum(getattr(s, field) for s in p.systems))
    assert close(p.totals.one_time, sum(s.one_time_in_horizon for s in p.systems))


@SETTINGS
@given(estate=estates(), assumptions=assumption_sets(), scenario=st.sampled_from(SCENARIOS),
       basis=st.sampled_from(list(Basis)), months=st.integers(1, 36))
def test_totals_equal_the_sums_of_every_breakdown(estate: list[SavingsSystem], assumptions: CostAssumptions,
                                                  scenario: str, basis: Basis, months: int) -> None:
    check_breakdowns_add_up(project(estate, assumptions, start=START, months=months, scenario=scenario,
                                    basis=basis))


@SETTINGS
@given(estate=estates(), assumptions=assumption_sets(), basis=st.sampled_from(list(Basis)))
def test_the_one_pass_scenario_projection_matches_projecting_each_scenario(
        estate: list[SavingsSystem], assumptions: CostAssumptions, basis: Basis) -> None:
    prepared = prepare_estate(estate, assumptions)
    together = project_scenarios(prepared, start=START, months=HORIZON, scenarios=SCENARIOS, basis=basis)
    for name in SCENARIOS:
        alone = project(prepared, assumptions, start=START, months=HORIZON, scenario=name, basis=basis)
        assert [close(a.net, b.net) for a, b in zip(together[name].monthly, alone.monthly, strict=True)] == \
            [True] * HORIZON
        assert together[name].payback_month == alone.payback_month
        assert together[name].unscheduled == alone.unscheduled


def test_retire_costs_less_one_time_than_any_move_under_the_defaults() -> None:
    """The precondition of the next property: retiring is the cheapest one-time action."""
    labour = default_assumptions().migration_labour_per_system
    assert all(labour[Strategy.RETIRE] <= labour[s] for s in MOVING_STRATEGIES)


@SETTINGS
@given(estate=estates(), assumptions=assumption_sets(), scenario=st.sampled_from(SCENARIOS),
       which=st.integers(0, 11), months=st.integers(1, 36))
def test_retiring_a_system_never_lowers_savings(estate: list[SavingsSystem], assumptions: CostAssumptions,
                                               scenario: str, which: int, months: int) -> None:
    movers = [i for i, s in enumerate(estate) if s.strategy in MOVING_STRATEGIES]
    assume(movers)
    index = movers[which % len(movers)]
    retired = list(estate)
    retired[index] = dataclasses.replace(estate[index], strategy=Strategy.RETIRE)
    before = project(estate, assumptions, start=START, months=months, scenario=scenario)
    after = project(retired, assumptions, start=START, months=months, scenario=scenario)
    assert after.totals.net >= before.totals.net - 1e-6 * max(1.0, abs(before.totals.net))
    # ... and month by month the cumulative cash is never lower either.
    for b, a in zip(before.monthly, after.monthly, strict=True):
        assert a.cumulative >= b.cumulative - 1e-6 * max(1.0, abs(b.cumulative))


@st.composite
def wave_to_move(draw: st.DrawFn) -> tuple[list[SavingsSystem], list[SavingsSystem], CostAssumptions]:
    """An estate with wave 9 in month M whose systems' Azure cost is below their legacy cost, and the same
    estate with wave 9 moved k months earlier. M is chosen so that the wave's whole dual-running period (and
    its one-time cost) falls within the 12 months: M + max(d, 1) <= 12."""
    assumptions = draw(assumption_sets())
    others = draw(estates(max_size=6))
    dual = assumptions.dual_running_months
    month = draw(st.integers(-2, HORIZON - max(dual, 1)))
    earlier = month - draw(st.integers(1, 6))
    wave = []
    for i in range(draw(st.integers(1, 5))):
        system = draw(systems(100 + i, strategies=[*MOVING_STRATEGIES, Strategy.RETIRE], offset=month))
        legacy_monthly = legacy_run_rate(system, assumptions).monthly
        share = draw(st.floats(0, 0.99))
        wave.append(dataclasses.replace(system, wave_number=9, azure_monthly={"payg": legacy_monthly * share}))
    moved = [dataclasses.replace(s, planned_month=add_months(START, earlier)) for s in wave]
    return others + wave, others + moved, assumptions


@SETTINGS
@given(case=wave_to_move())
def test_moving_a_wave_earlier_never_lowers_12_month_savings(
        case: tuple[list[SavingsSystem], list[SavingsSystem], CostAssumptions]) -> None:
    before_estate, after_estate, assumptions = case
    before = project(before_estate, assumptions, start=START, months=HORIZON, scenario="payg")
    after = project(after_estate, assumptions, start=START, months=HORIZON, scenario="payg")
    assert after.by_wave["9"].totals.net >= before.by_wave["9"].totals.net - 1e-6
    assert after.totals.net >= before.totals.net - 1e-6 * max(1.0, abs(before.totals.net))


def test_moving_a_wave_into_the_horizon_can_lower_12_month_savings() -> None:
    """Why the property above needs its precondition: a wave moved from month 13 to month 12 brings its
    one-time cost and a month of Azure into the horizon before any legacy cost is avoided."""
    def system(offset: int) -> SavingsSystem:
        return SavingsSystem(id="x", name="x", strategy=Strategy.REHOST, wave_number=1,
                             planned_month=add_months(START, offset), cost_lines=dict.fromkeys(COST_LINE_NAMES, 1200.0),
                             azure_monthly={"payg": 10.0})
    a = default_assumptions()
    late = project([system(HORIZON)], a, start=START, months=HORIZON)
    earlier = project([system(HORIZON - 1)], a, start=START, months=HORIZON)
    assert late.totals.net == 0
    assert earlier.totals.net == pytest.approx(-10.0 - one_time_cost(system(0), a))


@SETTINGS
@given(estate=estates(), assumptions=assumption_sets())
def test_realised_equals_planned_when_every_wave_ran_on_time(estate: list[SavingsSystem],
                                                             assumptions: CostAssumptions) -> None:
    on_time = [dataclasses.replace(s, realised_month=s.planned_month) for s in estate]
    both = planned_vs_realised(on_time, assumptions, start=START, months=HORIZON)
    assert [v.variance_net for v in both.variance] == [0.0] * HORIZON
    assert both.planned.totals == both.realised.totals
