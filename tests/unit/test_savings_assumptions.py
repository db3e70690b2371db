"""Cost assumptions: the shipped defaults, overriding them from YAML/CSV, and errors that name file:row:key."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.errors import BadInputError
from migrations_plan.savings import (
    CostAssumptions,
    assumption_rows,
    assumptions_from_rows,
    default_assumptions,
    load_assumptions,
)
from migrations_plan.savings.assumptions import DEFAULT_ASSUMPTIONS_FILE, UNITS
from migrations_plan.savings.assumptions_io import load_assumptions_file
from migrations_plan.strategy_types import Strategy


def test_defaults_cover_every_key_with_a_unit_and_a_source() -> None:
    a = default_assumptions()
    rows = assumption_rows(a)
    assert {row.key.split(".")[0] for row in rows} == set(UNITS)
    assert all(row.source.strip() for row in rows), [row.key for row in rows if not row.source.strip()]
    assert {row.key for row in rows} >= {f"migration_labour_per_system.{s.value}" for s in Strategy}
    # Figures taken from Microsoft's documented method, as the YAML's sources derive them.
    assert a.discount_rate == 0.07 and "WACC" in a.source("discount_rate")
    assert a.hours_per_month == 730
    assert a.labour_per_server_year == 145 * 3
    assert a.storage_per_gb_year == pytest.approx(2 / 4 + 0.10 * 2)
    assert a.hardware_per_core_year == pytest.approx((16.232 * 0.5 + 113.87) / 4, abs=0.005)
    assert a.network_share == pytest.approx(0.10 * 1.15)
    assert a.facilities_per_core_year == pytest.approx(0.009 * 2.0 * 1.8 / (1 - 0.40) * 8760 * 0.12, abs=0.005)
    assert a.dual_running_months == 1


def test_rows_round_trip_through_the_flat_form() -> None:
    a = default_assumptions()
    assert assumptions_from_rows(assumption_rows(a)) == a


def test_shipped_file_loads_without_a_base() -> None:
    assert load_assumptions_file(DEFAULT_ASSUMPTIONS_FILE, base=None) == default_assumptions()


def test_yaml_overrides_some_keys_and_records_where_each_came_from(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text(
        "# our datacentre\n"
        "facilities_per_server_year: 410\n"
        "labour_per_server_year:\n"
        "  value: 1440\n"
        "  unit: USD per server-year\n"
        "  source: MS BC-2024 management costs 430 + 430 + 580\n"
        "licence_db_per_core_year:\n"
        "  Oracle Database: 5000\n"
        "  sybase: {value: 900, source: vendor contract 2025}\n"
        "migration_labour_per_system.rehost: 2000\n",
        encoding="utf-8",
    )
    a = load_assumptions(path)
    assert (a.facilities_per_server_year, a.labour_per_server_year) == (410, 1440)
    assert a.licence_db_per_core_year["oracle"] == 5000
    assert a.licence_db_per_core_year["sybase"] == 900
    assert a.migration_labour_per_system[Strategy.REHOST] == 2000
    assert a.source("facilities_per_server_year") == f"{path}:2"
    assert a.source("labour_per_server_year").startswith("MS BC-2024")
    assert a.source("licence_db_per_core_year.sybase") == "vendor contract 2025"
    # Untouched keys keep the shipped value and source.
    assert a.hardware_per_core_year == default_assumptions().hardware_per_core_year
    assert a.source("discount_rate") == default_assumptions().source("discount_rate")


def test_csv_overrides(tmp_path: Path) -> None:
    path = tmp_path / "ours.csv"
    path.write_text("key,value,unit,source\n"
                    "dual_running_months,2,months,program decision\n"
                    "licence_os_per_core_year.windows,45,USD per core-year,\n"
                    "discount_rate,0.09,,\n", encoding="utf-8")
    a = load_assumptions(path)
    assert (a.dual_running_months, a.os_licence("windows"), a.discount_rate) == (2, 45, 0.09)
    assert a.source("dual_running_months") == "program decision"
    assert a.source("licence_os_per_core_year.windows") == f"{path}:3"


def test_a_base_other_than_the_defaults(tmp_path: Path) -> None:
    base = default_assumptions().model_copy(update={"data_transfer_per_gb": 0.5})
    path = tmp_path / "x.csv"
    path.write_text("key,value\nnetwork_share,0.2\n", encoding="utf-8")
    a = load_assumptions(path, base=base)
    assert (a.data_transfer_per_gb, a.network_share) == (0.5, 0.2)


@pytest.mark.parametrize(("text", "problems"), [
    pytest.param("key,value\nhardware_per_core_yr,3\n",
                 ["{f}:2:hardware_per_core_yr: unknown assumption"], id="unknown key"),
    pytest.param("key,value\nstorage_per_gb_year,cheap\n",
                 ["{f}:2:storage_per_gb_year: expected a number, got 'cheap'"], id="not a number"),
    pytest.param("key,value\nlabour_per_server_year,-5\n",
                 ["{f}:2:labour_per_server_year: must be at least 0"], id="negative"),
    pytest.param("key,value\nnetwork_share,11.5\n", ["{f}:2:network_share: must be at most 1"], id="share over 1"),
    pytest.param("key,value\ndual_running_months,1.5\n",
                 ["{f}:2:dual_running_months: expected a whole number"], id="not whole"),
    pytest.param("key,value,unit\nstorage_per_gb_year,0.2,USD per GB-month\n",
                 ["{f}:2:storage_per_gb_year: unit 'USD per GB-month' does not match 'USD per GB-year'"],
                 id="wrong unit"),
    pytest.param("key,value\nmigration_labour_per_system.lift,5\n",
                 ["{f}:2:migration_labour_per_system.lift: unknown strategy 'lift'"], id="unknown strategy"),
    pytest.param("key,value\nlicence_os_per_core_year,5\n",
                 ["{f}:2:licence_os_per_core_year: licence_os_per_core_year needs sub-keys"], id="group as value"),
    pytest.param("key,value\nhours_per_month.x,5\n", ["{f}:2:hours_per_month.x: hours_per_month takes a single"],
                 id="sub-key on a value"),
    pytest.param("key,value\ndiscount_rate,0.1\ndiscount_rate,0.2\n",
                 ["{f}:3:discount_rate: set twice (first on row 2)"], id="duplicate"),
    pytest.param("key,value\nhours_per_month,0\n", ["{f}:2:hours_per_month: Input should be greater than 0"],
                 id="model range"),
    pytest.param("key,value\nnetwork_share,abc\ndiscount_rate,-1\nbogus,1\n",
                 ["{f}:2:network_share:", "{f}:3:discount_rate:", "{f}:4:bogus:"], id="every problem at once"),
])
def test_bad_csv_values_name_file_row_and_key(tmp_path: Path, text: str, problems: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        load_assumptions(path)
    rendered = [str(problem) for problem in caught.value.problems]
    assert len(rendered) == len(problems)
    for got, want in zip(rendered, problems, strict=True):
        assert got.startswith(want.format(f=path)), got


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("hardware_per_core_year: 10\nstorage_per_gb_year: [1, 2]\n",
                 "{f}:2:storage_per_gb_year: expected a number", id="list value"),
    pytest.param("labour_per_server_year:\n  value: 3\n  currency: EUR\n",
                 "{f}:1:labour_per_server_year: unexpected field(s) currency", id="unknown field"),
    pytest.param("labour_per_server_year:\n  source: nobody\n", "{f}:1:labour_per_server_year: missing value",
                 id="no value"),
    pytest.param("licence_os_per_core_year:\n  windows: 1\n  solaris: x\n",
                 "{f}:3:licence_os_per_core_year.solaris: expected a number", id="row of a sub-key"),
    pytest.param("- 1\n- 2\n", "{f}:1: expected a mapping", id="not a mapping"),
    pytest.param("a: [1\n", "{f}:2: not valid YAML", id="broken YAML"),
])
def test_bad_yaml_names_file_row_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        load_assumptions(path)
    assert str(caught.value.problems[0]).startswith(expected.format(f=path)), str(caught.value)


def test_unknown_file_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="expected .yaml, .yml or .csv"):
        load_assumptions(tmp_path / "a.json")
    with pytest.raises(BadInputError, match="file not found"):
        load_assumptions(tmp_path / "a.yaml")
    path = tmp_path / "nocolumns.csv"
    path.write_text("name,amount\nx,1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="missing column"):
        load_assumptions(path)


def test_model_requires_fallback_licence_and_every_strategy() -> None:
    data = default_assumptions().model_dump()
    data["licence_os_per_core_year"] = {"windows": 1}
    with pytest.raises(ValueError, match="'other'"):
        CostAssumptions.model_validate(data)
    data = default_assumptions().model_dump()
    del data["migration_labour_per_system"][Strategy.RETIRE]
    with pytest.raises(ValueError, match="retire"):
        CostAssumptions.model_validate(data)
