"""The savings rules that used to live in the flows, by table: scenario price fallbacks, a retired system's
switch-off month, unpriced movers set aside, and a system's monthly saving."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import pytest

from migrations_plan.savings import SavingsSystem, default_assumptions, legacy_figures
from migrations_plan.savings.rules import monthly_saving, monthly_savings, set_aside_unpriced, switch_off_month
from migrations_plan.savings.scenarios import SCENARIOS, scenario_prices
from migrations_plan.strategy_types import Strategy

JAN, MAR, JUN = dt.date(2027, 1, 1), dt.date(2027, 3, 1), dt.date(2027, 6, 1)


@pytest.mark.parametrize(("prices", "expected"), [
    ({}, {}),
    # a VM priced everywhere stays as it is
    ({s: float(i) for i, s in enumerate(SCENARIOS)}, {s: float(i) for i, s in enumerate(SCENARIOS)}),
    # Azure SQL Database is priced with Hybrid Benefit only: its AHB rates fill payg / ri1y / ri3y
    ({"payg_ahb": 100.0, "ri3y_ahb": 60.0},
     {"payg_ahb": 100.0, "ri3y_ahb": 60.0, "payg": 100.0, "ri1y": 100.0, "ri3y": 60.0, "ri1y_ahb": 100.0}),
    # PAYG only (App Service): every scenario pays PAYG
    ({"payg": 80.0}, dict.fromkeys(SCENARIOS, 80.0)),
    # reserved prices without AHB: an AHB scenario takes the plain reserved rate first
    ({"payg": 100.0, "ri1y": 70.0, "ri3y": 50.0},
     {"payg": 100.0, "ri1y": 70.0, "ri3y": 50.0, "payg_ahb": 100.0, "ri1y_ahb": 70.0, "ri3y_ahb": 50.0}),
])
def test_scenario_prices_fill_gaps_from_the_nearest_priced_scenario(prices: dict[str, float],
                                                                    expected: dict[str, float]) -> None:
    assert scenario_prices(prices) == expected


@pytest.mark.parametrize(("strategy", "wave_month", "waves", "expected"), [
    (Strategy.RETIRE, None, [MAR, JAN, JUN], JAN),  # switched off with the first wave
    (Strategy.RETIRE, None, [], None),  # no plan yet: not switched off within the projection
    (Strategy.REHOST, MAR, [JAN, MAR], MAR),
    (Strategy.RETAIN, None, [JAN], None),
])
def test_switch_off_month(strategy: Strategy, wave_month: dt.date | None, waves: list[dt.date],
                          expected: dt.date | None) -> None:
    assert switch_off_month(strategy, wave_month, waves) == expected


def test_unpriced_movers_are_set_aside_and_named() -> None:
    systems = [SavingsSystem(id="1", name="vm-priced", strategy=Strategy.REHOST, azure_monthly={"payg": 10.0}),
               SavingsSystem(id="2", name="vm-unpriced", strategy=Strategy.REHOST),
               SavingsSystem(id="3", name="old", strategy=Strategy.RETIRE),
               SavingsSystem(id="4", name="app-unpriced", strategy=Strategy.REPLATFORM)]
    kept, unpriced = set_aside_unpriced(systems)
    assert unpriced == ["vm-unpriced", "app-unpriced"]
    assert [system.strategy for system in kept] == [Strategy.REHOST, Strategy.RETAIN, Strategy.RETIRE,
                                                   Strategy.RETAIN]


@pytest.mark.parametrize(("strategy", "legacy", "azure", "expected"), [
    (Strategy.REHOST, 500.0, 320.0, 180.0),  # 500 - 320
    (Strategy.REPLATFORM, 100.0, 250.0, -150.0),  # dearer in Azure: a negative saving, not hidden
    (Strategy.RETIRE, 500.0, 320.0, 500.0),  # switched off: all of the legacy cost
    (Strategy.RETAIN, 500.0, 320.0, 0.0),
])
def test_monthly_saving(strategy: Strategy, legacy: float, azure: float, expected: float) -> None:
    assert monthly_saving(strategy, legacy, azure) == expected


def test_monthly_savings_uses_the_option_price_else_the_nearest_priced_scenario_else_the_plain_cost() -> None:
    class Row:
        def __init__(self, id: int, by_option: dict[str, float], cost: float | None) -> None:
            self.id, self.strategy, self.monthly_cost = id, Strategy.REHOST, cost
            self.monthly_cost_by_option = MappingProxyType(by_option)
            self.cost_lines = MappingProxyType({"hardware": 1200.0, "licences": 0.0, "facilities": 0.0,
                                                "labour": 0.0, "network": 0.0})
            self.cores, self.storage_gb, self.os_family, self.db_engine = 2, 64.0, "linux", None

    assumptions = default_assumptions()
    rows = [Row(1, {"payg": 40.0, "ri3y": 25.0}, 40.0), Row(2, {"payg": 40.0}, 40.0)]
    legacy = legacy_figures(rows[0], assumptions).annual / 12.0
    assert legacy == pytest.approx(100.0)  # the inventory's 1,200 a year, all other lines 0
    assert monthly_savings(rows, assumptions, option="ri3y") == {1: pytest.approx(75.0), 2: pytest.approx(60.0)}
    # A SQL Database target is priced with Azure Hybrid Benefit only: its pay-as-you-go price is that one, as in
    # the savings report (scenario_prices), not free: 100 - 30 = 70.
    sql = [Row(3, {"payg_ahb": 30.0}, None), Row(4, {}, 45.0)]
    assert monthly_savings(sql, assumptions, option="payg") == {3: pytest.approx(70.0), 4: pytest.approx(55.0)}
