"""Running a whole wave: initialization, every workload (mapped by the caller: threads, or Prefect tasks),
finalization, the wave policy, and the states and counts that follow. No Prefect here; `wave_flow` wraps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flows.execution.backend import Backend, StepContext
from flows.execution.engine import (
    Approvals,
    ExecutionPolicy,
    OnFailure,
    Outcome,
    WaveStop,
    WorkloadResult,
    WorkloadRunner,
)
from flows.execution.journal import Action, Event, Journal
from flows.execution.runs import RunHandle, finish_run, move_state, states_of
from inventory.tables import RunStatus, SystemState, WaveStatus
from migrations_plan.execution import GroupKind, Step, Workload, WorkloadPlan
from migrations_plan.strategy_types import Strategy

Mapper = Callable[[Callable[[WorkloadPlan], WorkloadResult], Sequence[WorkloadPlan]], list[WorkloadResult]]
_EDGE = Workload(0, "(wave)", Strategy.REHOST)
_STATE_AFTER = {Outcome.MIGRATED: SystemState.MIGRATED, Outcome.DECOMMISSIONED: SystemState.DECOMMISSIONED,
                Outcome.ROLLED_BACK: SystemState.ROLLED_BACK, Outcome.REJECTED: SystemState.ROLLED_BACK}


def thread_mapper(max_workers: int) -> Mapper:
    def run(fn: Callable[[WorkloadPlan], WorkloadResult], plans: Sequence[WorkloadPlan]) -> list[WorkloadResult]:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="workload") as pool:
            return list(pool.map(fn, plans))
    return run


@dataclass(frozen=True)
class WaveOutcome:
    wave_number: int
    run_id: int
    resumed: bool
    status: RunStatus
    results: tuple[WorkloadResult, ...]

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome in outcomes)

    @property
    def awaiting(self) -> tuple[WorkloadResult, ...]:
        return tuple(result for result in self.results if result.outcome is Outcome.AWAITING_APPROVAL)


def context_factory(handle: RunHandle) -> Callable[[WorkloadPlan, Step, int], StepContext]:
    def context_for(plan: WorkloadPlan, step: Step, attempt: int) -> StepContext:
        workload = plan.workload
        return StepContext(handle.run_id, handle.wave_number, workload.system_id, workload.name, step.key,
                           step.kind, attempt, workload.target_service, workload.target_sku, workload.region)
    return context_for


def execute_wave(handle: RunHandle, *, db_url: str, backend: Backend, policy: ExecutionPolicy,
                 approvals: Approvals, mapper: Mapper | None = None,
                 only: Sequence[int] | None = None, on_step: Callable[[], None] | None = None) -> WaveOutcome:
    """Run the wave's runbook from where its journal is. `only` limits the run to some workloads (retry)."""
    journal = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id)
    stop = WaveStop()
    runner = WorkloadRunner(backend, journal, policy, context_factory(handle), approvals=approvals, stop=stop,
                            on_step=on_step)
    runbook = handle.runbook
    failures = 0

    def edge(kind: GroupKind) -> WorkloadResult | None:
        steps = tuple(step for group in runbook.groups if group.kind is kind for step in group.steps)
        return runner.run(WorkloadPlan(_EDGE, steps)) if steps else None

    def one(plan: WorkloadPlan) -> WorkloadResult:
        nonlocal failures
        if stop.is_set():
            return WorkloadResult(plan.workload.system_id, plan.workload.name, Outcome.NOT_STARTED)
        move_state(db_url, [plan.workload.system_id], SystemState.MIGRATING)
        result = runner.run(plan)
        after = _STATE_AFTER.get(result.outcome)
        if after is not None:
            move_state(db_url, [plan.workload.system_id], after)
        if result.outcome in (Outcome.FAILED, Outcome.ROLLED_BACK) and result.failed_step:
            failures += 1
            if policy.max_failures is not None and failures > policy.max_failures:
                stop.set()
        return result

    plans = [plan for plan in runbook.workloads if only is None or plan.workload.system_id in only]
    first = edge(GroupKind.INITIALIZATION) if only is None else None
    if first is not None and first.outcome is not Outcome.MIGRATED:
        results = [first]
    else:
        results = (mapper or thread_mapper(8))(one, plans)
        if only is None and all(r.outcome in (Outcome.MIGRATED, Outcome.DECOMMISSIONED) for r in results):
            last = edge(GroupKind.FINALIZATION)
            if last is not None and last.outcome is not Outcome.MIGRATED:
                results.append(last)
    if policy.on_failure is OnFailure.ROLLBACK_WAVE and stop.is_set():
        by_system = {plan.workload.system_id: plan for plan in plans}
        results = [_roll_back(runner, db_url, by_system[r.system_id], r) if r.system_id in by_system else r
                   for r in results]
    return finish_wave(handle, db_url, tuple(results), rolled_back_wave=policy.on_failure is OnFailure.ROLLBACK_WAVE
                   and stop.is_set())


def _roll_back(runner: WorkloadRunner, db_url: str, plan: WorkloadPlan, result: WorkloadResult) -> WorkloadResult:
    if result.outcome in (Outcome.NOT_STARTED, Outcome.ROLLED_BACK, Outcome.REJECTED):
        return result
    left = runner.compensate(plan)
    move_state(db_url, [plan.workload.system_id], SystemState.ROLLED_BACK)
    return WorkloadResult(result.system_id, result.name, Outcome.FAILED if left else Outcome.ROLLED_BACK,
                          result.steps_done, result.failed_step, result.error or "rolled back with the wave",
                          left_behind=left)


def finish_wave(handle: RunHandle, db_url: str, results: tuple[WorkloadResult, ...], *,
            rolled_back_wave: bool) -> WaveOutcome:
    """The run's status from the states of all the wave's workloads (a retry of some finishes the whole). A wave
    whose every workload moved or was rejected (and undone) is completed: what moved counts as migrated."""
    states = states_of(db_url, [plan.workload.system_id for plan in handle.runbook.workloads])
    rejected = rejected_systems(db_url, handle) & {system_id for system_id, state in states.items()
                                                   if state == SystemState.ROLLED_BACK}
    done = sum(1 for state in states.values() if state in (SystemState.MIGRATED, SystemState.DECOMMISSIONED))
    rolled = sum(1 for state in states.values() if state == SystemState.ROLLED_BACK)
    failed = sum(1 for r in results if r.outcome is Outcome.FAILED)
    if rolled_back_wave:
        status, wave_status = RunStatus.ROLLED_BACK, WaveStatus.ROLLED_BACK
    elif any(r.outcome is Outcome.AWAITING_APPROVAL for r in results):
        status, wave_status = RunStatus.PAUSED, None
    elif done + len(rejected) == len(states) and not failed:
        status, wave_status = RunStatus.COMPLETED, WaveStatus.COMPLETED
    else:
        status, wave_status = RunStatus.FAILED, None
    finish_run(db_url, handle.run_id, status=status, migrated=done, failed=failed, rolled_back=rolled,
               wave_done=wave_status)
    return WaveOutcome(handle.wave_number, handle.run_id, handle.resumed, status, results)


def rejected_systems(db_url: str, handle: RunHandle) -> set[int]:
    """The workloads of the run whose gate was answered no (by a person or by the timeout)."""
    state = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id).state()
    return {system_id for (system_id, _, action), record in state.items()
            if action is Action.DO and record.event is Event.REJECTED and system_id}
