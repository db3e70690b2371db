"""What the savings model reads about one system, and the month arithmetic its timing rules use."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from inventory.errors import LumenError
from inventory.records import COST_LINE_NAMES, CostLines
from migrations_plan.strategy_types import Strategy

# Strategies whose system ends up running in Azure (and so costs Azure money and a migration).
MOVING_STRATEGIES: frozenset[Strategy] = frozenset(
    {Strategy.REHOST, Strategy.REPLATFORM, Strategy.REFACTOR, Strategy.REPURCHASE, Strategy.RELOCATE}
)


_LINE_NAMES = frozenset(COST_LINE_NAMES)


class SavingsInputError(LumenError):
    """The systems given to the savings model cannot be projected (a negative cost, a missing price...)."""


class Basis(StrEnum):
    """Which month a system moves in: the wave schedule's, or the month its wave actually completed."""

    PLANNED = "planned"
    REALISED = "realised"


@dataclass(frozen=True, slots=True, kw_only=True)
class SavingsSystem:
    """One system as the savings model sees it.

    `planned_month`/`realised_month` are the month its wave runs / ran (any day of the month; for a retired
    system, the month it is switched off). `cost_lines` are the inventory's annual USD lines, None = unknown.
    `azure_monthly` maps a pricing scenario ("payg", "ri3y", "ri3y_ahb") to the target's monthly USD run rate.
    """

    id: str
    name: str
    strategy: Strategy
    business_unit: str | None = None
    application: str | None = None
    wave_number: int | None = None
    planned_month: dt.date | None = None
    realised_month: dt.date | None = None
    cores: int | None = None
    storage_gb: float | None = None
    os_family: str = "unknown"
    db_engine: str | None = None
    cost_lines: Mapping[str, float | None] = field(default_factory=dict)
    azure_monthly: Mapping[str, float] = field(default_factory=dict)
    migration_data_gb: float = 0.0

    def __post_init__(self) -> None:
        if type(self.strategy) is not Strategy:
            try:
                object.__setattr__(self, "strategy", Strategy(self.strategy))
            except ValueError as e:
                raise SavingsInputError(f"system {self.id!r}: unknown strategy {self.strategy!r}") from e
        if isinstance(self.cost_lines, CostLines):
            object.__setattr__(self, "cost_lines", self.cost_lines.model_dump())
        # One chained comparison per number (False for NaN, infinities and negatives) keeps building 100,000
        # systems cheap; the problems are only spelled out when there is one.
        if not self.cost_lines.keys() <= _LINE_NAMES:
            self._reject()
        for value in (self.cores, self.storage_gb, self.migration_data_gb, *self.cost_lines.values(),
                      *self.azure_monthly.values()):
            if value is not None and not 0 <= value < math.inf:
                self._reject()

    def _reject(self) -> None:
        problems = [f"cost line {name!r} is not one of {', '.join(COST_LINE_NAMES)}"
                    for name in self.cost_lines if name not in COST_LINE_NAMES]
        numbers: dict[str, float | None] = {
            "cores": self.cores, "storage_gb": self.storage_gb, "migration_data_gb": self.migration_data_gb,
            **{f"cost_lines.{k}": v for k, v in self.cost_lines.items()},
            **{f"azure_monthly.{k}": v for k, v in self.azure_monthly.items()},
        }
        problems += [f"{name} must be a finite number >= 0, got {value!r}" for name, value in numbers.items()
                     if value is not None and not (math.isfinite(value) and value >= 0)]
        raise SavingsInputError(f"system {self.id!r}: " + "; ".join(problems))

    def month(self, basis: Basis) -> dt.date | None:
        """The month this system moves (or is switched off) on the given basis."""
        return self.planned_month if basis is Basis.PLANNED else self.realised_month


def month_start(day: dt.date) -> dt.date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after `month` (negative counts go back)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_offset(start: dt.date, day: dt.date) -> int:
    """Whole months from `start`'s month to `day`'s month (0 = same month, negative = before)."""
    return (day.year - start.year) * 12 + day.month - start.month
