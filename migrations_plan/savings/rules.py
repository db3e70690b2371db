"""Small rules the savings report and wave ordering share, kept pure so they are tested by table.

- When a retired system is switched off: with the first wave (it moves nowhere, so it waits for no wave of its own).
- A moving system without any Azure price is set aside (kept on premises in the cash flow) and named, rather
  than counted as a free move.
- What a system saves a month: legacy run rate minus its Azure price (retain saves nothing, retire saves it all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from migrations_plan.savings.assumptions import CostAssumptions
from migrations_plan.savings.inputs import MOVING_STRATEGIES, SavingsSystem
from migrations_plan.savings.legacy import LegacyFacts, legacy_figures
from migrations_plan.savings.scenarios import scenario_prices
from migrations_plan.strategy_types import Strategy


def switch_off_month(strategy: Strategy, wave_month: dt.date | None, wave_months: Iterable[dt.date]) -> dt.date | None:
    """The month a system's legacy costs stop: its wave's, or for a retired system the first wave's (None if
    there is no wave at all)."""
    if strategy is Strategy.RETIRE:
        return min(wave_months, default=None)
    return wave_month


def set_aside_unpriced(systems: Sequence[SavingsSystem]) -> tuple[list[SavingsSystem], list[str]]:
    """Movers with no Azure price in any scenario become RETAIN for the projection; their names are returned."""
    kept, unpriced = [], []
    for system in systems:
        if system.strategy in MOVING_STRATEGIES and not system.azure_monthly:
            unpriced.append(system.name)
            system = replace(system, strategy=Strategy.RETAIN)
        kept.append(system)
    return kept, unpriced


class PricedSystem(LegacyFacts, Protocol):
    """A system with its strategy and target prices, as wave ordering reads it."""

    @property
    def id(self) -> int: ...
    @property
    def strategy(self) -> Strategy: ...
    @property
    def monthly_cost(self) -> float | None: ...
    @property
    def monthly_cost_by_option(self) -> Mapping[str, float]: ...


def monthly_saving(strategy: Strategy, legacy_monthly: float, azure_monthly: float) -> float:
    if strategy is Strategy.RETAIN:
        return 0.0
    if strategy is Strategy.RETIRE:
        return legacy_monthly
    return legacy_monthly - azure_monthly


def azure_price(row: PricedSystem, option: str) -> float:
    """A system's monthly Azure price under pricing `option` as the savings report takes it: the option's price,
    else the nearest priced scenario's (`scenario_prices`: a SQL target priced only with Azure Hybrid Benefit),
    else its plain monthly cost, else 0."""
    by_option = row.monthly_cost_by_option
    price = by_option.get(option)
    if price is None and by_option:
        price = scenario_prices(by_option).get(option)
    return row.monthly_cost or 0.0 if price is None else price


def monthly_savings(rows: Iterable[PricedSystem], assumptions: CostAssumptions, *, option: str) -> dict[int, float]:
    """Each system's monthly saving under pricing `option` (`azure_price`)."""
    return {row.id: monthly_saving(row.strategy, legacy_figures(row, assumptions).annual / 12.0,
                                   azure_price(row, option))
            for row in rows}
