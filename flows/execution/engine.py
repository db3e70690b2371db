"""The execution engine: one workload's runbook steps against a backend, journaled, compensated on failure.

Per step: skip it if the journal says it is done; if the journal holds only its intent (the process died while
it ran), ask the backend what it left and record that; otherwise write the intent, act (retrying transient
errors with backoff), write the outcome. A failure compensates, in reverse order, every step that succeeded
and has a compensation, unless the wave policy is `continue` (the workload then waits, failed, for `retry`).
Gates (approve, manual) are decided by an `Approvals` source; an undecided gate pauses the workload.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from flows.execution.adapters import context_values, run_command
from flows.execution.backend import Backend, BackendError, StepContext, StepOutcome, TransientBackendError
from flows.execution.journal import Action, Event, Journal, StepRecord, undone_since
from migrations_plan.execution import Compensation, Step, StepKind, WorkloadPlan


class OnFailure(StrEnum):
    CONTINUE = "continue"
    ROLLBACK_WORKLOAD = "rollback-workload"
    ROLLBACK_WAVE = "rollback-wave"


@dataclass(frozen=True)
class ExecutionPolicy:
    on_failure: OnFailure = OnFailure.ROLLBACK_WORKLOAD
    max_failures: int | None = None
    retries: int = 3
    backoff_s: float = 0.5
    shell_timeout_s: float = 3600.0


class Outcome(StrEnum):
    MIGRATED = "migrated"
    DECOMMISSIONED = "decommissioned"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"  # failed and left as it is (policy continue, or a compensation that failed)
    REJECTED = "rejected"  # an approver said no (or nobody answered in time): undone, not a failure
    AWAITING_APPROVAL = "awaiting_approval"
    NOT_STARTED = "not_started"


@dataclass(frozen=True)
class WorkloadResult:
    system_id: int
    name: str
    outcome: Outcome
    steps_done: int = 0
    failed_step: str | None = None
    error: str | None = None
    awaiting: str | None = None
    left_behind: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    approved: bool
    actor: str | None = None
    comment: str = ""
    change_reference: str = ""


class Approvals(Protocol):
    def decision(self, system_id: int, step: Step) -> Decision | None:
        """The answer for this gate, or None while nobody has answered."""


@dataclass
class RecordedApprovals:
    """Decisions taken so far in this run (from the journal, or given by a person), by (system, step key)."""

    decisions: dict[tuple[int, str], Decision] = field(default_factory=dict)
    auto_approve: bool = False

    def decision(self, system_id: int, step: Step) -> Decision | None:
        found = self.decisions.get((system_id, step.key))
        if found is None and self.auto_approve:
            return Decision(True, actor="auto", comment="non-interactive run")
        return found


class WaveStop(threading.Event):
    """Set when the wave policy stops starting (or continuing) workloads."""


ContextFor = Callable[[WorkloadPlan, Step, int], StepContext]


class WorkloadRunner:
    """Runs the workloads of one wave run; thread-safe (one workload per call)."""

    def __init__(self, backend: Backend, journal: Journal, policy: ExecutionPolicy, context_for: ContextFor, *,
                 approvals: Approvals, stop: WaveStop | None = None,
                 sleep: Callable[[float], None] = time.sleep, on_step: Callable[[], None] | None = None) -> None:
        self.backend, self.journal, self.policy = backend, journal, policy
        self.context_for, self.approvals = context_for, approvals
        self.stop = stop or WaveStop()
        self.sleep = sleep
        self.on_step = on_step

    # ------------------------------------------------------------------ forward
    def run(self, plan: WorkloadPlan) -> WorkloadResult:
        """Run the workload's steps from where the journal says it is. System id 0 is the wave's own
        initialization or finalization steps (journaled without a system)."""
        workload = plan.workload
        state = self.journal.state(workload.system_id)
        done = 0
        for step in plan.steps:
            record = state.get((workload.system_id, step.key, Action.DO))
            if record is not None and undone_since(state, workload.system_id, step.key):
                record = StepRecord(Event.FAILED, record.attempt, record.seq)  # undone: act again, next attempt
            if record is not None and record.done:
                done += 1
                continue
            if record is not None and record.event is Event.REJECTED:
                return self._rejected(plan, step, record.error or "rejected at the gate")
            if self.stop.is_set() and record is None and done == 0:
                return WorkloadResult(workload.system_id, workload.name, Outcome.NOT_STARTED)
            if step.gate:
                decision = self.approvals.decision(workload.system_id, step)
                if decision is None:
                    if record is None or record.event is not Event.AWAITING:
                        self.journal.write(workload.system_id, step.key, step.kind.value, Action.DO, Event.AWAITING)
                    return WorkloadResult(workload.system_id, workload.name, Outcome.AWAITING_APPROVAL, done,
                                          awaiting=step.key)
                self._record_decision(workload.system_id, step, decision)
                if not decision.approved:
                    return self._rejected(plan, step, f"rejected by {decision.actor or 'an approver'}"
                                          + (f": {decision.comment}" if decision.comment else ""))
                done += 1
                continue
            attempt = (record.attempt + 1) if record is not None and record.event is Event.FAILED else \
                (record.attempt if record is not None else 1)
            if record is not None and record.event is Event.INTENT:
                reconciled = self.backend.describe(self.context_for(plan, step, record.attempt))
                if reconciled is not None and reconciled.complete:
                    self.journal.write(workload.system_id, step.key, step.kind.value, Action.DO, Event.SUCCEEDED,
                                       attempt=record.attempt, resources=reconciled.resources,
                                       detail={**reconciled.detail, "reconciled": True})
                    done += 1
                    continue
            error = self._do(plan, step, attempt)
            if error is not None:
                return self._failed(plan, step, error, self.journal.state(workload.system_id))
            done += 1
        outcome = Outcome.DECOMMISSIONED if any(s.kind is StepKind.DECOMMISSION for s in plan.steps) \
            else Outcome.MIGRATED
        return WorkloadResult(workload.system_id, workload.name, outcome, done)

    def _record_decision(self, system_id: int, step: Step, decision: Decision) -> None:
        self.journal.write(system_id, step.key, step.kind.value, Action.DO,
                           Event.APPROVED if decision.approved else Event.REJECTED, actor=decision.actor,
                           error=None if decision.approved else (decision.comment or "rejected"),
                           detail={"comment": decision.comment, "change_reference": decision.change_reference})

    def _do(self, plan: WorkloadPlan, step: Step, first_attempt: int) -> str | None:
        """Act with retries; the error text when the step failed for good."""
        attempt = first_attempt
        while True:
            ctx = self.context_for(plan, step, attempt)
            self.journal.write(plan.workload.system_id, step.key, step.kind.value, Action.DO, Event.INTENT,
                               attempt=attempt)
            started = time.perf_counter()
            try:
                outcome = self._dispatch(step, ctx)
            except TransientBackendError as e:
                self._journal_failure(plan, step, attempt, started, e, transient=True)
                if attempt - first_attempt >= self.policy.retries:
                    return f"{e} (after {attempt - first_attempt + 1} attempts)"
                self.sleep(self.policy.backoff_s * 2 ** (attempt - first_attempt))
                attempt += 1
                continue
            except Exception as e:  # noqa: BLE001 - any failure of a step is journaled and compensated
                self._journal_failure(plan, step, attempt, started, e, transient=False)
                return f"{type(e).__name__}: {e}" if not isinstance(e, BackendError) else str(e)
            self.journal.write(plan.workload.system_id, step.key, step.kind.value, Action.DO, Event.SUCCEEDED,
                               attempt=attempt, duration_ms=(time.perf_counter() - started) * 1000,
                               resources=outcome.resources, detail=outcome.detail)
            if self.on_step is not None:
                self.on_step()
            return None

    def _journal_failure(self, plan: WorkloadPlan, step: Step, attempt: int, started: float, error: Exception, *,
                         transient: bool) -> None:
        self.journal.write(plan.workload.system_id, step.key, step.kind.value, Action.DO, Event.FAILED,
                           attempt=attempt, duration_ms=(time.perf_counter() - started) * 1000, error=str(error),
                           detail={"transient": transient, "error_type": type(error).__name__})

    def _dispatch(self, step: Step, ctx: StepContext) -> StepOutcome:
        if step.kind is StepKind.SHELL:
            return run_shell(step, ctx, timeout_s=self.policy.shell_timeout_s)
        action: Callable[[StepContext], StepOutcome] = getattr(self.backend, step.kind.value)
        return action(ctx)

    # ------------------------------------------------------------------ backward
    def _failed(self, plan: WorkloadPlan, step: Step, error: str,
                state: Mapping[tuple[int, str, Action], StepRecord]) -> WorkloadResult:
        workload = plan.workload
        if self.policy.on_failure is OnFailure.CONTINUE:
            return WorkloadResult(workload.system_id, workload.name, Outcome.FAILED, failed_step=step.key,
                                  error=error)
        if self.policy.on_failure is OnFailure.ROLLBACK_WAVE:
            self.stop.set()
        left = self.compensate(plan, state)
        outcome = Outcome.FAILED if left else Outcome.ROLLED_BACK
        return WorkloadResult(workload.system_id, workload.name, outcome, failed_step=step.key, error=error,
                              left_behind=left)

    def _rejected(self, plan: WorkloadPlan, step: Step, reason: str) -> WorkloadResult:
        """A gate said no: the workload is undone whatever the wave policy (a rejection is an answer, not a
        failure: it neither stops the wave nor counts towards --max-failures)."""
        workload = plan.workload
        left = self.compensate(plan)
        return WorkloadResult(workload.system_id, workload.name, Outcome.FAILED if left else Outcome.REJECTED,
                              failed_step=step.key, error=reason, left_behind=left)

    def compensate(self, plan: WorkloadPlan,
                   state: Mapping[tuple[int, str, Action], StepRecord] | None = None) -> tuple[str, ...]:
        """Undo, in reverse order, every step of `plan` that took effect; returns what could not be undone."""
        workload = plan.workload
        state = state if state is not None else self.journal.state(workload.system_id)
        left: list[str] = []
        for step, did in to_undo(plan, state):
            resources = did.resources
            if did.event is not Event.SUCCEEDED:
                # Failed or cut short: the backend says what it left (a partial deployment, say).
                found = self.backend.describe(self.context_for(plan, step, did.attempt))
                if found is None:
                    continue
                resources = found.resources
            error = self._undo(plan, step, did.attempt, resources)
            if error:
                left.extend(resources or (f"{step.key}: {error}",))
        return tuple(left)

    def _undo(self, plan: WorkloadPlan, step: Step, attempt: int, resources: tuple[str, ...]) -> str | None:
        ctx = self.context_for(plan, step, attempt)
        system_id = plan.workload.system_id
        assert step.compensation is not None
        for retry in range(self.policy.retries + 1):
            self.journal.write(system_id, step.key, step.kind.value, Action.UNDO, Event.INTENT, attempt=retry + 1,
                               resources=resources, detail={"compensation": step.compensation.value})
            started = time.perf_counter()
            try:
                _COMPENSATIONS[step.compensation](self.backend, ctx, resources)
            except TransientBackendError as e:
                self.journal.write(system_id, step.key, step.kind.value, Action.UNDO, Event.FAILED,
                                   attempt=retry + 1, error=str(e), detail={"transient": True})
                self.sleep(self.policy.backoff_s * 2 ** retry)
                continue
            except Exception as e:  # noqa: BLE001 - a failed compensation is journaled and reported, never hidden
                self.journal.write(system_id, step.key, step.kind.value, Action.UNDO, Event.FAILED,
                                   attempt=retry + 1, error=str(e))
                return str(e)
            self.journal.write(system_id, step.key, step.kind.value, Action.UNDO, Event.SUCCEEDED, attempt=retry + 1,
                               duration_ms=(time.perf_counter() - started) * 1000, resources=resources)
            return None
        return "compensation kept failing (transient errors)"


def to_undo(plan: WorkloadPlan, state: Mapping[tuple[int, str, Action], StepRecord]) -> list[tuple[Step, StepRecord]]:
    """The steps of `plan` a rollback undoes, in the order it undoes them (reverse), each with its journal record:
    those with a compensation that took effect (succeeded, or started and cut short) and are not undone yet."""
    system_id = plan.workload.system_id
    found = []
    for step in reversed(plan.steps):
        did = state.get((system_id, step.key, Action.DO))
        if step.compensation is None or did is None or undone_since(state, system_id, step.key):
            continue
        if did.event in (Event.SUCCEEDED, Event.INTENT, Event.FAILED):
            found.append((step, did))
    return found


_COMPENSATIONS: Mapping[Compensation, Callable[[Backend, StepContext, tuple[str, ...]], None]] = {
    Compensation.DELETE_RESOURCES: lambda backend, ctx, resources: backend.delete(ctx, resources),
    Compensation.STOP_REPLICATION: lambda backend, ctx, resources: backend.stop_replication(ctx, resources),
    Compensation.CLEAN_UP_TEST: lambda backend, ctx, resources: backend.clean_up_test(ctx, resources),
    Compensation.FAIL_BACK: lambda backend, ctx, resources: backend.fail_back(ctx),
    Compensation.CANCEL_DECOMMISSION: lambda backend, ctx, resources: backend.cancel_decommission(ctx),
}


def run_shell(step: Step, ctx: StepContext, *, timeout_s: float) -> StepOutcome:
    """An engineer's shell step: the command with {system}, {wave}, {run}, {region}, {sku}, {name} filled in, run
    without a shell; a non-zero exit fails the step."""
    return run_command(step.command, context_values(ctx), what=f"shell step {step.key}", timeout_s=timeout_s)
