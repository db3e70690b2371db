"""The `plan` flow: dependency-aware move groups packed into dated waves, stored and exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlmodel import col

from flows import plan_store
from flows.estate_view import EstateRow, assumptions_in_force, load_estate
from flows.handoff import whole
from flows.parameters import PlanParameters
from flows.plan_store import StoredPlan
from flows.progress import report
from flows.reports.plan_files import plan_rows, write_plan_csv, write_plan_xlsx
from flows.run_states import rejected
from flows.settings import get_settings
from inventory.collector import collector_paused
from inventory.db import session_scope
from inventory.errors import BadInputError
from inventory.tables import Dependency
from migrations_plan.savings import CostAssumptions
from migrations_plan.savings.estate import one_time_of
from migrations_plan.savings.inputs import MOVING_STRATEGIES
from migrations_plan.savings.rules import azure_price, monthly_savings
from migrations_plan.waves import Objective, OversizedGroup, PlanEdge, PlanSystem, WavePlan, WavePolicy, plan_orders
from migrations_plan.waves.quality import PlanQuality, plan_quality


class PlanOutcome(BaseModel):
    """What a planning run produced; the CLI, its --json and the demo read this."""

    model_config = ConfigDict(frozen=True)

    assessed_systems: int
    waves: int
    first_wave: dt.date | None
    last_wave: dt.date | None
    planned_systems: int
    excluded: int
    groups: int
    oversized_groups: int
    cycles: int
    warnings: tuple[str, ...]
    stored: StoredPlan
    oversized: tuple[str, ...]
    files: tuple[str, ...]
    objective: str = "cash-12m"
    # One row per horizon (12, 36 months): our order's net, the naive order's, the upper bound, and the ratios.
    quality: tuple[dict[str, float | int | None], ...] = ()
    losing_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComputedPlan:
    """The plan and what it was computed from: the pins and freezes are stored with it, in one transaction."""

    plan: WavePlan
    policy: WavePolicy
    assessed: int
    new_pins: dict[int, int]
    freeze: list[int]
    notes: list[str]
    quality: PlanQuality | None = None


def check_input(params: PlanParameters) -> None:
    """What makes a plan impossible, found before anything is written: a pin of a system the inventory does not
    have (one name), a wave to freeze that the current plan does not have."""
    with session_scope(get_settings().db_url) as session:
        plan_store.resolve_pins(params.pins, session=session)
        plan_store.check_waves_exist(params.freeze, session=session)


@task(name="plan-waves", cache_policy=NONE)
@collector_paused()
def compute_plan(params: PlanParameters) -> ComputedPlan:
    """Read the assessed estate, its dependencies, pins and kept waves, then plan (pure) in one go."""
    notes = []
    with session_scope(get_settings().db_url) as session:
        new_pins = plan_store.resolve_pins(params.pins, session=session)
        plan_store.check_waves_exist(params.freeze, session=session)
        estate = load_estate(session=session)
        pins = {**plan_store.load_pins(session=session), **new_pins}
        frozen = plan_store.load_frozen(session=session, also=params.freeze)
        assumptions = assumptions_in_force(session=session)
        edges = [PlanEdge(source, target, port=None if port < 0 else port, protocol=protocol or None,
                          weight=observations)
                 for source, target, port, protocol, observations in session.connection().execute(
                     select(col(Dependency.source_system_id), col(Dependency.target_system_id),
                            col(Dependency.port), col(Dependency.protocol), col(Dependency.observations)))]
    start = params.first_wave(dt.datetime.now(dt.UTC).date())
    if frozen and start <= max(wave.date for wave in frozen):
        latest = max(frozen, key=lambda wave: wave.date)
        start = latest.date + dt.timedelta(days=params.cadence_days)
        notes.append(f"new waves start on {start}, one cadence after the kept wave {latest.number} "
                     f"({latest.date}): kept waves stay as they are and the rest is planned after them")
    policy = WavePolicy(start=start, max_systems=params.max_systems, max_tb=params.max_tb,
                        cadence_days=params.cadence_days, blackout_dates=frozenset(params.blackout),
                        pilot_max_systems=params.pilot_max_systems, objective=Objective(params.objective),
                        cash_start=dt.datetime.now(dt.UTC).date().replace(day=1),
                        dual_running_months=assumptions.dual_running_months,
                        no_production_before=params.no_production_before,
                        max_production_per_wave=params.max_production_per_wave)
    report("plan", 0, len(estate))
    systems = plan_systems(estate, assumptions, pins)
    known = {system.id for system in systems}
    edges = [edge for edge in edges if edge.source_id in known and edge.target_id in known]
    # The naive (alphabetical) order beside the chosen one, for the plan's quality: one grouping for both.
    plan, naive = plan_orders(systems, edges, policy=policy, objectives=(policy.objective, Objective.ALPHABETICAL),
                              frozen=frozen)
    quality = plan_quality(plan, systems=systems, edges=edges, policy=policy, frozen=frozen, naive_plan=naive)
    report("plan", len(estate), len(estate))
    return ComputedPlan(plan, policy, len(estate), new_pins, list(params.freeze), notes, quality)


def plan_systems(estate: Sequence[EstateRow], assumptions: CostAssumptions,
                 pins: Mapping[int, int]) -> list[PlanSystem]:
    """The estate as planning sees it, with the savings model's figures: monthly saving (legacy minus Azure
    pay-as-you-go), the Azure run rate and the one-time cost. A mover without any Azure price is left out of the
    cash flow, as the savings report leaves it out (see `set_aside_unpriced`): it saves and costs nothing."""
    savings = monthly_savings(estate, assumptions, option="payg")
    systems = []
    for row in estate:
        priced = row.strategy not in MOVING_STRATEGIES or bool(row.monthly_cost_by_option)
        azure = azure_price(row, "payg") if priced else 0.0
        one_time = one_time_of(row.strategy, row.storage_gb, assumptions) if priced else 0.0
        if row.strategy not in MOVING_STRATEGIES:
            azure = 0.0
        systems.append(PlanSystem(
            id=row.id, name=row.name, environment=row.environment, criticality=row.criticality,
            application=row.application, business_unit=row.business_unit, strategy=row.strategy,
            storage_gb=row.storage_gb, monthly_saving=savings[row.id] if priced else 0.0,
            workload_type=row.workload_type, tags=row.tags, pinned_wave=pins.get(row.id),
            azure_monthly=azure, one_time_cost=one_time))
    return systems


@task(name="store-plan", cache_policy=NONE)
@collector_paused()
def store_plan(computed: ComputedPlan, *, pin_reason: str = "") -> StoredPlan:
    """The new pins, the freezes and the plan, in one transaction: a failed plan records none of them."""
    with session_scope(get_settings().db_url) as session:
        plan_store.save_pins(computed.new_pins, reason=pin_reason, session=session)
        plan_store.freeze_waves(computed.freeze, session=session)
        return plan_store.save_plan(computed.plan, computed.policy, session=session)


@task(name="export-plan", cache_policy=NONE)
@collector_paused()
def export_plan(paths: list[str], quality: PlanQuality | None = None) -> list[str]:
    with session_scope(get_settings().db_url) as session:
        rows = plan_rows(session=session)
        waves = plan_store.wave_overview(session=session)
    written = []
    for text in paths:
        path = get_settings().resolve_path(text)
        if path.suffix.lower() == ".xlsx":
            written.append(str(write_plan_xlsx(rows, waves, path,
                                               quality=quality.rows() if quality else ())))
        else:
            written.append(str(write_plan_csv(rows, path)))
    return written


def summary(computed: ComputedPlan, stored: StoredPlan, files: list[str]) -> PlanOutcome:
    plan = computed.plan
    waves = plan.waves
    return PlanOutcome(
        assessed_systems=computed.assessed,
        waves=len(waves),
        first_wave=waves[0].date if waves else None,
        last_wave=waves[-1].date if waves else None,
        planned_systems=sum(len(wave.systems) for wave in waves),
        excluded=len(plan.excluded),
        groups=len(plan.groups),
        oversized_groups=len(plan.oversized),
        cycles=len(plan.cycles),
        warnings=(*computed.notes, *plan.warnings),
        stored=stored,
        oversized=tuple(_oversized_line(item) for item in plan.oversized[:20]),
        files=tuple(files),
        objective=plan.objective,
        quality=tuple(computed.quality.rows()) if computed.quality else (),
        losing_groups=tuple(f"group {item.group_id}: net {item.net_first_wave:,.0f} USD over the horizon if moved "
                            f"first; {item.advice}" for item in plan.losing[:20]),
    )


def _oversized_line(item: OversizedGroup) -> str:
    line = (f"group {item.group.id} ({item.group.size} systems, {item.group.storage_tb:.1f} TB) exceeds "
            f"{', '.join(limit.value for limit in item.limits)}")
    if item.cut_suggestions:
        line += f"; cut: {item.cut_suggestions[0].reason}"
    return line


def publish(plan: WavePlan, quality: PlanQuality | None = None) -> None:
    if quality is not None:
        lines = [f"**Wave order: {plan.objective}** (bound: {quality.bound_method})", "",
                 "| months | our net (USD) | naive order | upper bound | ours / naive | ours / bound |",
                 "|---:|---:|---:|---:|---:|---:|"]
        for row in quality.rows():
            lines.append(f"| {row['horizon_months']} | {row['chosen_net']:,.0f} | {row['naive_net']:,.0f} | "
                         f"{row['bound_net']:,.0f} | {row['chosen_vs_naive']} | {row['chosen_vs_bound']} |")
        lines += ["", f"{len(plan.losing)} move group(s) lose money over the horizon (see `plan` output)."]
        create_markdown_artifact(markdown="\n".join(lines), key="wave-plan-quality",
                                 description="Cash flow of the wave order beside the naive order and a bound")
    table = [{"wave": wave.number, "name": wave.name, "date": wave.date.isoformat(), "systems": len(wave.systems),
              "storage_tb": round(wave.storage_tb, 2), "groups": len(wave.groups)} for wave in plan.waves]
    create_table_artifact(table=table, key="wave-plan", description="Waves: date, systems, storage")


@flow(name="plan-waves")
def plan_flow(params: PlanParameters) -> PlanOutcome:
    """Group dependent systems, order and pack them into dated waves; keep frozen and started waves. Pins or
    freezes that cannot be applied end the run Refused, in one line, before anything is written."""
    try:
        check_input(params)
    except BadInputError as e:
        return rejected(e)  # type: ignore[return-value]  # Prefect ends the run in a returned state
    computed = compute_plan(params)
    stored = store_plan(whole(computed), pin_reason=params.pin_reason)
    publish(computed.plan, computed.quality)
    outcome = summary(computed, stored, export_plan(params.out, computed.quality) if params.out else [])
    get_run_logger().info("planned %s systems into %s waves", outcome.planned_systems, outcome.waves)
    reschedule_due_waves()
    return outcome


def reschedule_due_waves() -> None:
    """The served run-due-waves deployment, if any, scheduled on the approved waves' new dates."""
    from flows.execution.due_waves import sync_due_schedule

    dates = sync_due_schedule(get_settings().db_url)
    if dates is not None:
        get_run_logger().info("run-due-waves scheduled on %s approved wave date(s)", dates)
