"""The `assess` flow: strategy, readiness and a priced Azure target for every active system, in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from pydantic import BaseModel, ConfigDict, Field

from flows import assessment_store as store
from flows.handoff import whole
from flows.parameters import AssessParameters, Override
from flows.progress import report
from flows.run_states import rejected
from flows.settings import get_settings
from inventory.collector import collector_paused
from inventory.db import session_scope
from inventory.errors import BadInputError
from migrations_plan.assessment import (
    AssessmentResult,
    AssessSettings,
    RuleSet,
    assess,
    default_rules,
    load_rules,
)
from migrations_plan.pricing import load_catalog
from migrations_plan.pricing.store import active_catalog_path
from migrations_plan.strategy_types import Readiness, Strategy


class MonthlyByOption(BaseModel):
    """The estate's priced Azure run rate (USD/month) under each pricing option."""

    model_config = ConfigDict(frozen=True)

    payg: float
    ri1y: float
    ri3y: float
    ri3y_ahb: float


class AssessOutcome(BaseModel):
    """What an assessment run found; the CLI, its --json and the demo read this."""

    model_config = ConfigDict(frozen=True)

    run_id: int
    systems: int
    region: str
    pricing: str
    catalog_as_of: dt.date | None
    rules: str
    by_strategy: Mapping[Strategy, int]
    by_readiness: Mapping[Readiness, int]
    not_ready: int
    azure_monthly: float
    azure_monthly_by_option: MonthlyByOption
    overridden: int
    # The assessment settings under Azure Migrate's names.
    settings: Mapping[str, str] = Field(default_factory=dict)


def rules_file(params: AssessParameters) -> Path | None:
    """The rules file asked for, a relative path taken under the files folder (flows/settings.py)."""
    return get_settings().resolve_path(params.rules) if params.rules else None


def check_input(params: AssessParameters) -> None:
    """What makes a run impossible, found before anything is written: a rules file missing or wrong, a region the
    price catalog does not price, an override of a system the inventory does not have (one name)."""
    path = rules_file(params)
    if path is not None:
        if not path.is_file():
            raise BadInputError.single(str(path), "rules file not found on the machine that runs the assessment")
        load_rules(path)
    regions = load_catalog(active_catalog_path()).regions()
    if params.region not in regions:
        raise BadInputError.single("region", f"unknown region {params.region!r}: the price catalog in use prices "
                                   f"{len(regions)} regions (a catalog refresh for that region adds it)")
    if params.overrides and not params.override_reason.strip():
        raise BadInputError.single("override_reason", "an override needs a reason: say why the rules are wrong here")
    if params.overrides:
        with session_scope(get_settings().db_url) as session:
            for override in params.overrides:
                store.system_id_by_name(override.system, session=session)


@task(name="record-overrides", cache_policy=NONE)
def record_overrides(overrides: list[Override], reason: str) -> int:
    with session_scope(get_settings().db_url) as session:
        return len(store.save_overrides(overrides, reason=reason, author=None, session=session))


@task(name="assess-estate", cache_policy=NONE)
@collector_paused()
def assess_estate(params: AssessParameters) -> tuple[AssessmentResult, AssessSettings]:
    path = rules_file(params)
    rules = load_rules(path) if path is not None else default_rules()
    settings = settings_of(params, rules=rules)
    catalog = load_catalog()
    with session_scope(get_settings().db_url) as session:
        inputs = store.load_assess_inputs(session=session)
        overrides = store.load_overrides(session=session)
    report("assess", 0, len(inputs))
    result = assess(inputs, catalog=catalog, settings=settings, overrides=overrides)
    report("assess", len(inputs), len(inputs))
    return result, settings


def settings_of(params: AssessParameters, *, rules: RuleSet) -> AssessSettings:
    """The pure assessment settings of a run's parameters, dated today."""
    return AssessSettings(
        as_of=store.today(), region=params.region, pricing=params.pricing, ahb=params.ahb, sizing=params.sizing,
        percentile=params.percentile, performance_history_days=params.performance_history_days,
        comfort_factor=params.comfort_factor, vm_series=tuple(params.series), burstable=params.burstable,
        discount_pct=params.discount, default_environment=params.default_environment,
        cap_at_allocation=params.cap_at_allocation, currency=params.currency, rules=rules,
    )


@task(name="store-assessment", cache_policy=NONE)
@collector_paused()
def store_assessment(result: AssessmentResult, settings: AssessSettings) -> int:
    with session_scope(get_settings().db_url) as session:
        return store.save_assessment(result, settings, session=session)


def summary(result: AssessmentResult, run_id: int) -> AssessOutcome:
    def monthly(key: str) -> float:
        return round(result.monthly_total(key), 2)

    return AssessOutcome(
        run_id=run_id,
        systems=len(result.assessments),
        region=result.region,
        pricing=result.pricing_key,
        catalog_as_of=result.catalog_as_of,
        rules=result.rules_source,
        by_strategy=result.counts_by_strategy(),
        by_readiness=result.counts_by_readiness(),
        not_ready=len(result.not_ready()),
        azure_monthly=round(result.monthly_total(), 2),
        azure_monthly_by_option=MonthlyByOption(payg=monthly("payg"), ri1y=monthly("ri1y"), ri3y=monthly("ri3y"),
                                                ri3y_ahb=monthly("ri3y_ahb")),
        overridden=sum(1 for a in result.assessments if a.overridden),
        settings=dict(result.settings),
    )


def publish(result: AssessmentResult) -> None:
    """Table artifacts: the settings, counts by strategy, the costliest targets, the systems that are not ready."""
    create_table_artifact(table=[{"setting": name, "value": value} for name, value in result.settings.items()],
                          key="assessment-settings", description="Assessment settings (Azure Migrate's names)")
    counts = [{"strategy": str(k), "systems": v} for k, v in result.counts_by_strategy().items()]
    create_table_artifact(table=counts, key="assessment-strategies", description="Systems by 7R strategy")
    priced = sorted((a for a in result.assessments if a.monthly_cost is not None),
                    key=lambda a: a.monthly_cost or 0.0, reverse=True)[:25]
    create_table_artifact(table=[{"system": a.name, "strategy": str(a.strategy), "target": str(a.target),
                                  "usd_per_month": round(a.monthly_cost or 0.0, 2)} for a in priced],
                          key="assessment-top-costs", description="The 25 costliest Azure targets")
    blocked = [{"system": a.name, "readiness": str(a.readiness), "reasons": "; ".join(a.readiness_reasons)}
               for a in result.not_ready()[:200]]
    if blocked:
        create_table_artifact(table=blocked, key="assessment-not-ready",
                              description=f"{len(result.not_ready())} systems not ready (first 200)")


@flow(name="assess-estate")
def assess_flow(params: AssessParameters) -> AssessOutcome:
    """Assess every active system: 7R strategy (rules + overrides), readiness, right-sized priced target. Input
    that cannot be assessed ends the run Refused, in one line, before anything is written."""
    try:
        check_input(params)
    except BadInputError as e:
        return rejected(e)  # type: ignore[return-value]  # Prefect ends the run in a returned state
    if params.overrides:
        record_overrides(params.overrides, params.override_reason)
    result, settings = assess_estate(params)
    run_id = store_assessment(whole(result), settings)
    publish(result)
    outcome = summary(result, run_id)
    get_run_logger().info("assessed %s systems: %s", outcome.systems,
                          {str(strategy): count for strategy, count in outcome.by_strategy.items()})
    return outcome
