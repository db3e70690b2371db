"""The assessed estate as wave planning and the savings report read it: one set-based read each.

`load_estate` gives planning each system with its strategy and target price; `load_savings_systems` gives the
savings model each system with its wave's months. Both read Core rows of the columns they need, never ORM objects:
they read the whole estate (100,000 rows) at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy import Text, cast, select
from sqlmodel import Session, col

from inventory.records import COST_LINE_NAMES
from inventory.tables import (
    Assessment,
    CostAssumption,
    System,
    SystemState,
    TargetMapping,
    Wave,
    WaveMember,
    WaveStatus,
    table_of,
)
from migrations_plan.savings import (
    AssumptionRow,
    CostAssumptions,
    SavingsSystem,
    assumptions_from_rows,
    default_assumptions,
)
from migrations_plan.savings.rules import switch_off_month
from migrations_plan.savings.scenarios import scenario_prices
from migrations_plan.strategy_types import Strategy


@dataclass(frozen=True, slots=True)
class EstateRow:
    """One active, assessed system as wave planning sees it: what groups and orders it, and what it saves."""

    id: int
    name: str
    environment: str
    criticality: str | None
    application: str | None
    business_unit: str | None
    workload_type: str | None
    tags: Mapping[str, str]
    strategy: Strategy
    cores: int | None
    storage_gb: float
    os_family: str
    db_engine: str | None
    cost_lines: Mapping[str, float | None]
    monthly_cost: float | None
    monthly_cost_by_option: Mapping[str, float]


def load_estate(*, session: Session) -> list[EstateRow]:
    """Every active system that has an assessment, with its target's price (outer join)."""
    system, assessment, target = table_of(System), table_of(Assessment), table_of(TargetMapping)
    cost_columns = [system.c[f"cost_{line}"] for line in COST_LINE_NAMES]
    statement = (
        select(system.c.id, system.c.name, system.c.environment, system.c.criticality, system.c.application,
               system.c.business_unit, system.c.workload_type, system.c.tags, assessment.c.strategy,
               system.c.cores, system.c.storage_gb, system.c.os_family, system.c.db_engine,
               target.c.monthly_cost, target.c.monthly_cost_by_option, *cost_columns)
        .join(assessment, assessment.c.system_id == system.c.id)
        .outerjoin(target, target.c.system_id == system.c.id)
        .where(system.c.removed_at.is_(None))
        .order_by(system.c.id)
    )
    strategies = {strategy.value: strategy for strategy in Strategy}
    rows = []
    found = session.connection().execute(statement)
    for (system_id, name, environment, criticality, application, business_unit, workload_type, tags, strategy,
         cores, storage_gb, os_family, db_engine, monthly, by_option, *costs) in found:
        rows.append(EstateRow(
            id=system_id, name=name, environment=environment, criticality=criticality, application=application,
            business_unit=business_unit, workload_type=workload_type, tags=tags or {},
            strategy=strategies[strategy], cores=cores, storage_gb=storage_gb, os_family=os_family,
            db_engine=db_engine, cost_lines=dict(zip(COST_LINE_NAMES, costs, strict=True)), monthly_cost=monthly,
            monthly_cost_by_option=by_option or {},
        ))
    return rows


# States in which a system has moved off its legacy estate (what realised savings count).
MOVED_STATES = frozenset({SystemState.MIGRATED.value, SystemState.DECOMMISSIONED.value})


def load_savings_systems(*, session: Session) -> list[SavingsSystem]:
    """Every active, assessed system as the savings model sees it.

    Realised month: the month a completed wave finished, for the systems that did move in it (a workload rejected
    at its gate and rolled back realises nothing). A retired system is in no wave: it is switched off in
    the month of the first wave. Prices: see `scenario_prices` (empty when there is no target). Waves are read
    apart from the systems (a few hundred rows): 100,000 system rows carry only a wave id, no dates to parse."""
    system, assessment, target, member = table_of(System), table_of(Assessment), table_of(TargetMapping), \
        table_of(WaveMember)
    waves = {wave_id: (number, planned, completed_at.date() if status == WaveStatus.COMPLETED.value and
                       completed_at is not None else None)
             for wave_id, number, planned, status, completed_at in session.connection().execute(
                 select(col(Wave.id), col(Wave.number), col(Wave.planned_date), col(Wave.status),
                        col(Wave.completed_at)))}
    statement = (
        select(system.c.id, system.c.name, assessment.c.strategy, system.c.business_unit, system.c.application,
               system.c.cores, system.c.storage_gb, system.c.os_family, system.c.db_engine,
               cast(target.c.monthly_cost_by_option, Text), member.c.wave_id, system.c.state,
               *(system.c[f"cost_{line}"] for line in COST_LINE_NAMES))
        .join(assessment, assessment.c.system_id == system.c.id)
        .outerjoin(target, target.c.system_id == system.c.id)
        .outerjoin(member, member.c.system_id == system.c.id)
        .where(system.c.removed_at.is_(None))
        .order_by(system.c.id)
    )
    rows = session.connection().execute(statement).all()
    members = {row.wave_id for row in rows if row.wave_id is not None}
    wave_months = [waves[wave_id][1] for wave_id in members]
    strategies = {strategy.value: strategy for strategy in Strategy}
    no_wave = (None, None, None)
    # Prices read as JSON text and decoded once per distinct text: systems on the same size share one mapping.
    prices: dict[str | None, dict[str, float]] = {None: {}}
    systems = []
    for (system_id, name, strategy_value, business_unit, application, cores, storage_gb, os_family, db_engine,
         by_option, wave_id, state, *costs) in rows:
        strategy = strategies[strategy_value]
        azure_monthly = prices.get(by_option)
        if azure_monthly is None:
            azure_monthly = prices[by_option] = scenario_prices(orjson.loads(by_option))
        wave_number, planned, realised = no_wave if wave_id is None else waves[wave_id]
        if realised is not None and state not in MOVED_STATES:
            realised = None
        systems.append(SavingsSystem(
            id=str(system_id), name=name, strategy=strategy, business_unit=business_unit, application=application,
            wave_number=wave_number, planned_month=switch_off_month(strategy, planned, wave_months),
            realised_month=realised, cores=cores, storage_gb=storage_gb, os_family=os_family, db_engine=db_engine,
            cost_lines=dict(zip(COST_LINE_NAMES, costs, strict=True)),
            azure_monthly=azure_monthly, migration_data_gb=storage_gb,
        ))
    return systems


def assumptions_in_force(*, session: Session) -> CostAssumptions:
    """The cost assumptions the last savings report recorded (the user's file, if one was given), else the
    documented defaults: wave ordering weighs savings with the same figures finance sees."""
    rows = [AssumptionRow(row.key, row.value, row.unit, row.source)
            for row in session.scalars(select(CostAssumption).order_by(col(CostAssumption.id)))]
    return assumptions_from_rows(rows) if rows else default_assumptions()
