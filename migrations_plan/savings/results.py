"""The values a projection produces: monthly rows, totals, breakdowns, per-system rows, payback and NPV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from migrations_plan.savings.inputs import Basis
from migrations_plan.strategy_types import Strategy

# Cumulative cash within this many USD of zero counts as zero (float sums of cents are not exact).
CASH_EPSILON = 1e-6


class PaybackStatus(StrEnum):
    """How the cumulative net cash flow behaves over the horizon."""

    PAID_BACK = "paid_back"  # went negative, then back to >= 0 (payback_month says when)
    NOT_WITHIN_HORIZON = "not_within_horizon"  # went negative and did not come back to >= 0 in the horizon
    NEVER_NEGATIVE = "never_negative"  # never below zero: there is no investment to pay back


class SystemStatus(StrEnum):
    """Whether a system contributes to a projection."""

    SCHEDULED = "scheduled"  # has a month on this basis (it may still fall after the horizon)
    UNSCHEDULED = "unscheduled"  # no month on this basis (planned: no wave; realised: wave not completed)
    RETAINED = "retained"  # stays as it is: changes nothing


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over the horizon, USD. `net` = legacy avoided - Azure added - one-time."""

    legacy_avoided: float = 0.0
    azure_added: float = 0.0
    one_time: float = 0.0

    @property
    def net(self) -> float:
        return self.legacy_avoided - self.azure_added - self.one_time


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month of the cash-flow series, USD; `month` is the first day of the month."""

    month: dt.date
    legacy_avoided: float
    azure_added: float
    one_time: float
    net: float
    cumulative: float


@dataclass(frozen=True, slots=True)
class BreakdownEntry:
    """The totals and monthly net of the systems sharing one key (a wave, a business unit, a strategy)."""

    key: str
    systems: int
    totals: Totals
    monthly_net: tuple[float, ...]


class SystemResult(NamedTuple):
    """One system in a projection: its figures and where each came from (traceability).

    A NamedTuple rather than a frozen dataclass on purpose: a projection builds one per system (100,000+) and a
    NamedTuple is built several times faster, while being just as immutable.

    `legacy_lines` are annual USD in COST_LINE_NAMES order; `default_lines` names those taken from assumptions.
    `legacy_monthly_avoided` is what stops being paid once the legacy system is gone (less the licences kept
    under a Hybrid Benefit scenario); `one_time` is the full one-time cost. `legacy_avoided`, `azure_added` and
    `one_time_in_horizon` are sums within the horizon.
    """

    id: str
    name: str
    business_unit: str | None
    application: str | None
    strategy: Strategy
    wave_number: int | None
    month: dt.date | None
    status: SystemStatus
    legacy_lines: tuple[float, ...]
    default_lines: tuple[str, ...]
    size_assumed: bool
    legacy_monthly_avoided: float
    azure_monthly: float
    one_time: float
    legacy_avoided: float
    azure_added: float
    one_time_in_horizon: float

    @property
    def totals(self) -> Totals:
        return Totals(self.legacy_avoided, self.azure_added, self.one_time_in_horizon)

    @property
    def net(self) -> float:
        return self.legacy_avoided - self.azure_added - self.one_time_in_horizon


@dataclass(frozen=True, slots=True)
class Projection:
    """A monthly cash-flow projection of an estate on one basis and pricing scenario.

    `payback_month` is 1-based (see PaybackStatus); `npv` discounts month m's net by (1 + r_m)^m with
    r_m = (1 + discount_rate)^(1/12) - 1, so month 1 is discounted by one month.
    """

    start: dt.date
    months: int
    scenario: str
    basis: Basis
    dual_running_months: int
    discount_rate: float
    monthly: tuple[MonthRow, ...]
    totals: Totals
    payback_month: int | None
    payback_status: PaybackStatus
    npv: float
    by_wave: Mapping[str, BreakdownEntry]
    by_business_unit: Mapping[str, BreakdownEntry]
    by_strategy: Mapping[str, BreakdownEntry]
    systems: tuple[SystemResult, ...]
    unscheduled: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"Savings projection ({self.basis.value}, {self.scenario}) from {self.start:%Y-%m}, "
                 f"{self.months} months: net {self.totals.net:+,.2f} USD, NPV {self.npv:+,.2f} USD, "
                 f"{_payback_text(self.payback_month, self.payback_status)}",
                 f"{'month':<8}{'legacy avoided':>16}{'azure added':>14}{'one-time':>12}{'net':>14}{'cumulative':>14}"]
        lines += [f"{row.month:%Y-%m}  {row.legacy_avoided:>14,.2f}{row.azure_added:>14,.2f}"
                  f"{row.one_time:>12,.2f}{row.net:>14,.2f}{row.cumulative:>14,.2f}" for row in self.monthly]
        if self.unscheduled:
            lines.append(f"{len(self.unscheduled)} system(s) without a {self.basis.value} month contribute nothing")
        return "\n".join(lines)


def _payback_text(month: int | None, status: PaybackStatus) -> str:
    if status is PaybackStatus.PAID_BACK:
        return f"payback in month {month}"
    if status is PaybackStatus.NEVER_NEGATIVE:
        return "never negative (nothing to pay back)"
    return "no payback within the horizon"


def payback(cumulative: Sequence[float]) -> tuple[int | None, PaybackStatus]:
    """The 1-based month in which cumulative net cash first returns to >= 0 after being negative.

    A later dip below zero (a later wave's one-time costs) does not move it: it is the first recovery.
    """
    was_negative = False
    for index, value in enumerate(cumulative, start=1):
        if value < -CASH_EPSILON:
            was_negative = True
        elif was_negative:
            return index, PaybackStatus.PAID_BACK
    return None, PaybackStatus.NOT_WITHIN_HORIZON if was_negative else PaybackStatus.NEVER_NEGATIVE


def monthly_rate(annual_rate: float) -> float:
    """The monthly rate equivalent to an annual one: (1 + r)^(1/12) - 1."""
    return float((1 + annual_rate) ** (1 / 12) - 1)


def npv(nets: Sequence[float], annual_rate: float) -> float:
    """Net present value of monthly cash flows, month m (1-based) discounted by (1 + r_m)^m."""
    factor = 1 + monthly_rate(annual_rate)
    return sum(net / factor**m for m, net in enumerate(nets, start=1))
