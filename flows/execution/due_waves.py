"""The `run-due-waves` flow and its schedule: runs exist only on the dates of waves the change board approved.

An hourly schedule left a "none due" run every hour. Instead the served deployment is scheduled on the dates of
the frozen (approved), not yet started waves, at `DUE_HOUR` UTC: `serve` sets that schedule when it starts, and
planning sets it again whenever the plan changes (`sync_due_schedule`). A run started by hand when nothing is due
ends Completed, named "Nothing due", in one line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session, col

from flows.execution.results import RunWaveOutcome, WaveRunFailed, outcome_of
from flows.execution.runs import due_waves
from flows.parameters import EmptyOrText, RunWaveParameters
from flows.run_states import finished
from flows.settings import get_settings
from inventory.db import session_scope
from inventory.tables import Wave, WaveStatus

DEPLOYMENT = "run-due-waves/run-due-waves"
DUE_HOUR = 6  # UTC: a wave's date is a day; its window opens at this hour


class DueWavesParameters(BaseModel):
    """The scheduled deployment's form: which backend and policy the due waves run with."""

    on_failure: Literal["continue", "rollback-workload", "rollback-wave"] = Field(
        default="rollback-workload", title="When a workload fails",
        description="rollback-workload: undo the failed workload, the others go on; continue: leave it for a retry; "
                    "rollback-wave: undo the whole wave.")
    backend: Literal["simulator", "azure"] = Field(default="simulator", title="Backend",
                                                   description="Where the due waves move: the simulator or Azure.")
    azure_adapter: Literal["shell", "simulator"] = Field(
        default="shell", title="Azure: who replicates and cuts over",
        description="The commands of the adapters file (shell), or the simulator (a rehearsal).")
    azure_adapters_file: EmptyOrText = Field(default=None, title="Azure: adapters file",
                                             description="With the shell adapter: the YAML file of commands.")
    azure_resource_group: str = Field(default="lm-wave-{wave}", title="Azure: resource group",
                                      description="Each wave's resource group ({wave} is its number).")
    simulator_state: str = Field(default="lumen-simulator", title="Simulator state folder",
                                 description="Relative: under the files folder of the serving machine.")


def due_dates(*, session: Session, now: dt.datetime | None = None) -> list[dt.datetime]:
    """When the waves approved and not started yet open: their dates at DUE_HOUR UTC, from now on."""
    moment = now or dt.datetime.now(dt.UTC)
    days = session.scalars(select(col(Wave.planned_date)).where(
        col(Wave.frozen).is_(True), col(Wave.status) == WaveStatus.PLANNED.value).distinct())
    return sorted(when for day in days
                  if (when := dt.datetime.combine(day, dt.time(DUE_HOUR), tzinfo=dt.UTC)) > moment)


def due_schedules(dates: list[dt.datetime]) -> list[Any]:
    """The deployment schedules for these dates (none: no run is ever made)."""
    if not dates:
        return []
    from dateutil.rrule import DAILY, rrule, rruleset  # type: ignore[import-untyped]
    from prefect.client.schemas.schedules import RRuleSchedule

    dates_set = rruleset()
    dates_set.rrule(rrule(DAILY, dtstart=dates[0], count=1))
    for when in dates[1:]:
        dates_set.rdate(when)
    return [RRuleSchedule.from_rrule(dates_set)]


def sync_due_schedule(db_url: str) -> int | None:
    """Point the served run-due-waves deployment's schedule at today's approved wave dates. Returns how many dates,
    or None when no such deployment is registered (nothing to do)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with session_scope(db_url) as session:
        dates = due_dates(session=session)
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return None
        for schedule in deployment.schedules:
            client.delete_deployment_schedule(deployment.id, schedule.id)
        schedules = due_schedules(dates)
        if schedules:
            client.create_deployment_schedules(deployment.id, [(schedule, True) for schedule in schedules])
    return len(dates)


@flow(name="run-due-waves")
def run_due_waves_flow(params: DueWavesParameters) -> object:
    """Run, one after the other, every wave whose date has come and that the change board approved (frozen),
    and that no run has started yet. Each is a `run-wave` child run; a failed one does not stop the others."""
    from flows.execution.wave_flow import run_wave_flow

    logger = get_run_logger()
    with session_scope(get_settings().db_url) as session:
        due = due_waves(session=session)
    if not due:
        return finished([], name="Nothing due", message="no approved wave is due today")
    outcomes: list[RunWaveOutcome] = []
    for number in due:
        wave_params = RunWaveParameters(wave=number, on_failure=params.on_failure, backend=params.backend,
                                        azure_adapter=params.azure_adapter,
                                        azure_adapters_file=params.azure_adapters_file,
                                        azure_resource_group=params.azure_resource_group,
                                        simulator_state=params.simulator_state)
        try:
            outcomes.append(outcome_of(run_wave_flow(wave_params, return_state=True)))
        except WaveRunFailed as e:
            outcomes.append(e.outcome)
            logger.warning("wave %s: %s", number, e)
    logger.info("due waves run: %s", ", ".join(str(number) for number in due))
    return outcomes
