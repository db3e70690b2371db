"""Legacy run rate: inventory facts win, defaults fill the gaps, and each line says which it is."""

from __future__ import annotations

import pytest

from migrations_plan.savings import CostAssumptions, SavingsSystem, default_assumptions, legacy_run_rate, one_time_cost
from migrations_plan.savings.legacy_keys import db_engine_key, os_family_key
from migrations_plan.strategy_types import Strategy


def assumptions() -> CostAssumptions:
    return default_assumptions().model_copy(update={
        "hardware_per_core_year": 100.0, "storage_per_gb_year": 1.0, "facilities_per_server_year": 50.0,
        "facilities_per_core_year": 10.0, "labour_per_server_year": 400.0, "network_share": 0.25,
        "licence_os_per_core_year": {"windows": 30.0, "linux": 5.0, "other": 1.0},
        "licence_db_per_core_year": {"sqlserver": 200.0, "oracle": 900.0, "other": 0.0},
        "assumed_cores_when_unknown": 3, "assumed_storage_gb_when_unknown": 40.0,
    })


@pytest.mark.parametrize(("system", "lines", "from_inventory", "size_assumed"), [
    pytest.param({"cores": 4, "storage_gb": 100, "os_family": "linux"},
                 # 4x100 + 100x1; 4x5; 50 + 4x10; 400; 0.25 x 500
                 [500, 20, 90, 400, 125], [False] * 5, False, id="all defaults"),
    pytest.param({"cores": 4, "storage_gb": 100, "os_family": "windows", "db_engine": "SQL Server 2019 Enterprise"},
                 [500, 4 * (30 + 200), 90, 400, 125], [False] * 5, False, id="windows + SQL Server licences"),
    pytest.param({"cores": 2, "storage_gb": 0, "os_family": "AIX", "db_engine": "Oracle 19c"},
                 [200, 2 * (1 + 900), 70, 400, 50], [False] * 5, False, id="unknown family priced as other"),
    pytest.param({"cores": 2, "storage_gb": 0, "os_family": "linux", "db_engine": "Sybase ASE"},
                 [200, 10, 70, 400, 50], [False] * 5, False, id="unknown engine priced as other"),
    pytest.param({"cores": None, "storage_gb": None, "os_family": "linux"},
                 [3 * 100 + 40, 15, 80, 400, 0.25 * 340], [False] * 5, True, id="size unknown: assumed"),
    pytest.param({"cores": 4, "storage_gb": 100, "os_family": "linux", "cost_lines": {"hardware": 2000.0}},
                 # network follows the inventory's hardware line
                 [2000, 20, 90, 400, 500], [True, False, False, False, False], False, id="inventory hardware"),
    pytest.param({"cores": None, "storage_gb": None, "os_family": "linux",
                  "cost_lines": {"hardware": 1.0, "licences": 2.0, "facilities": 3.0, "labour": 4.0,
                                 "network": 5.0}},
                 [1, 2, 3, 4, 5], [True] * 5, False, id="all inventory: size not needed"),
    pytest.param({"cores": 4, "storage_gb": 100, "os_family": "linux",
                  "cost_lines": {"licences": 0.0, "network": None}},
                 [500, 0, 90, 400, 125], [False, True, False, False, False], False, id="zero is a fact, None is not"),
])
def test_legacy_lines(system: dict[str, object], lines: list[float], from_inventory: list[bool],
                      size_assumed: bool) -> None:
    cost = legacy_run_rate(SavingsSystem(id="x", name="x", strategy=Strategy.REHOST, **system), assumptions())  # type: ignore[arg-type]
    assert [line.annual for line in cost.lines] == pytest.approx(lines)
    assert [line.from_inventory for line in cost.lines] == from_inventory
    assert cost.annual == pytest.approx(sum(lines))
    assert any("assumed" in line.basis for line in cost.lines) is size_assumed


def test_basis_text_shows_the_formula_with_the_system_numbers() -> None:
    cost = legacy_run_rate(SavingsSystem(id="x", name="x", strategy=Strategy.REHOST, cores=4, storage_gb=100,
                                         os_family="linux", cost_lines={"labour": 10.0}), assumptions())
    assert [line.basis for line in cost.lines] == [
        "4 cores x 100 + 100 GB x 1 USD/year", "4 cores x (linux 5) USD/year", "50 + 4 cores x 10 USD/year",
        "inventory", "0.25 x hardware line (default)"]


@pytest.mark.parametrize(("name", "key"), [
    ("Microsoft SQL Server 2019", "sqlserver"), ("MSSQL", "sqlserver"), ("mssqlserver2016", "sqlserver"),
    ("SQL Server", "sqlserver"), ("Oracle 19c", "oracle"), ("PostgreSQL 14", "postgresql"), ("postgres", "postgresql"),
    ("MySQL 8.0", "mysql"), ("IBM DB2", "db2"), ("SQLite", "sqlite"), ("Sybase ASE", "sybasease"),
])
def test_db_engine_keys(name: str, key: str) -> None:
    assert db_engine_key(name) == key


@pytest.mark.parametrize(("family", "key"), [(" Windows ", "windows"), ("", "unknown"), ("LINUX", "linux")])
def test_os_family_keys(family: str, key: str) -> None:
    assert os_family_key(family) == key


@pytest.mark.parametrize(("strategy", "data_gb", "cost"), [
    (Strategy.REHOST, 1000, 1500 + 1000 * 0.02),
    (Strategy.REFACTOR, 0, 25000),
    (Strategy.RETIRE, 1000, 500),  # nothing to transfer
    (Strategy.RETAIN, 1000, 0),
])
def test_one_time_cost(strategy: Strategy, data_gb: float, cost: float) -> None:
    system = SavingsSystem(id="x", name="x", strategy=strategy, migration_data_gb=data_gb)
    assert one_time_cost(system, default_assumptions()) == pytest.approx(cost)
