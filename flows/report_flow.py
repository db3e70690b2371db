"""The `report savings` flow: the monthly cash-flow projection for finance, planned versus realised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, insert

from flows.assessment_store import last_run_pricing, last_run_settings
from flows.estate_view import load_savings_systems
from flows.handoff import whole
from flows.money_display import rate_table_for, stored_currency
from flows.parameters import ReportParameters
from flows.progress import report
from flows.report_choices import ReportCurrency, ReportScenario
from flows.reports.money import USD, Money
from flows.reports.naming import claim_stem, file_stem
from flows.reports.savings_files import (
    csv_paths,
    write_savings_csv,
    write_savings_html,
    write_savings_json,
    write_savings_xlsx,
)
from flows.reports.savings_markdown import markdown_summary
from flows.reports.savings_tables import headline_net, payback_text
from flows.settings import get_settings
from inventory.collector import collector_paused
from inventory.db import session_scope
from inventory.errors import BadSettingsError
from inventory.tables import CostAssumption, table_of, utcnow
from migrations_plan.assessment.model import settings_text
from migrations_plan.savings import (
    MOVING_STRATEGIES,
    CostAssumptions,
    SavingsReport,
    SavingsSystem,
    assumption_rows,
    build_savings_report,
    default_assumptions,
    legacy_figures,
    load_assumptions,
)
from migrations_plan.savings.rules import set_aside_unpriced
from migrations_plan.savings.scenarios import SCENARIOS

WRITERS: dict[str, Callable[..., Path | tuple[Path, ...]]] = {
    "csv": write_savings_csv, "xlsx": write_savings_xlsx, "json": write_savings_json, "html": write_savings_html}


class EstateRunRates(BaseModel):
    """The estate's monthly run rates today (legacy) and once every mover has moved (Azure), and what they
    leave out: the movers with no Azure price."""

    model_config = ConfigDict(frozen=True)

    legacy_monthly: float
    azure_monthly: float
    systems_with_inventory_costs: int
    systems: int
    unpriced_systems: int
    unpriced_examples: tuple[str, ...]
    # The assessment the Azure prices come from: "run 3: Sizing criteria performance-based; ..." ("" before any).
    assessment: str = ""
    # The same as rows for the report files: ("Assessment run", "3"), then (setting, value) in Azure Migrate's
    # names. Not in the outcome (its one-line `assessment` is).
    assessment_rows: tuple[tuple[str, str], ...] = Field(default=(), exclude=True)


class ReportOutcome(BaseModel):
    """The savings report's headline; the CLI, its --json and the demo read this. It repeats the fields of
    `EstateRunRates` (filled from it) rather than nesting them, so the --json keys stay flat and in order."""

    model_config = ConfigDict(frozen=True)

    start: dt.date
    months: int
    scenario: str
    net_12_months: float
    net_horizon: float
    payback_month: int | None
    npv: float
    realised_net_horizon: float
    legacy_monthly: float
    azure_monthly: float
    systems_with_inventory_costs: int
    systems: int
    unpriced_systems: int
    unpriced_examples: tuple[str, ...]
    files: tuple[str, ...]
    assessment: str = ""
    # The currency of the report files (the figures above stay in USD, as computed).
    files_currency: str = "USD"


def scenario_of(params: ReportParameters) -> str:
    """The pricing scenario asked for, else the latest assessment's (its savings option and Hybrid Benefit, the
    prices `status` shows), else pay-as-you-go."""
    if params.scenario is not ReportScenario.ASSESSMENT:
        return params.scenario.value
    with session_scope(get_settings().db_url) as session:
        pricing = last_run_pricing(session=session)
    return pricing if pricing in SCENARIOS else "payg"


def money_of(params: ReportParameters) -> Money:
    """The currency the files are written in: the one asked for, else the latest assessment's (USD before any),
    at the rate of the shipped table or of the rates file."""
    settings = get_settings()
    code = (params.currency.value if params.currency is not ReportCurrency.ASSESSMENT
            else stored_currency(settings.db_url) or "USD")
    table = rate_table_for(settings.resolve_path(params.rates) if params.rates else None)
    return Money.of(table.get(code))


@task(name="load-savings-inputs", cache_policy=NONE)
@collector_paused()
def load_inputs(params: ReportParameters) -> tuple[list[SavingsSystem], CostAssumptions, EstateRunRates]:
    """The assessed estate as savings inputs; records the assumptions in force in `cost_assumption`."""
    assumptions = (load_assumptions(get_settings().resolve_path(params.assumptions), base=default_assumptions())
                   if params.assumptions else default_assumptions())
    with session_scope(get_settings().db_url) as session:
        loaded = load_savings_systems(session=session)
        last_run = last_run_settings(session=session)
        session.execute(delete(CostAssumption))
        now = utcnow()
        session.execute(insert(table_of(CostAssumption)), [
            {"key": row.key, "value": row.value, "unit": row.unit, "source": row.source, "updated_at": now}
            for row in assumption_rows(assumptions)])
    if not loaded:
        raise BadSettingsError("nothing to report: no assessed systems (assess the estate first)")
    # No Azure price at all (not ready, or a target the catalog cannot price): left out of the cash flow rather
    # than counted as a free move; listed in the report summary.
    systems, unpriced = set_aside_unpriced(loaded)
    rates = _run_rates(loaded, systems, unpriced, assumptions, scenario_of(params))
    if last_run is not None:
        run_id, settings = last_run
        described = settings_text(settings) if settings else "settings not recorded (an older run)"
        rows = (("Assessment run", str(run_id)), *(settings or {"Settings": "not recorded (an older run)"}).items())
        rates = rates.model_copy(update={"assessment": f"assessment run {run_id}: {described}",
                                         "assessment_rows": rows})
    return systems, assumptions, rates


def _run_rates(loaded: list[SavingsSystem], systems: list[SavingsSystem], unpriced: list[str],
               assumptions: CostAssumptions, scenario: str) -> EstateRunRates:
    """Today's legacy run rate of the estate, and the Azure run rate once every mover has moved."""
    legacy = sum(legacy_figures(system, assumptions).annual for system in systems) / 12.0
    azure = sum(system.azure_monthly.get(scenario, 0.0) for system in systems
                if system.strategy in MOVING_STRATEGIES)
    from_inventory = sum(1 for system in loaded if any(value is not None for value in system.cost_lines.values()))
    return EstateRunRates(legacy_monthly=round(legacy, 2), azure_monthly=round(azure, 2),
                          systems_with_inventory_costs=from_inventory, systems=len(loaded),
                          unpriced_systems=len(unpriced), unpriced_examples=tuple(unpriced[:10]))


@task(name="project-savings", cache_policy=NONE)
@collector_paused()
def project_savings(systems: list[SavingsSystem], assumptions: CostAssumptions, params: ReportParameters,
                    assessment: tuple[tuple[str, str], ...] = ()) -> SavingsReport:
    report("report", 0, len(systems))
    result = build_savings_report(systems, assumptions, start=params.first_month(), months=params.months,
                                  scenario=scenario_of(params), assessment=assessment)
    report("report", len(systems), len(systems))
    return result


@task(name="write-savings-files", cache_policy=NONE)
@collector_paused()
def write_files(result: SavingsReport, params: ReportParameters, *, money: Money = USD, run_name: str = "run",
                run_date: dt.date | None = None) -> list[str]:
    """The report files, under the folder asked for (a relative one under the files folder), named from the
    template; a name already taken gets a number unless `params.replace`. Returns their absolute paths."""
    folder = get_settings().resolve_path(params.out_dir)
    wanted = file_stem(params.name, run_date=run_date or dt.datetime.now(dt.UTC).date(), run_name=run_name,
                       month=params.first_month())

    def paths(stem: str) -> list[Path]:
        return [path for fmt in params.formats for path in _paths_of(result, folder / f"{stem}.{fmt}", fmt)]

    stem = claim_stem(wanted, paths, replace=params.replace)
    written: list[str] = []
    try:
        for fmt in params.formats:
            output = WRITERS[fmt](result, folder / f"{stem}.{fmt}", money=money)
            written += [str(path) for path in output] if isinstance(output, tuple) else [str(output)]
    except BaseException:
        for path in paths(stem):  # what was claimed and never written: nothing half-made stays behind
            if path.is_file() and path.stat().st_size == 0:
                path.unlink()
        raise
    return written


def _paths_of(result: SavingsReport, path: Path, fmt: str) -> tuple[Path, ...]:
    return csv_paths(result, path) if fmt == "csv" else (path,)


def summary(result: SavingsReport, rates: EstateRunRates, files: list[str], money: Money = USD) -> ReportOutcome:
    planned = result.planned
    return ReportOutcome(
        start=result.start,
        months=result.months,
        scenario=result.scenario,
        net_12_months=round(headline_net(planned, 12), 2),
        net_horizon=round(planned.totals.net, 2),
        payback_month=planned.payback_month,
        npv=round(planned.npv, 2),
        realised_net_horizon=round(result.realised.totals.net, 2),
        files=tuple(files),
        files_currency=money.code,
        **rates.model_dump(),
    )


def _run_label() -> tuple[str, dt.date]:
    """The flow run's name and the day it was scheduled for (today outside a run)."""
    scheduled = flow_run.scheduled_start_time
    day = scheduled.date() if isinstance(scheduled, dt.datetime) else dt.datetime.now(dt.UTC).date()
    return str(flow_run.name or "run"), day


@flow(name="report-savings")
def report_flow(params: ReportParameters) -> ReportOutcome:
    """Monthly cash flow (legacy avoided, Azure added, one-time, net, cumulative), payback, NPV, by wave/BU; the
    files in the currency asked for, named per run, and a summary artifact naming them."""
    params = params.model_copy(update={"scenario": ReportScenario(scenario_of(params)),
                                       "start": params.first_month()})
    money = money_of(params)
    systems, assumptions, rates = load_inputs(params)
    result = project_savings(whole(systems), assumptions, params, rates.assessment_rows)
    run_name, run_date = _run_label()
    files = (write_files(whole(result), params, money=money, run_name=run_name, run_date=run_date)
             if params.formats else [])
    markdown = markdown_summary(result, money, files)
    if rates.assessment:
        markdown += f"\nAzure prices from {rates.assessment}.\n"
    create_markdown_artifact(markdown=markdown, key="savings-summary",
                             description=f"Savings over {params.months} months from {result.start:%Y-%m}, "
                                         f"{money.code}: {len(files)} file(s)")
    outcome = summary(result, rates, files, money)
    planned = result.planned
    get_run_logger().info(
        "12-month net cash flow %s, payback %s, NPV %s (%s); %s", money.signed(headline_net(planned, 12)),
        payback_text(planned), money.text(planned.npv, decimals=0), money.rate_text() or "USD",
        f"{len(files)} file(s) in {Path(files[0]).parent}" if files else "no files asked for")
    return outcome
