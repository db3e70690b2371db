"""The per-system figures that do not depend on the horizon, basis or pricing scenario, computed once.

Projecting the same estate several times (planned, realised, each scenario) reuses one `PreparedEstate`.
It is columnar (one tuple per figure, indexed like `systems`): a 100,000-system estate is prepared and
projected without building an object per system per figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from inventory.records import COST_LINE_NAMES
from migrations_plan.savings.assumptions import CostAssumptions
from migrations_plan.savings.inputs import MOVING_STRATEGIES, SavingsSystem
from migrations_plan.savings.legacy import LegacyFigures, legacy_figures, licence_rate
from migrations_plan.savings.legacy_keys import (
    HYBRID_BENEFIT_DB_ENGINES,
    HYBRID_BENEFIT_OS_FAMILIES,
    db_engine_key,
    os_family_key,
)
from migrations_plan.strategy_types import Strategy

# Default-line names for every bit mask, built once: systems share these tuples instead of building their own.
DEFAULT_LINES: tuple[tuple[str, ...], ...] = tuple(
    tuple(name for i, name in enumerate(COST_LINE_NAMES) if mask & (1 << i)) for mask in range(1 << 5)
)


class Effect(IntEnum):
    """What a system's strategy does to the cash flow."""

    NONE = 0  # retain
    MOVE = 1  # runs in Azure afterwards
    RETIRE = 2  # switched off


@dataclass(frozen=True, slots=True)
class PreparedEstate:
    """An estate ready to project: `systems` and, index for index, their legacy and one-time figures."""

    systems: tuple[SavingsSystem, ...]
    assumptions: CostAssumptions
    figures: tuple[LegacyFigures, ...]
    legacy_monthly: tuple[float, ...]
    licences_monthly: tuple[float, ...]
    one_time: tuple[float, ...]
    effects: tuple[Effect, ...]
    hybrid_benefit_eligible: tuple[bool, ...]  # Windows or SQL Server: licences can go to Azure under AHB

    def __len__(self) -> int:
        return len(self.systems)


def one_time_cost(system: SavingsSystem, assumptions: CostAssumptions) -> float:
    """Migration labour for the system's strategy, plus data transfer for systems that move."""
    return one_time_of(system.strategy, system.migration_data_gb, assumptions)


def one_time_of(strategy: Strategy, migration_data_gb: float, assumptions: CostAssumptions) -> float:
    """`one_time_cost` from the two figures it needs (planning prices 100,000 systems without building them)."""
    labour = assumptions.migration_labour_per_system[strategy]
    if strategy in MOVING_STRATEGIES:
        return labour + migration_data_gb * assumptions.data_transfer_per_gb
    return labour if strategy is Strategy.RETIRE else 0.0


def effect_of(strategy: Strategy) -> Effect:
    if strategy in MOVING_STRATEGIES:
        return Effect.MOVE
    return Effect.RETIRE if strategy is Strategy.RETIRE else Effect.NONE


def prepare_estate(systems: Iterable[SavingsSystem], assumptions: CostAssumptions) -> PreparedEstate:
    """Work out every system's legacy lines and one-time cost once."""
    systems = tuple(systems)
    os_eligible: dict[str, bool] = {}
    db_eligible: dict[str | None, bool] = {None: False}
    effects = {strategy: effect_of(strategy) for strategy in Strategy}
    figures, legacy, licences, one_time, kinds, eligible = [], [], [], [], [], []
    rates: dict[tuple[str, str | None], float] = {}
    for system in systems:
        rate_key = (system.os_family, system.db_engine)
        rate = rates.get(rate_key)
        if rate is None:
            rate = rates[rate_key] = licence_rate(system.os_family, system.db_engine, assumptions)
        figure = legacy_figures(system, assumptions, licence_rate_per_core=rate)
        figures.append(figure)
        lines = figure.lines
        legacy.append((lines[0] + lines[1] + lines[2] + lines[3] + lines[4]) / 12)
        licences.append(lines[1] / 12)
        one_time.append(one_time_cost(system, assumptions))
        kinds.append(effects[system.strategy])
        os_ok = os_eligible.get(system.os_family)
        if os_ok is None:
            os_ok = os_eligible[system.os_family] = os_family_key(system.os_family) in HYBRID_BENEFIT_OS_FAMILIES
        db_ok = db_eligible.get(system.db_engine)
        if db_ok is None:
            db_ok = db_eligible[system.db_engine] = db_engine_key(system.db_engine or "") in HYBRID_BENEFIT_DB_ENGINES
        eligible.append(os_ok or db_ok)
    return PreparedEstate(systems, assumptions, tuple(figures), tuple(legacy), tuple(licences), tuple(one_time),
                          tuple(kinds), tuple(eligible))
