"""The savings-report stage on a real database: assumptions recorded, unpriced movers, retirements, files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlmodel import col

from flows.assess_flow import assess_estate, store_assessment
from flows.assessment_store import last_run_settings
from flows.estate_view import assumptions_in_force, load_estate
from flows.parameters import AssessParameters, PlanParameters, ReportParameters
from flows.plan_flow import compute_plan, plan_systems, store_plan
from flows.report_flow import load_inputs, money_of, project_savings, scenario_of, summary, write_files
from flows.settings import FILES_DIR_ENV
from inventory.db import DB_URL_ENV, session_scope
from inventory.importers.common import ParsedInventory
from inventory.records import COST_LINE_NAMES, CostLines
from inventory.store import apply_import
from inventory.tables import CostAssumption, System, SystemState, Wave, WaveMember, WaveStatus
from migrations_plan.savings import SavingsReport, SystemResult, assumption_rows, default_assumptions
from migrations_plan.savings.inputs import MOVING_STRATEGIES
from migrations_plan.strategy_types import Strategy
from migrations_plan.waves.objective import Cash, month_index, net_if_moved
from tests.integration.estates import server

pytestmark = pytest.mark.integration

PLAN_START = dt.date(2030, 3, 4)
REPORT_START = dt.date(2030, 1, 1)
# old-01's inventory cost lines: 3,000 USD a year, so it saves 250 a month once switched off.
OLD_COSTS = CostLines(hardware=1200.0, licences=0.0, facilities=600.0, labour=1200.0, network=0.0)


ESTATE = (
    server("web-01", application="shop", business_unit="Retail"),
    server("app-01", application="shop", business_unit="Retail"),
    server("db-01", cores=4, costs=CostLines(hardware=2400.0, licences=6000.0), business_unit="Finance"),
    server("dev-01", environment="dev"),
    server("old-01", power_state="off", costs=OLD_COSTS),  # powered off, no dependencies: retire
    server("keep-01", tags={"migrate": "no"}),  # retain
    # Far beyond any VM size: rehost, not ready, no price.
    server("huge-01", cores=2000, memory_mb=8_000_000),
)


@pytest.fixture
def estate(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The estate imported and assessed in a fresh database (SQLite, then PostgreSQL) that the tasks use (not yet
    planned)."""
    monkeypatch.setenv(DB_URL_ENV, db_url)
    with session_scope() as session:
        apply_import(ParsedInventory.of("canonical-csv", systems=ESTATE), session=session, source="estate",
                     file_name="estate.csv", file_sha256="0" * 64)
    result, settings = assess_estate.fn(AssessParameters())
    store_assessment.fn(result, settings)
    return db_url


@pytest.fixture
def planned(estate: str) -> str:
    store_plan.fn(compute_plan.fn(PlanParameters(start=PLAN_START, max_systems=3, pilot_max_systems=1)))
    return estate


def params(**fields: object) -> ReportParameters:
    return ReportParameters.model_validate({"start": REPORT_START, "months": 12, "formats": [], **fields})


def stored_assumptions() -> list[tuple[str, float, str, str]]:
    with session_scope() as session:
        return [(row.key, row.value, row.unit, row.source)
                for row in session.scalars(select(CostAssumption).order_by(col(CostAssumption.id)))]


def by_name(result: SavingsReport) -> dict[str, SystemResult]:
    return {system.name: system for system in result.planned.systems}


def test_load_inputs_records_every_assumption_in_force_once(estate: str) -> None:
    expected = [(row.key, row.value, row.unit) for row in assumption_rows(default_assumptions())]
    load_inputs.fn(params())
    load_inputs.fn(params())
    rows = stored_assumptions()
    assert [(key, value, unit) for key, value, unit, _ in rows] == expected, "one row per assumption, replaced"
    assert all(source.strip() for _, _, _, source in rows)


def test_a_user_assumptions_file_changes_what_is_stored_and_used(estate: str, tmp_path: Path) -> None:
    path = tmp_path / "finance.yaml"
    path.write_text("labour_per_server_year:\n  value: 9999\n  unit: USD per server-year\n", encoding="utf-8")
    default = default_assumptions().labour_per_server_year
    systems, _, base_rates = load_inputs.fn(params())
    systems, assumptions, rates = load_inputs.fn(params(assumptions=str(path)))

    stored = {key: (value, source) for key, value, _, source in stored_assumptions()}
    assert stored["labour_per_server_year"][0] == 9999
    assert stored["labour_per_server_year"][1].strip(), "a value from a file without a source still has one"
    assert assumptions.labour_per_server_year == 9999
    # Used: every system whose labour line is not in the inventory (all but old-01) now costs 9,999 a year.
    defaulted = len(systems) - 1
    assert rates.legacy_monthly - base_rates.legacy_monthly == pytest.approx(
        (9999 - default) * defaulted / 12, abs=0.02)
    result = project_savings.fn(systems, assumptions, params(assumptions=str(path)))
    labour = COST_LINE_NAMES.index("labour")
    lines = {name: system.legacy_lines[labour] for name, system in by_name(result).items()}
    assert lines == {**dict.fromkeys(lines, 9999.0), "old-01": 1200.0}
    # Wave planning weighs savings with the same assumptions finance last reported with.
    with session_scope() as session:
        assert assumptions_in_force(session=session) == assumptions


def test_a_moving_system_without_a_price_is_left_out_and_counted(planned: str) -> None:
    with session_scope() as session:
        waved = set(session.scalars(select(col(System.name)).join(
            WaveMember, col(WaveMember.system_id) == col(System.id))))
    assert "huge-01" in waved, "it is planned to move, inside the horizon"
    systems, assumptions, rates = load_inputs.fn(params())
    assert rates.unpriced_systems == 1 and rates.unpriced_examples == ("huge-01",)
    result = project_savings.fn(systems, assumptions, params())
    huge = by_name(result)["huge-01"]
    assert huge.strategy is Strategy.RETAIN
    assert (huge.legacy_avoided, huge.azure_added, huge.one_time_in_horizon) == (0.0, 0.0, 0.0)
    assert all(by_name(result)[name].azure_added > 0 for name in ("web-01", "app-01", "db-01", "dev-01"))
    assert result.planned.totals.legacy_avoided == pytest.approx(
        sum(system.legacy_avoided for system in result.planned.systems if system.name != "huge-01"))


def test_a_retired_system_saves_its_legacy_cost_from_the_first_wave_month(planned: str) -> None:
    with session_scope() as session:
        first_wave = session.scalar(select(col(Wave.planned_date)).order_by(col(Wave.planned_date)).limit(1))
    assert first_wave == PLAN_START
    systems, assumptions, _ = load_inputs.fn(params())
    result = project_savings.fn(systems, assumptions, params())
    old = by_name(result)["old-01"]
    one_time = assumptions.migration_labour_per_system[Strategy.RETIRE]
    assert old.strategy is Strategy.RETIRE and old.legacy_monthly_avoided == pytest.approx(250.0)
    assert old.legacy_avoided == pytest.approx(250.0 * 10), "March to December"
    assert old.one_time_in_horizon == pytest.approx(one_time) and old.azure_added == 0.0
    assert result.planned.by_strategy["retire"].monthly_net == pytest.approx(
        [0.0, 0.0, 250.0 - one_time] + [250.0] * 9)


def test_realised_months_come_from_waves_that_completed_and_when(planned: str) -> None:
    finished = dt.datetime(2030, 5, 20, 14, 0, tzinfo=dt.UTC)
    with session_scope() as session:
        waves = session.scalars(select(Wave).order_by(col(Wave.number))).all()
        assert len(waves) >= 2
        waves[0].status, waves[0].completed_at = WaveStatus.COMPLETED.value, finished
        waves[1].status = WaveStatus.STARTED.value  # started, not finished: nothing realised yet
        first, second = waves[0].id, waves[1].id
        members = {wave_id: set(session.scalars(select(col(System.name)).join(
            WaveMember, col(WaveMember.system_id) == col(System.id)).where(col(WaveMember.wave_id) == wave_id)))
            for wave_id in (first, second)}
        # What execution leaves: the first wave's workloads moved, but one was rejected at its gate (rolled back).
        rejected = sorted(members[first])[0]
        session.execute(update(System).where(col(System.name).in_(members[first]))
                        .values(state=SystemState.MIGRATED.value))
        session.execute(update(System).where(col(System.name) == rejected)
                        .values(state=SystemState.ROLLED_BACK.value))
    systems, _, _ = load_inputs.fn(params())
    realised = {system.name: system.realised_month for system in systems}
    planned_months = {system.name: system.planned_month for system in systems}
    assert realised[rejected] is None, "a workload rejected at its gate realises nothing"
    assert members[first] and all(realised[name] == dt.date(2030, 5, 20) for name in members[first] - {rejected})
    assert members[second] and all(realised[name] is None for name in members[second])
    assert all(planned_months[name] is not None for name in members[first] | members[second])
    assert realised["old-01"] is None and planned_months["old-01"] == PLAN_START, "retired: in no wave"


def test_report_files_are_written_where_asked_and_json_matches_the_headline(planned: str,
                                                                            tmp_path: Path) -> None:
    out_dir = tmp_path / "finance" / "2030"
    parameters = params(months=24, formats=["csv", "xlsx", "json"], out_dir=str(out_dir), name="q1-savings")
    systems, assumptions, rates = load_inputs.fn(parameters)
    result = project_savings.fn(systems, assumptions, parameters, rates.assessment_rows)
    files = write_files.fn(result, parameters)
    assert all(Path(file).parent == out_dir and Path(file).is_file() for file in files)
    assert {Path(file).name for file in files} >= {"q1-savings.csv", "q1-savings.xlsx", "q1-savings.json",
                                                   "q1-savings_systems.csv", "q1-savings_assumptions.csv"}
    outcome = summary(result, rates, files)
    document = json.loads((out_dir / "q1-savings.json").read_text(encoding="utf-8"))
    monthly = document["planned"]["monthly"]
    assert len(monthly) == 24
    assert monthly[11]["cumulative"] == pytest.approx(outcome.net_12_months, abs=0.01)
    assert sum(month["net"] for month in monthly[:12]) == pytest.approx(outcome.net_12_months, abs=0.1)
    assert outcome.net_12_months != pytest.approx(outcome.net_horizon), "the 12-month figure, not 24"
    assert outcome.files == tuple(files)
    # Where the Azure prices come from: the latest assessment run and its settings (Azure Migrate's names).
    assert outcome.assessment.startswith("assessment run 1: Sizing criteria performance-based; Percentile "
                                         "utilization P95; Comfort factor 1.3; VM series Azure Migrate's default")
    # ... and the same run and settings, one per row, inside every report file finance keeps.
    with session_scope() as session:
        stored = last_run_settings(session=session)
    assert stored is not None and stored[1]["Sizing criteria"] == "performance-based"
    expected = {"Assessment run": "1", **stored[1]}
    assert document["assessment"] == expected
    with (out_dir / "q1-savings_assessment.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["Setting"]: row["Value"] for row in csv.DictReader(handle)} == expected
    book = load_workbook(out_dir / "q1-savings.xlsx", read_only=True)
    try:
        assert dict(book["Assessment"].iter_rows(min_row=2, values_only=True)) == expected
    finally:
        book.close()
    assert "assessment_rows" not in outcome.model_dump(), "the outcome (--json) keeps its one-line summary"


def test_the_planner_values_every_move_as_the_savings_report_does(db_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The cash objective ranks waves by the net each move adds over the horizon; that figure must be the savings
    report's own, system by system, or the order optimises something finance never sees (a SQL Database target,
    priced with Azure Hybrid Benefit only, once counted as free in Azure)."""
    monkeypatch.setenv(DB_URL_ENV, db_url)
    sql = server("sql-01", cores=4, db_engine="SQL Server", os_name="Microsoft Windows Server 2019 (64-bit)",
                 costs=CostLines(hardware=2400.0, licences=6000.0))
    with session_scope() as session:
        apply_import(ParsedInventory.of("canonical-csv", systems=(*ESTATE, sql)), session=session, source="estate",
                     file_name="estate.csv", file_sha256="0" * 64)
    result, settings = assess_estate.fn(AssessParameters())
    store_assessment.fn(result, settings)
    store_plan.fn(compute_plan.fn(PlanParameters(start=PLAN_START, max_systems=3, pilot_max_systems=1)))
    with session_scope() as session:
        estate, assumptions = load_estate(session=session), assumptions_in_force(session=session)
    planning = {system.id: system for system in plan_systems(estate, assumptions, {})}
    systems, assumptions, _ = load_inputs.fn(params())
    report = project_savings.fn(systems, assumptions, params())
    checked = set()
    for row in report.planned.systems:
        if row.strategy not in MOVING_STRATEGIES or row.month is None:
            continue
        mine = planning[int(row.id)]
        month = month_index(REPORT_START, row.month)
        value = net_if_moved(Cash(mine.monthly_saving, mine.azure_monthly, mine.one_time_cost), month,
                             horizon=12, dual=assumptions.dual_running_months)
        assert value == pytest.approx(row.net, abs=0.01), row.name
        checked.add(row.name)
    assert {"sql-01", "web-01", "db-01"} <= checked
    assert planning[next(s.id for s in estate if s.name == "sql-01")].azure_monthly > 0, "SQL is not free in Azure"


def test_the_report_prices_with_the_assessments_savings_option_unless_asked_otherwise(estate: str) -> None:
    result, settings = assess_estate.fn(AssessParameters(pricing="ri3y", ahb=True))
    store_assessment.fn(result, settings)
    systems, assumptions, rates = load_inputs.fn(params())
    assert scenario_of(params()) == "ri3y_ahb"
    priced = [s for s in systems if s.strategy in MOVING_STRATEGIES]
    assert rates.azure_monthly == pytest.approx(sum(s.azure_monthly["ri3y_ahb"] for s in priced), abs=0.01)
    assert rates.azure_monthly < sum(s.azure_monthly["payg"] for s in priced), "3-year reserved is cheaper"
    assert project_savings.fn(systems, assumptions, params()).scenario == "ri3y_ahb"
    # Asked for pay-as-you-go, the report says so and prices with it.
    assert project_savings.fn(systems, assumptions, params(scenario="payg")).scenario == "payg"
    assert "Savings option 3 years reserved" in rates.assessment


def test_files_go_under_the_files_folder_named_per_run_and_no_run_overwrites_another(
        planned: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FILES_DIR_ENV, str(tmp_path / "files"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # where a `serve` happened to be started
    parameters = params(formats=["xlsx", "csv"])  # the form's defaults: folder "reports", "savings-{date}-{run}"
    systems, assumptions, rates = load_inputs.fn(parameters)
    result = project_savings.fn(systems, assumptions, parameters, rates.assessment_rows)
    day = dt.date(2030, 1, 15)
    first = write_files.fn(result, parameters, run_name="brave-otter", run_date=day)
    folder = tmp_path / "files" / "reports"
    assert first[0] == str(folder / "savings-2030-01-15-brave-otter.xlsx")
    assert {Path(file).parent for file in first} == {folder} and all(Path(file).stat().st_size > 0 for file in first)
    assert not list((tmp_path / "elsewhere").iterdir()), "nothing in the working folder"
    before = {file: Path(file).read_bytes() for file in first}
    # The same name again (a re-run under the same run name, or a template without {run}): new files beside them.
    again = write_files.fn(result, parameters, run_name="brave-otter", run_date=day)
    assert again[0] == str(folder / "savings-2030-01-15-brave-otter-2.xlsx")
    assert not set(again) & set(first) and {file: Path(file).read_bytes() for file in first} == before
    # Asked to replace (the CLI, in the folder its user picked): the same files, rewritten.
    replaced = write_files.fn(result, params(formats=["xlsx"], out_dir=str(folder), name="savings-{month}",
                                             replace=True), run_name="x")
    replaced_again = write_files.fn(result, params(formats=["xlsx"], out_dir=str(folder), name="savings-{month}",
                                                   replace=True), run_name="y")
    assert replaced == replaced_again == [str(folder / "savings-2030-01.xlsx")]


def test_the_files_are_in_the_assessments_currency_unless_another_is_asked_for(
        planned: str, tmp_path: Path) -> None:
    assert money_of(params()).code == "USD", "USD before an assessment names another"
    result, settings = assess_estate.fn(AssessParameters(currency="AUD"))
    store_assessment.fn(result, settings)
    aud = money_of(params())
    assert (aud.code, aud.factor) == ("AUD", 1.463251)
    assert money_of(params(currency="EUR")).factor == 0.877578
    assert money_of(params(currency="USD")).rate is None, "USD is not converted"
    rates = tmp_path / "rates.csv"
    rates.write_text("code,per_usd,date,source\nEUR,0.9,2026-09-01,treasury\n", encoding="utf-8")
    euro = money_of(params(currency="EUR", rates=str(rates)))
    assert (euro.factor, euro.rate_text()) == (0.9, "0.9 EUR per USD, rate of 2026-09-01 (treasury)")

    parameters = params(formats=["xlsx", "json"], out_dir=str(tmp_path / "out"), name="q1")
    systems, assumptions, estate_rates = load_inputs.fn(parameters)
    report = project_savings.fn(systems, assumptions, parameters, estate_rates.assessment_rows)
    files = write_files.fn(report, parameters, money=aud)
    outcome = summary(report, estate_rates, files, aud)
    assert outcome.files_currency == "AUD"
    document = json.loads((tmp_path / "out" / "q1.json").read_text(encoding="utf-8"))
    assert document["currency"] == "AUD" and document["exchange_rate"]["date"] == "2023-07-20"
    assert document["planned"]["monthly"][11]["cumulative"] == pytest.approx(outcome.net_12_months * 1.463251,
                                                                             abs=0.02)
    book = load_workbook(tmp_path / "out" / "q1.xlsx", read_only=True)
    try:
        figures = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    finally:
        book.close()
    assert figures["Currency"] == "AUD" and figures["Rate of"] == "2023-07-20"
    assert "Azure Migrate Export" in figures["Rate source"]
