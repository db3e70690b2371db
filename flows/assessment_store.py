"""Database side of assessment: the estate as assessment inputs, overrides, and storing results in bulk.

Planning code (migrations_plan) never touches the database; this module turns rows into its inputs and its
results into rows. Writes use Core statements on whole tables, not a loop of session.add.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Text, cast, delete, func, insert, select
from sqlmodel import Session, col

from flows import parameters
from inventory.bulk import BulkStatement, json_text
from inventory.errors import BadInputError
from inventory.lifecycle import set_state
from inventory.records import Criticality, Environment, OsFamily, PowerState, SystemKind
from inventory.tables import (
    Assessment as AssessmentRow,
)
from inventory.tables import (
    AssessmentRun,
    Dependency,
    StrategyOverride,
    System,
    SystemState,
    TargetMapping,
    table_of,
    utcnow,
)
from migrations_plan.assessment import AssessInput, Assessment, AssessmentResult, AssessSettings, DiskLoad, Override
from migrations_plan.strategy_types import Strategy

ACTIVE = col(System.removed_at).is_(None)


def _lookup(kind: Any) -> dict[str | None, Any]:
    return {member.value: member for member in kind}


_KINDS, _FAMILIES, _ENVIRONMENTS = _lookup(SystemKind), _lookup(OsFamily), _lookup(Environment)
_CRITICALITIES, _POWER = _lookup(Criticality), _lookup(PowerState)


def dependency_degrees(*, session: Session) -> dict[int, int]:
    """Connections in and out per system, counted by the database."""
    degree: Counter[int] = Counter()
    for column in (Dependency.source_system_id, Dependency.target_system_id):
        for system_id, count in session.connection().execute(select(col(column), func.count()).group_by(col(column))):
            degree[system_id] += count
    return dict(degree)


def load_assess_inputs(*, session: Session) -> list[AssessInput]:
    """Every active system as an AssessInput, with its dependency count (in and out). Core rows, not ORM
    objects: this reads the whole estate (100,000 rows) in one pass."""
    degree = dependency_degrees(session=session)
    t = table_of(System)
    columns = (t.c.id, t.c.name, t.c.kind, t.c.os_name, t.c.os_family, t.c.os_version, t.c.os_arch,
               t.c.os_end_of_support, t.c.cores, t.c.memory_mb, t.c.cpu_util_pct, t.c.memory_util_pct,
               t.c.util_percentile, t.c.disks, t.c.storage_gb, t.c.environment, t.c.criticality, t.c.application,
               t.c.workload_type, t.c.db_engine, t.c.db_version, t.c.db_size_gb, t.c.power_state,
               cast(t.c.tags, Text), t.c.server_type)
    rows = session.connection().execute(select(*columns).where(t.c.removed_at.is_(None)).order_by(t.c.id))
    # Tags read as JSON text and decoded once per distinct text: an estate has few tag sets, shared by thousands.
    tag_sets: dict[str | None, dict[str, str]] = {None: {}}
    inputs = []
    for (system_id, name, kind, os_name, os_family, os_version, os_arch, end_of_support, cores, memory_mb, cpu, mem,
         percentile, disks, storage_gb, environment, criticality, application, workload_type, db_engine,
         db_version, db_size_gb, power_state, tags_text, server_type) in rows:
        tags = tag_sets.get(tags_text)
        if tags is None:
            tags = tag_sets[tags_text] = orjson.loads(tags_text)
        inputs.append(AssessInput(
            id=system_id, name=name, kind=_KINDS.get(kind, SystemKind.SERVER), os_name=os_name,
            os_family=_FAMILIES.get(os_family, OsFamily.UNKNOWN), os_version=os_version, os_arch=os_arch,
            os_end_of_support=end_of_support, cores=cores, memory_mb=memory_mb, cpu_util_pct=cpu,
            memory_util_pct=mem, util_percentile=percentile,
            disks=tuple(DiskLoad(d.get("size_gb", 0.0), d.get("read_iops"), d.get("write_iops"), d.get("read_mbps"),
                                 d.get("write_mbps")) for d in disks or ()),
            storage_gb=storage_gb, environment=_ENVIRONMENTS.get(environment, Environment.UNKNOWN),
            criticality=_CRITICALITIES.get(criticality), application=application, workload_type=workload_type,
            db_engine=db_engine, db_version=db_version, db_size_gb=db_size_gb,
            power_state=_POWER.get(power_state, PowerState.UNKNOWN), tags=tags,
            dependency_count=degree.get(system_id, 0), server_type=server_type,
        ))
    return inputs


def load_overrides(*, session: Session) -> dict[int, Override]:
    return {
        row.system_id: Override(Strategy(row.strategy), row.reason, row.author)
        for row in session.scalars(select(StrategyOverride))
    }


def parse_override(text: str) -> parameters.Override:
    """`SYSTEM=STRATEGY` from the command line."""
    name, sep, strategy = text.partition("=")
    if not sep or not name.strip() or not strategy.strip():
        raise BadInputError.single("--override", f"expected SYSTEM=STRATEGY, got {text!r}")
    try:
        return parameters.Override(system=name.strip(), strategy=Strategy(strategy.strip().lower()))
    except ValueError as e:
        choices = ", ".join(s.value for s in Strategy)
        raise BadInputError.single("--override", f"unknown strategy {strategy.strip()!r}; expected one of "
                                   f"{choices}") from e


def system_id_by_name(name: str, *, session: Session, what: str = "--override") -> int:
    """The id of the one active system called `name` (case-insensitive); bad input when none or several."""
    ids = [int(found) for found in session.scalars(
        select(col(System.id)).where(ACTIVE, col(System.name_key) == name.lower())) if found is not None]
    if not ids:
        raise BadInputError.single(what, f"unknown system {name!r}: not in the inventory")
    if len(ids) > 1:
        raise BadInputError.single(what, f"ambiguous system name {name!r}: {len(ids)} systems have it")
    return ids[0]


def save_overrides(overrides: Sequence[parameters.Override], *, reason: str, author: str | None,
                   session: Session) -> list[int]:
    """Record engineers' overrides (replacing earlier ones for the same systems). Returns the system ids."""
    if overrides and not reason.strip():
        raise BadInputError.single("--reason", "an override needs a reason: say why the rules are wrong here")
    ids = []
    now = utcnow()
    for override in overrides:
        system_id = system_id_by_name(override.system, session=session)
        session.execute(delete(StrategyOverride).where(col(StrategyOverride.system_id) == system_id))
        session.execute(insert(table_of(StrategyOverride)).values(
            system_id=system_id, strategy=override.strategy.value, reason=reason.strip(), author=author,
            created_at=now))
        ids.append(system_id)
    return ids


def save_assessment(result: AssessmentResult, settings: AssessSettings, *, session: Session) -> int:
    """Replace the stored assessment and targets of every assessed system. Returns the assessment run id."""
    run_id = session.execute(insert(table_of(AssessmentRun)).values(
        started_at=utcnow(), region=settings.region, pricing=result.pricing_key, ahb=settings.ahb,
        percentile=settings.percentile, comfort_factor=settings.comfort_factor, rules_source=result.rules_source,
        catalog_as_of=result.catalog_as_of or result.as_of, systems=len(result.assessments),
        settings=settings.describe(),
    ).returning(table_of(AssessmentRun).c.id)).scalar_one()
    # An assessment run covers the whole active estate: its results replace every stored one.
    session.execute(delete(AssessmentRow))
    session.execute(delete(TargetMapping))
    assessments = BulkStatement(session, insert(table_of(AssessmentRow)), (
        "system_id", "strategy", "rule_id", "reason", "overridden", "readiness", "readiness_reasons",
        "sizing_basis", "needed_vcpus", "needed_memory_gib"), constants={"run_id": run_id})
    assessments.run(
        (a.system_id, a.strategy.value, a.rule_id, a.reason, a.overridden, a.readiness.value,
         json_text(list(a.readiness_reasons)), a.sizing_basis.value if a.sizing_basis else None, a.needed_vcpus,
         a.needed_memory_gib)
        for a in result.assessments)
    targets = BulkStatement(session, insert(table_of(TargetMapping)), (
        "system_id", "service", "sku", "region", "disks", "monthly_cost", "monthly_cost_by_option",
        "cost_estimated", "cost_basis", "details"), constants={"run_id": run_id, "pricing_option": result.pricing_key})
    targets.run(_target_row(a) for a in result.assessments if a.target is not None)
    system = table_of(System)
    # A system execution has taken keeps its state (see inventory.lifecycle); unchanged rows are not rewritten.
    set_state(select(system.c.id).where(system.c.removed_at.is_(None)), SystemState.ASSESSED, session=session)
    return int(run_id)


def _target_row(a: Assessment) -> tuple[Any, ...]:
    assert a.target is not None
    target = a.target.to_dict()
    details = dict(target["details"])
    if a.sizing_note:
        details["sizing_note"] = a.sizing_note
    if a.sizing_reason:
        details["sizing_reason"] = a.sizing_reason
    if a.rejected_sizes:
        details["rejected_sizes"] = list(a.rejected_sizes)
    return (a.system_id, target["service"], target["sku"], target["region"], json_text(target["disks"]),
            a.monthly_cost, json_text(dict(a.monthly_cost_by_option)), a.cost_estimated, a.cost_basis,
            json_text(details))


def assessment_counts(*, session: Session) -> dict[str, Any]:
    """What `status` shows of the current assessment: strategies, readiness, Azure run rate."""
    joined = select(col(AssessmentRow.strategy), func.count()).join(
        System, col(System.id) == col(AssessmentRow.system_id)).where(ACTIVE).group_by(col(AssessmentRow.strategy))
    by_strategy = {str(k): int(v) for k, v in session.execute(joined)}
    readiness = select(col(AssessmentRow.readiness), func.count()).join(
        System, col(System.id) == col(AssessmentRow.system_id)).where(ACTIVE).group_by(col(AssessmentRow.readiness))
    by_readiness = {str(k): int(v) for k, v in session.execute(readiness)}
    run = session.scalars(select(AssessmentRun).order_by(col(AssessmentRun.id).desc()).limit(1)).first()
    monthly = session.scalar(select(func.sum(col(TargetMapping.monthly_cost))).join(
        System, col(System.id) == col(TargetMapping.system_id)).where(ACTIVE)) or 0.0
    return {
        "by_strategy": by_strategy, "by_readiness": by_readiness, "azure_monthly": float(monthly),
        "last_run": None if run is None else {"id": run.id, "region": run.region, "pricing": run.pricing,
                                              "started_at": run.started_at.isoformat(),
                                              "catalog_as_of": run.catalog_as_of.isoformat(),
                                              "settings": dict(run.settings or {})},
    }


def last_run_pricing(*, session: Session) -> str | None:
    """The pricing key ("ri3y_ahb") of the latest assessment run: its savings option and Hybrid Benefit."""
    return session.scalars(select(col(AssessmentRun.pricing)).order_by(col(AssessmentRun.id).desc()).limit(1)).first()


def last_run_settings(*, session: Session) -> tuple[int, dict[str, str]] | None:
    """The id and settings (Azure Migrate's names) of the latest assessment run; None before the first."""
    found = session.execute(select(col(AssessmentRun.id), col(AssessmentRun.settings))
                            .order_by(col(AssessmentRun.id).desc()).limit(1)).first()
    if found is None:
        return None
    return int(found[0]), dict(found[1] or {})


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
