"""The monthly cash-flow projection of an estate: what migrating it saves, month by month.

Timing rules (M = the system's month on the chosen basis, d = `dual_running_months`):
- moving strategies (rehost, replatform, refactor, repurchase, relocate): the one-time cost falls in M; Azure
  cost runs from M on; the legacy cost is avoided from M + d on (both run during M .. M+d-1);
- retire: the one-time (decommissioning) cost falls in M; the legacy cost is avoided from M on (the system is
  switched off at the start of M: there is nothing to run in parallel); no Azure cost;
- retain, and systems without a month on the basis: nothing (the latter are listed in `unscheduled`);
- a month before `start`: its one-time cost is history and not counted, its running effects count from month 1;
  anything at or after the end of the horizon is not counted.
- Hybrid Benefit scenarios (names ending in "_ahb"): for Windows or SQL Server systems that move,
  `ahb_licence_retained_share` of the licences line is still paid (the licences go to Azure with their
  Software Assurance), so only the rest of that line is avoided.

Systems are grouped by (legacy-avoided month, Azure-start month, one-time month): the monthly series is built
per group with difference arrays, so the cost is one pass over the systems plus groups x months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import sub
from typing import Any

from migrations_plan.savings.accumulate import Groups, accumulate_detail, accumulate_scenarios
from migrations_plan.savings.assumptions import CostAssumptions
from migrations_plan.savings.estate import PreparedEstate, prepare_estate
from migrations_plan.savings.inputs import Basis, SavingsInputError, SavingsSystem, add_months, month_start
from migrations_plan.savings.results import (
    BreakdownEntry,
    MonthRow,
    Projection,
    SystemResult,
    Totals,
    npv,
    payback,
)
from migrations_plan.strategy_types import Strategy

NO_WAVE = "no wave"
NO_BUSINESS_UNIT = "(none)"
MAX_MONTHS = 600


def project(
    systems: Iterable[SavingsSystem] | PreparedEstate,
    assumptions: CostAssumptions,
    *,
    start: dt.date,
    months: int = 12,
    scenario: str = "payg",
    basis: Basis = Basis.PLANNED,
) -> Projection:
    """Project the monthly cash flow of migrating `systems` over `months` months from `start`'s month.

    Raises SavingsInputError when a system that moves within the projection has no price for `scenario`.
    """
    estate = as_estate(systems, assumptions)
    start, basis = month_start(start), Basis(basis)
    _check_months(months)
    groups, results, unscheduled = accumulate_detail(estate, start, months, scenario, basis)
    return _assemble(estate, start, months, scenario, basis, groups, results, unscheduled)


def project_scenarios(
    estate: PreparedEstate, *, start: dt.date, months: int, scenarios: Sequence[str], basis: Basis
) -> dict[str, Projection]:
    """Projections without breakdowns or per-system rows, one per scenario, computed in one pass."""
    start, basis = month_start(start), Basis(basis)
    _check_months(months)
    per_scenario, unscheduled = accumulate_scenarios(estate, start, months, scenarios, basis)
    return {name: _assemble(estate, start, months, name, basis, groups, [], unscheduled)
            for name, groups in per_scenario.items()}


def as_estate(systems: Iterable[SavingsSystem] | PreparedEstate, assumptions: CostAssumptions) -> PreparedEstate:
    """Prepare systems (or check a prepared estate was prepared under these assumptions)."""
    if isinstance(systems, PreparedEstate):
        if systems.assumptions is not assumptions and systems.assumptions != assumptions:
            raise SavingsInputError("the estate was prepared under different assumptions")
        return systems
    return prepare_estate(systems, assumptions)


def wave_key(wave_number: int | None) -> str:
    """How a wave is named in breakdowns: its number, or "no wave"."""
    return NO_WAVE if wave_number is None else str(wave_number)


def _check_months(months: int) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise SavingsInputError(f"months must be between 1 and {MAX_MONTHS}, got {months}")


@dataclass(slots=True)
class _Series:
    """Accumulates groups: difference arrays for running costs, a plain array for one-time costs.

    Index `months` is a sink for "not within the horizon".
    """

    months: int
    legacy: list[float] = field(init=False)
    azure: list[float] = field(init=False)
    one_time: list[float] = field(init=False)
    systems: int = 0

    def __post_init__(self) -> None:
        self.legacy = [0.0] * (self.months + 1)
        self.azure = [0.0] * (self.months + 1)
        self.one_time = [0.0] * (self.months + 1)

    def add(self, timing: tuple[Any, ...], amounts: list[float]) -> None:
        legacy_from, azure_from, one_time_at = timing
        self.legacy[legacy_from] += amounts[0]
        self.azure[azure_from] += amounts[1]
        self.one_time[one_time_at] += amounts[2]
        self.systems += int(amounts[3])

    def columns(self) -> tuple[list[float], list[float], list[float]]:
        """Monthly legacy avoided, Azure added and one-time costs (running sums of the difference arrays, in C:
        a breakdown by wave has thousands of series)."""
        months = self.months
        return (list(accumulate(self.legacy[:months])), list(accumulate(self.azure[:months])),
                self.one_time[:months])

    def entry(self, key: str) -> BreakdownEntry:
        legacy, azure, one_time = self.columns()
        monthly_net = tuple(map(sub, map(sub, legacy, azure), one_time))
        return BreakdownEntry(key, self.systems, Totals(sum(legacy), sum(azure), sum(one_time)), monthly_net)


def _assemble(estate: PreparedEstate, start: dt.date, months: int, scenario: str, basis: Basis, groups: Groups,
              results: list[SystemResult], unscheduled: list[str]) -> Projection:
    """Monthly rows, totals, payback, NPV and breakdowns from the group sums."""
    total = _Series(months)
    dimensions: tuple[dict[Any, _Series], ...] = ({}, {}, {})
    for key, amounts in groups.items():
        timing = key[:3]
        total.add(timing, amounts)
        for dimension, dimension_key in zip(dimensions, key[3:], strict=False):
            series = dimension.get(dimension_key)
            if series is None:
                series = dimension[dimension_key] = _Series(months)
            series.add(timing, amounts)
    legacy, azure, one_time = total.columns()
    rows: list[MonthRow] = []
    cumulative = 0.0
    for m in range(months):
        net = legacy[m] - azure[m] - one_time[m]
        cumulative += net
        rows.append(MonthRow(add_months(start, m), legacy[m], azure[m], one_time[m], net, cumulative))
    payback_month, payback_status = payback([row.cumulative for row in rows])
    a = estate.assumptions
    by_wave, by_unit, by_strategy = dimensions
    waves = sorted(by_wave, key=lambda w: (w is None, w or 0))
    units = sorted(by_unit, key=lambda u: (u is None, u or ""))
    return Projection(
        start=start, months=months, scenario=scenario, basis=basis,
        dual_running_months=a.dual_running_months, discount_rate=a.discount_rate,
        monthly=tuple(rows), totals=Totals(sum(legacy), sum(azure), sum(one_time)),
        payback_month=payback_month, payback_status=payback_status,
        npv=npv([row.net for row in rows], a.discount_rate),
        by_wave={wave_key(w): by_wave[w].entry(wave_key(w)) for w in waves},
        by_business_unit={u or NO_BUSINESS_UNIT: by_unit[u].entry(u or NO_BUSINESS_UNIT) for u in units},
        by_strategy={s.value: by_strategy[s].entry(s.value) for s in Strategy if s in by_strategy},
        systems=tuple(results), unscheduled=tuple(unscheduled),
    )
