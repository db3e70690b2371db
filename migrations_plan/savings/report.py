"""Views built from projections: pricing scenarios side by side, planned versus realised, and the full report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from inventory.errors import NotFoundError
from migrations_plan.savings.assumptions import AssumptionRow, CostAssumptions, assumption_rows
from migrations_plan.savings.estate import Effect, PreparedEstate
from migrations_plan.savings.inputs import Basis, SavingsInputError, SavingsSystem, month_start
from migrations_plan.savings.projection import as_estate, project, project_scenarios
from migrations_plan.savings.results import PaybackStatus, Projection, SystemResult, Totals

# Display order of the usual pricing options; other names follow alphabetically.
SCENARIO_ORDER: tuple[str, ...] = ("payg", "ri1y", "ri3y", "payg_ahb", "ri1y_ahb", "ri3y_ahb")


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One pricing scenario's headline figures over the horizon."""

    scenario: str
    totals: Totals
    payback_month: int | None
    payback_status: PaybackStatus
    npv: float
    cumulative: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    """Pricing scenarios side by side, same estate, basis and horizon."""

    basis: Basis
    start: dt.date
    months: int
    results: tuple[ScenarioResult, ...]

    def get(self, scenario: str) -> ScenarioResult:
        for result in self.results:
            if result.scenario == scenario:
                return result
        raise NotFoundError(f"scenario {scenario!r} is not in this comparison "
                            f"({', '.join(r.scenario for r in self.results) or 'none'})")


@dataclass(frozen=True, slots=True)
class VarianceRow:
    """One month of planned versus realised net cash flow; variance = realised - planned."""

    month: dt.date
    planned_net: float
    realised_net: float
    planned_cumulative: float
    realised_cumulative: float

    @property
    def variance_net(self) -> float:
        return self.realised_net - self.planned_net

    @property
    def variance_cumulative(self) -> float:
        return self.realised_cumulative - self.planned_cumulative


@dataclass(frozen=True, slots=True)
class PlannedVsRealised:
    """Both projections of one estate and their month-by-month variance."""

    planned: Projection
    realised: Projection
    variance: tuple[VarianceRow, ...]


@dataclass(frozen=True, slots=True)
class SavingsReport:
    """Everything a savings report shows; the report writers are pure functions of it."""

    planned: Projection
    realised: Projection
    variance: tuple[VarianceRow, ...]
    scenarios: ScenarioComparison
    assumptions: CostAssumptions
    assumption_rows: tuple[AssumptionRow, ...]
    # Where the Azure prices come from: ("Assessment run", "3") then its settings under Azure Migrate's names
    # (("Sizing criteria", "performance-based"), ...); empty when the caller did not say.
    assessment: tuple[tuple[str, str], ...] = ()

    @property
    def start(self) -> dt.date:
        return self.planned.start

    @property
    def months(self) -> int:
        return self.planned.months

    @property
    def scenario(self) -> str:
        return self.planned.scenario

    def system_pairs(self) -> Iterator[tuple[SystemResult, SystemResult]]:
        """Each system's planned and realised rows, in input order."""
        return zip(self.planned.systems, self.realised.systems, strict=True)


def priced_scenarios(estate: PreparedEstate, *, basis: Basis = Basis.PLANNED) -> tuple[str, ...]:
    """The scenarios every system that moves on this basis has a price for, in display order."""
    priced: set[tuple[str, ...]] = set()  # distinct name sets of the movers (few, however large the estate)
    everything: set[tuple[str, ...]] = set()
    for system, effect in zip(estate.systems, estate.effects, strict=True):
        names = tuple(system.azure_monthly)
        everything.add(names)
        if effect is Effect.MOVE and system.month(basis) is not None:
            priced.add(names)
    common = set.intersection(*(set(names) for names in priced)) if priced else None
    chosen = {name for names in everything for name in names} if common is None else common
    return tuple(sorted(chosen, key=lambda n: (SCENARIO_ORDER.index(n) if n in SCENARIO_ORDER else 99, n)))


def compare_scenarios(
    systems: Iterable[SavingsSystem] | PreparedEstate,
    assumptions: CostAssumptions,
    *,
    start: dt.date,
    months: int = 12,
    basis: Basis = Basis.PLANNED,
    scenarios: Sequence[str] | None = None,
) -> ScenarioComparison:
    """Project the same estate under each pricing scenario (default: every scenario all movers are priced for)."""
    estate, basis = as_estate(systems, assumptions), Basis(basis)
    names = tuple(scenarios) if scenarios is not None else priced_scenarios(estate, basis=basis)
    projections = project_scenarios(estate, start=start, months=months, scenarios=names, basis=basis)
    return ScenarioComparison(basis, month_start(start), months,
                              tuple(_scenario_result(projections[name]) for name in names))


def _scenario_result(projection: Projection) -> ScenarioResult:
    return ScenarioResult(projection.scenario, projection.totals, projection.payback_month,
                          projection.payback_status, projection.npv,
                          tuple(row.cumulative for row in projection.monthly))


def variance_rows(planned: Projection, realised: Projection) -> tuple[VarianceRow, ...]:
    """Month-by-month planned versus realised net and cumulative net."""
    if (planned.start, planned.months) != (realised.start, realised.months):
        raise SavingsInputError("planned and realised projections cover different months")
    return tuple(VarianceRow(p.month, p.net, r.net, p.cumulative, r.cumulative)
                 for p, r in zip(planned.monthly, realised.monthly, strict=True))


def planned_vs_realised(
    systems: Iterable[SavingsSystem] | PreparedEstate,
    assumptions: CostAssumptions,
    *,
    start: dt.date,
    months: int = 12,
    scenario: str = "payg",
) -> PlannedVsRealised:
    """The planned projection (wave schedule), the realised one (completed waves) and their variance."""
    estate = as_estate(systems, assumptions)
    planned = project(estate, assumptions, start=start, months=months, scenario=scenario, basis=Basis.PLANNED)
    realised = project(estate, assumptions, start=start, months=months, scenario=scenario, basis=Basis.REALISED)
    return PlannedVsRealised(planned, realised, variance_rows(planned, realised))


def build_savings_report(
    systems: Iterable[SavingsSystem] | PreparedEstate,
    assumptions: CostAssumptions,
    *,
    start: dt.date,
    months: int = 12,
    scenario: str = "payg",
    scenarios: Sequence[str] | None = None,
    assessment: Iterable[tuple[str, str]] = (),
) -> SavingsReport:
    """Planned and realised projections in `scenario`, the scenario comparison (planned basis), the
    assumptions used and the assessment the Azure prices come from: everything the report files show."""
    estate = as_estate(systems, assumptions)
    both = planned_vs_realised(estate, assumptions, start=start, months=months, scenario=scenario)
    comparison = compare_scenarios(estate, assumptions, start=start, months=months, scenarios=scenarios)
    return SavingsReport(both.planned, both.realised, both.variance, comparison, assumptions,
                         assumption_rows(assumptions), tuple(assessment))
