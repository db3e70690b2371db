"""Flow outcomes: frozen models whose JSON (`lumen-migrate --json`) keeps the keys users' scripts read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flows.assess_flow import AssessOutcome, MonthlyByOption
from flows.demo_flow import DemoImport, DemoOutcome, PilotRun, PilotSkipped
from flows.import_flow import ChangeCounts
from flows.plan_flow import PlanOutcome
from flows.plan_store import StoredPlan
from flows.report_flow import ReportOutcome
from migrations_plan.strategy_types import Readiness, Strategy

ASSESSED = AssessOutcome(
    run_id=1, systems=3, region="eastus2", pricing="payg", catalog_as_of=dt.date(2026, 8, 15), rules="rules.yaml",
    by_strategy={Strategy.REHOST: 2, Strategy.RETIRE: 1}, by_readiness={Readiness.READY: 3}, not_ready=0,
    azure_monthly=120.5, azure_monthly_by_option=MonthlyByOption(payg=120.5, ri1y=90.0, ri3y=60.0, ri3y_ahb=50.0),
    overridden=0)
PLANNED = PlanOutcome(
    assessed_systems=3, waves=1, first_wave=dt.date(2031, 1, 6), last_wave=dt.date(2031, 1, 6), planned_systems=2,
    excluded=1, groups=2, oversized_groups=0, cycles=0, warnings=(),
    stored=StoredPlan(waves=1, kept_waves=0, planned_systems=2, excluded=1), oversized=(), files=("plan.csv",))
SAVINGS = ReportOutcome(
    start=dt.date(2031, 1, 1), months=12, scenario="payg", net_12_months=-10.0, net_horizon=-10.0,
    payback_month=None, npv=-9.5, realised_net_horizon=0.0, legacy_monthly=300.0, azure_monthly=120.5,
    systems_with_inventory_costs=1, systems=3, unpriced_systems=0, unpriced_examples=(), files=("savings.csv",))
PILOT = PilotRun(wave=0, run_id=1, status="failed", workloads=2, migrated=1, rolled_back=1,
                 injected_failure="web-01 at cutover", left_behind=0)


def demo(execution: PilotRun | PilotSkipped) -> DemoOutcome:
    counts = ChangeCounts(added=3)
    return DemoOutcome(estate_files=("estate.csv", "estate-dependencies.csv"),
                       imported=DemoImport(systems=counts, dependencies=ChangeCounts()), assessment=ASSESSED,
                       plan=PLANNED, savings=SAVINGS, execution=execution)


def test_the_demo_json_has_the_keys_of_every_stage() -> None:
    data = demo(PILOT).model_dump(mode="json")
    assert list(data) == ["estate_files", "import", "assessment", "plan", "savings", "execution"]
    assert data["import"]["systems"] == {"added": 3, "changed": 0, "unchanged": 0, "removed": 0}
    assert data["assessment"]["by_strategy"] == {"rehost": 2, "retire": 1}
    assert data["assessment"]["catalog_as_of"] == "2026-08-15"
    assert data["plan"]["first_wave"] == "2031-01-06" and data["plan"]["stored"]["kept_waves"] == 0
    assert data["savings"]["start"] == "2031-01-01" and data["savings"]["payback_month"] is None
    assert data["execution"]["injected_failure"] == "web-01 at cutover"


@pytest.mark.parametrize(("execution", "expected"), [
    (PilotSkipped(wave=None), {"wave": None}),
    (PilotSkipped(wave=0, workloads=0), {"wave": 0, "workloads": 0}),
    (PILOT, {"wave": 0, "run_id": 1, "status": "failed", "workloads": 2, "migrated": 1, "rolled_back": 1,
             "injected_failure": "web-01 at cutover", "left_behind": 0}),
], ids=["no wave", "an empty wave", "run"])
def test_a_pilot_that_did_not_run_says_only_what_is_known(execution: PilotRun | PilotSkipped,
                                                          expected: dict[str, Any]) -> None:
    assert demo(execution).model_dump(mode="json")["execution"] == expected


@pytest.mark.parametrize("outcome", [ASSESSED, PLANNED, SAVINGS, PILOT, demo(PILOT)],
                         ids=lambda outcome: type(outcome).__name__)
def test_outcomes_are_frozen(outcome: BaseModel) -> None:
    field = next(iter(type(outcome).model_fields))
    with pytest.raises(ValidationError):
        setattr(outcome, field, None)
