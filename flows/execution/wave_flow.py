"""The `run-wave` flow: a wave's runbook executed by the engine, one Prefect task per workload.

Shape (measured on Prefect 3.9): one task per workload, its steps plain calls inside, journaled per step; a
bounded thread pool; a progress artifact updated about every 50 step completions and a table artifact of
per-workload results at the end. Production workloads pause before cutover with `pause_flow_run` and an
`ApprovalInput` form (the UI renders it; `lumen-migrate approve` answers it); partial approval moves only the
approved workloads on, a rejection or a timeout compensates. Two runs of one wave never overlap: a Prefect global
concurrency limit per wave (leased, created if missing, and refused rather than run unguarded) and the
database's wave lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, ConfigDict, Field

from flows.execution.backend import Backend
from flows.execution.engine import Decision, ExecutionPolicy, OnFailure, Outcome, RecordedApprovals, WorkloadResult
from flows.execution.journal import Action, Event, Journal
from flows.execution.runs import (
    LEASE_SECONDS,
    RunHandle,
    WaveBusyError,
    due_waves,
    latest_run,
    load_runbook,
    mark_run,
    open_run,
    renewed,
    set_flow_run,
    wave_lock,
)
from flows.execution.simulator import simulator_of
from flows.execution.wave import WaveOutcome, execute_wave, roll_back
from flows.handoff import whole
from flows.parameters import RunWaveParameters
from flows.settings import get_settings
from inventory.db import session_scope
from inventory.errors import LumenError
from inventory.tables import RunStatus
from migrations_plan.execution import Runbook, StepKind, WorkloadPlan

if TYPE_CHECKING:
    from flows.execution.azure_backend import WorkloadWhatIf

PROGRESS_EVERY_STEPS = 50
PROGRESS_SECONDS = 1.0  # how often the background poster looks at the step count


class ApprovalInput(RunInput):
    """The approval form of a paused wave run (Prefect renders it in the UI)."""

    approve: bool = Field(default=True, description="Approve (true) or reject (false) the workloads below.")
    systems: list[str] = Field(default_factory=list, description="Workloads this answer is for (empty: every "
                               "workload waiting).")
    approver: str = Field(default="", description="Who answers.")
    comment: str = Field(default="", description="Why.")
    change_reference: str = Field(default="", description="The change ticket (e.g. CHG-1042).")


class WorkloadLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    system: str
    outcome: str
    steps_done: int
    failed_step: str | None = None
    error: str | None = None
    left_behind: tuple[str, ...] = ()


class RunWaveOutcome(BaseModel):
    """What a wave run did; the CLI and its --json read this."""

    model_config = ConfigDict(frozen=True)

    wave: int
    run_id: int | None
    resumed: bool = False
    status: str
    dry_run: bool = False
    runbook: str = ""
    workloads: int = 0
    migrated: int = 0
    rolled_back: int = 0
    failed: int = 0
    awaiting_approval: int = 0
    not_started: int = 0
    results: tuple[WorkloadLine, ...] = ()
    what_if: tuple[WhatIfLine, ...] = ()  # the Azure dry run


class WhatIfLine(BaseModel):
    """What one workload's deployment would change (the Azure dry run)."""

    model_config = ConfigDict(frozen=True)

    system: str
    where: str
    changes: tuple[dict[str, str], ...] = ()
    problem: str | None = None


def what_if_lines(lines: Sequence[WorkloadWhatIf] | None) -> tuple[WhatIfLine, ...]:
    return tuple(WhatIfLine(system=line.system, where=line.where, changes=tuple(dict(c) for c in line.changes),
                            problem=line.problem) for line in lines or ())


class WaveRunFailed(LumenError):
    """A wave run ended with failed or rolled-back workloads; carries what happened to each."""

    def __init__(self, outcome: RunWaveOutcome) -> None:
        self.outcome = outcome
        failed = [line for line in outcome.results if line.outcome in ("failed", "rolled_back")]
        first = failed[0] if failed else None
        super().__init__(f"wave {outcome.wave} run {outcome.run_id}: {outcome.status}; {outcome.migrated} "
                         f"migrated, {outcome.rolled_back} rolled back, {outcome.failed} failed"
                         + (f" (first: {first.system} at {first.failed_step}: {first.error})" if first else ""))


def make_backend(params: RunWaveParameters, runbook: Runbook) -> Backend:
    """The backend the parameters name; Azure's is built (and its credential checked) only when asked for."""
    simulator = simulator_of(params)
    if params.backend == "simulator":
        return simulator
    from flows.execution.azure_backend import azure_backend

    return azure_backend(params, runbook, db_url=get_settings().db_url, simulator=simulator)


@contextmanager
def backend_for(params: RunWaveParameters, runbook: Runbook) -> Iterator[Backend]:
    """`make_backend` for one run, closed after it (the Azure backend's HTTP connections and its credential's
    token session)."""
    backend = make_backend(params, runbook)
    try:
        yield backend
    finally:
        backend.close()


def what_if_markdown(lines: Sequence[WorkloadWhatIf]) -> str:
    out = []
    for line in lines:
        out.append(f"- **{line.system}** ({line.where})" + (f": {line.problem}" if line.problem else ""))
        out += [f"  - {change['change']} {change['resource']}" + (f" ({change['changed']})"
                                                                  if change.get("changed") else "")
                for change in line.changes]
    return "\n".join(out) or "(no workload provisions anything)"


def policy_of(params: RunWaveParameters) -> ExecutionPolicy:
    return ExecutionPolicy(on_failure=OnFailure(params.on_failure), max_failures=params.max_failures)


@task(name="migrate-workload", task_run_name="{name}", cache_policy=NONE, retries=0)
def migrate_workload(run_one: Callable[[WorkloadPlan], WorkloadResult], plan: WorkloadPlan,
                     name: str) -> WorkloadResult:
    """One workload's steps (plain calls, journaled per step): one Prefect task per workload, not per step."""
    return run_one(plan)


def prefect_mapper(run_one: Callable[[WorkloadPlan], WorkloadResult],
                   plans: Sequence[WorkloadPlan]) -> list[WorkloadResult]:
    futures = [migrate_workload.submit(whole(run_one), whole(plan), plan.workload.name) for plan in plans]
    return [future.result() for future in futures]


@contextmanager
def prefect_wave_guard(wave_number: int) -> Iterator[None]:
    """Hold the wave's global concurrency slot (limit 1, created if missing) for the block, leased and renewed:
    a process killed while holding it frees it when its lease runs out, and the database lock covers the rest."""
    from httpx import HTTPStatusError
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists

    name = f"lumen-migrate-wave-{wave_number}"
    with get_client(sync_client=True) as client:
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        except ObjectAlreadyExists:
            pass
        try:
            response = client.increment_concurrency_slots_with_lease(
                names=[name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS)
        except HTTPStatusError as e:
            if e.response.status_code == 423:
                raise WaveBusyError(f"wave {wave_number} is already running (its Prefect concurrency limit "
                                    f"{name!r} is taken); wait for that run, or see the Prefect UI") from e
            raise
        lease = UUID(response.json()["lease_id"])
    with get_client(sync_client=True) as renewing:
        try:
            with renewed(lambda: renewing.renew_concurrency_lease(lease, lease_duration=LEASE_SECONDS),
                         name=f"wave-{wave_number}-slot"):
                yield
        finally:
            renewing.release_concurrency_slots_with_lease(lease)


def journal_decisions(journal: Journal) -> dict[tuple[int, str], Decision]:
    return {(system_id, key): Decision(record.event is Event.APPROVED)
            for (system_id, key, action), record in journal.state().items()
            if action is Action.DO and record.event in (Event.APPROVED, Event.REJECTED)}


def auto_decisions(runbook: Runbook) -> dict[tuple[int, str], Decision]:
    """Approval steps outside production pass on their own (production ones wait for a person)."""
    return {(plan.workload.system_id, step.key): Decision(True, actor="policy", comment="non-production")
            for plan in runbook.workloads if not plan.workload.production
            for step in plan.steps if step.kind is StepKind.APPROVE and not step.added_by_edit}


def to_outcome(handle: RunHandle, outcome: WaveOutcome, results: Sequence[WorkloadResult]) -> RunWaveOutcome:
    latest = {result.system_id: result for result in results}
    lines = tuple(WorkloadLine(system=r.name, outcome=r.outcome.value, steps_done=r.steps_done,
                               failed_step=r.failed_step, error=r.error, left_behind=r.left_behind)
                  for r in latest.values() if r.system_id)

    def count(*outcomes: Outcome) -> int:
        return sum(1 for r in latest.values() if r.system_id and r.outcome in outcomes)

    return RunWaveOutcome(wave=handle.wave_number, run_id=handle.run_id, resumed=handle.resumed,
                          status=outcome.status.value, workloads=len(handle.runbook.workloads),
                          migrated=count(Outcome.MIGRATED, Outcome.DECOMMISSIONED),
                          rolled_back=count(Outcome.ROLLED_BACK), failed=count(Outcome.FAILED),
                          awaiting_approval=count(Outcome.AWAITING_APPROVAL), not_started=count(Outcome.NOT_STARTED),
                          results=lines)


def _names_to_ids(runbook: Runbook, names: Sequence[str]) -> list[int]:
    ids = []
    for name in names:
        try:
            ids.append(runbook.workload(name).workload.system_id)
        except KeyError as e:
            raise LumenError(f"{name!r} is not a workload of wave {runbook.wave_number}") from e
    return ids


# A bounded pool: the default is unbounded (about 1,900 threads were seen for a 2,000-workload wave).
@flow(name="run-wave", task_runner=cast(Any, ThreadPoolTaskRunner(max_workers=8)))
def run_wave_flow(params: RunWaveParameters) -> RunWaveOutcome:
    """Execute a wave stage by stage on the chosen backend, with approval gates, compensation and resume."""
    logger = get_run_logger()
    db_url = get_settings().db_url
    if params.dry_run:
        with session_scope(db_url) as session:
            _, runbook = load_runbook(params.wave, session=session)
        what_if = None
        if params.backend == "azure":
            from flows.execution.azure_backend import dry_run_what_if

            what_if = dry_run_what_if(params, runbook, db_url=db_url)
        shown = f"```\n{runbook}\n```"
        if what_if is not None:
            shown += f"\n\nWhat-if:\n\n{what_if_markdown(what_if)}"
        create_markdown_artifact(markdown=shown, key=f"wave-{params.wave}-runbook",
                                 description=f"Runbook of wave {params.wave} (dry run)")
        return RunWaveOutcome(wave=params.wave, run_id=None, status="dry-run", dry_run=True, runbook=str(runbook),
                              workloads=len(runbook.workloads), what_if=what_if_lines(what_if))
    with prefect_wave_guard(params.wave):
        with session_scope(db_url) as session:
            handle = open_run(params.wave, backend=params.backend, on_failure=params.on_failure,
                              max_failures=params.max_failures, session=session)
        context = FlowRunContext.get()
        set_flow_run(db_url, handle.run_id, str(context.flow_run.id) if context and context.flow_run else None)
        with wave_lock(db_url, wave_id=handle.wave_id, wave_number=handle.wave_number, run_id=handle.run_id):
            result = _execute(params, handle, db_url)
    create_table_artifact(table=[line.model_dump(mode="json") for line in result.results],
                          key=f"wave-{params.wave}-results", description=f"Wave {params.wave}: {result.status}")
    logger.info("wave %s run %s: %s (%s migrated, %s rolled back, %s failed)", result.wave, result.run_id,
                result.status, result.migrated, result.rolled_back, result.failed)
    if result.failed or result.rolled_back or result.not_started:
        raise WaveRunFailed(result)
    return result


def _execute(params: RunWaveParameters, handle: RunHandle, db_url: str) -> RunWaveOutcome:
    with backend_for(params, handle.runbook) as backend:  # built (its credential checked) before anything else
        return _execute_on(params, handle, db_url, backend)


def _execute_on(params: RunWaveParameters, handle: RunHandle, db_url: str, backend: Backend) -> RunWaveOutcome:
    policy = policy_of(params)
    journal = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id)
    total_steps = max(1, len(handle.runbook.steps()))
    progress_id = cast(UUID, create_progress_artifact(progress=0.0, key=f"wave-{params.wave}-progress",
                                                      description=f"Wave {params.wave}, run {handle.run_id}"))
    steps, done, posted = itertools.count(1), [0], [0]

    def tick() -> None:
        done[0] = next(steps)  # one step finished (next() on a count is atomic between threads)

    def post() -> None:  # in the background: no workload thread waits on the API for the bar
        if done[0] - posted[0] >= PROGRESS_EVERY_STEPS:
            posted[0] = done[0]
            update_progress_artifact(progress_id, progress=min(100.0, 100.0 * posted[0] / total_steps))

    with renewed(post, name=f"wave-{params.wave}-progress", every=PROGRESS_SECONDS):
        return _execute_rounds(params, handle, db_url, backend=backend, policy=policy, journal=journal, tick=tick,
                               progress_id=progress_id)


def _execute_rounds(params: RunWaveParameters, handle: RunHandle, db_url: str, *, backend: Backend,
                    policy: ExecutionPolicy, journal: Journal, tick: Callable[[], None],
                    progress_id: UUID) -> RunWaveOutcome:
    decisions = {**auto_decisions(handle.runbook), **journal_decisions(journal)}
    only = _names_to_ids(handle.runbook, params.systems) if params.systems else None
    outcome = execute_wave(handle, db_url=db_url, backend=backend, policy=policy,
                           approvals=RecordedApprovals(decisions), mapper=prefect_mapper, only=only, on_step=tick)
    results = list(outcome.results)
    pending = {result.name: result for result in outcome.awaiting}
    round_number = 0
    while pending:
        round_number += 1
        try:
            timeout = max(1, int(params.approval_timeout_hours * 3600))
            answer = pause_flow_run(wait_for_input=ApprovalInput, timeout=timeout, poll_interval=min(10, timeout),
                                    key=f"wave-{params.wave}-run-{handle.run_id}-approval-{round_number}")
            assert isinstance(answer, ApprovalInput)
            chosen = [name for name in (answer.systems or list(pending)) if name in pending]
            decision = Decision(answer.approve, actor=answer.approver or "prefect-ui", comment=answer.comment,
                                change_reference=answer.change_reference)
        except FlowPauseTimeout:
            chosen = list(pending)
            decision = Decision(False, actor="timeout",
                                comment=f"no answer within {params.approval_timeout_hours:g} h")
        if not chosen:
            continue  # an answer naming no waiting workload: ask again
        mark_run(db_url, handle.run_id, RunStatus.RUNNING)
        for name in chosen:
            decisions[(pending[name].system_id, str(pending[name].awaiting))] = decision
        outcome = execute_wave(handle, db_url=db_url, backend=backend, policy=policy,
                               approvals=RecordedApprovals(decisions), mapper=prefect_mapper,
                               only=[pending[name].system_id for name in chosen], on_step=tick)
        results.extend(outcome.results)
        for result in outcome.results:
            pending.pop(result.name, None)
            if result.outcome is Outcome.AWAITING_APPROVAL:
                pending[result.name] = result  # a later gate of the same workload
        if pending:
            mark_run(db_url, handle.run_id, RunStatus.PAUSED)
    update_progress_artifact(progress_id, progress=100.0)
    return to_outcome(handle, outcome, results)


@flow(name="rollback-wave")
def rollback_wave_flow(params: RunWaveParameters) -> RunWaveOutcome:
    """Undo, from the journal, what the wave's latest run did: every workload (cut-over ones too) or `systems`."""
    db_url = get_settings().db_url
    with prefect_wave_guard(params.wave):
        with session_scope(db_url) as session:
            run = latest_run(params.wave, session=session)
            _, runbook = load_runbook(params.wave, session=session)
            assert run.id is not None
            handle = RunHandle(run.id, run.wave_id, params.wave, True, runbook)
        only = _names_to_ids(runbook, params.systems) if params.systems else None
        with wave_lock(db_url, wave_id=handle.wave_id, wave_number=handle.wave_number,
                       run_id=handle.run_id), backend_for(params, runbook) as backend:
            outcome = roll_back(handle, db_url=db_url, backend=backend, policy=policy_of(params), only=only)
    result = to_outcome(handle, outcome, outcome.results)
    create_table_artifact(table=[line.model_dump(mode="json") for line in result.results],
                          key=f"wave-{params.wave}-rollback", description=f"Rollback of wave {params.wave}")
    if result.failed:
        raise WaveRunFailed(result)
    return result


class DueWavesParameters(BaseModel):
    """The scheduled deployment's form: which backend and policy the due waves run with."""

    on_failure: str = Field(default="rollback-workload", description="continue, rollback-workload or "
                            "rollback-wave.")
    backend: Literal["simulator", "azure"] = Field(default="simulator", description="Where the due waves move.")
    azure_adapter: Literal["shell", "simulator"] = Field(default="shell", description="Azure: shell commands "
                                                         "(the adapters file) or the simulator.")
    azure_adapters_file: str | None = Field(default=None, description="Azure, shell adapter: the adapters file.")
    azure_resource_group: str = Field(default="lm-wave-{wave}", description="Azure: each wave's resource group.")
    simulator_state: str = Field(default="lumen-simulator", description="Folder of the simulator's state.")


@flow(name="run-due-waves")
def run_due_waves_flow(params: DueWavesParameters | None = None) -> list[RunWaveOutcome]:
    """Run, one after the other, every wave whose date has come and that the change board approved (frozen),
    and that no run has started yet. Each is a `run-wave` child run; a failed one does not stop the others."""
    params = params or DueWavesParameters()
    logger = get_run_logger()
    with session_scope(get_settings().db_url) as session:
        due = due_waves(session=session)
    outcomes = []
    for number in due:
        wave_params = RunWaveParameters(wave=number, on_failure=params.on_failure, backend=params.backend,
                                        azure_adapter=params.azure_adapter,
                                        azure_adapters_file=params.azure_adapters_file,
                                        azure_resource_group=params.azure_resource_group,
                                        simulator_state=params.simulator_state)
        try:
            outcomes.append(run_wave_flow(wave_params))
        except WaveRunFailed as e:
            outcomes.append(e.outcome)
            logger.warning("wave %s: %s", number, e)
    logger.info("due waves run: %s", ", ".join(str(number) for number in due) or "none")
    return outcomes
