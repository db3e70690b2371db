"""The savings and cash-flow model: legacy run rate, Azure run rate, one-time costs, monthly projection.

Pure: no Prefect, no database, no network. See docs/savings.md for the formulas, timing rules and assumptions.
"""

from __future__ import annotations

from migrations_plan.savings.accumulate import is_hybrid_benefit
from migrations_plan.savings.assumptions import (
    AssumptionRow,
    CostAssumptions,
    assumption_rows,
    assumptions_from_rows,
    default_assumptions,
)
from migrations_plan.savings.assumptions_io import load_assumptions
from migrations_plan.savings.estate import PreparedEstate, one_time_cost, prepare_estate
from migrations_plan.savings.inputs import (
    MOVING_STRATEGIES,
    Basis,
    SavingsInputError,
    SavingsSystem,
    add_months,
    month_start,
)
from migrations_plan.savings.legacy import LegacyCost, LegacyFacts, LegacyLine, legacy_figures, legacy_run_rate
from migrations_plan.savings.projection import project, project_scenarios
from migrations_plan.savings.report import (
    PlannedVsRealised,
    SavingsReport,
    ScenarioComparison,
    ScenarioResult,
    VarianceRow,
    build_savings_report,
    compare_scenarios,
    planned_vs_realised,
    priced_scenarios,
)
from migrations_plan.savings.results import (
    BreakdownEntry,
    MonthRow,
    PaybackStatus,
    Projection,
    SystemResult,
    SystemStatus,
    Totals,
    monthly_rate,
    npv,
    payback,
)

__all__ = [
    "MOVING_STRATEGIES",
    "AssumptionRow",
    "Basis",
    "BreakdownEntry",
    "CostAssumptions",
    "LegacyCost",
    "LegacyFacts",
    "LegacyLine",
    "MonthRow",
    "PaybackStatus",
    "PlannedVsRealised",
    "PreparedEstate",
    "Projection",
    "SavingsInputError",
    "SavingsReport",
    "SavingsSystem",
    "ScenarioComparison",
    "ScenarioResult",
    "SystemResult",
    "SystemStatus",
    "Totals",
    "VarianceRow",
    "add_months",
    "assumption_rows",
    "assumptions_from_rows",
    "build_savings_report",
    "compare_scenarios",
    "default_assumptions",
    "is_hybrid_benefit",
    "legacy_figures",
    "legacy_run_rate",
    "load_assumptions",
    "month_start",
    "monthly_rate",
    "npv",
    "one_time_cost",
    "payback",
    "planned_vs_realised",
    "prepare_estate",
    "priced_scenarios",
    "project",
    "project_scenarios",
]
