"""Rolling a wave back: first the plan (what each workload's undo would do, read from the journal), then, only when
asked and authorised, the undo itself. No Prefect here; `wave_flow` wraps it.

A dry run is the plan printed: nothing is undone and nothing is written. A real rollback that would fail back a
production workload already cut over is refused without an authorisation (who, why, the change reference, and the
wave number typed again as confirmation); the authorisation is journaled per workload before anything is undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.execution.backend import Backend
from flows.execution.engine import (
    ExecutionPolicy,
    Outcome,
    RecordedApprovals,
    WorkloadResult,
    WorkloadRunner,
    to_undo,
)
from flows.execution.journal import Action, Event, Journal
from flows.execution.runs import RunHandle, move_state
from flows.execution.wave import WaveOutcome, context_factory, finish_wave
from inventory.errors import LumenError
from inventory.tables import SystemState
from migrations_plan.execution import StepKind, WorkloadPlan

AUTHORISATION_STEP = "rollback"  # the journal's step key for a rollback's authorisation, one line per workload


class RollbackRefusedError(LumenError):
    """A rollback of cut-over production workloads lacks its reason, change reference or confirmation."""


@dataclass(frozen=True)
class UndoStep:
    step: str  # the step key, e.g. "crm-db-01/cutover"
    compensation: str  # what undoing it does: fail_back, delete_resources, ...
    resources: tuple[str, ...]  # what the journal recorded (a cut-short step: the backend is asked at undo time)
    recorded: bool  # the step succeeded; False: it was cut short or failed part-way


@dataclass(frozen=True)
class WorkloadUndo:
    system: str
    system_id: int
    environment: str
    cut_over: bool  # its cutover took effect: undoing it fails production back to the legacy system
    steps: tuple[UndoStep, ...]

    @property
    def production_cut_over(self) -> bool:
        return self.cut_over and self.environment == "production"


@dataclass(frozen=True)
class RollbackPlan:
    """What a rollback of the wave's latest run would undo, workload by workload, in the order it would."""

    wave_number: int
    run_id: int
    workloads: tuple[WorkloadUndo, ...]

    @property
    def production_cut_over(self) -> tuple[str, ...]:
        return tuple(w.system for w in self.workloads if w.production_cut_over)

    def __str__(self) -> str:
        acting = [w for w in self.workloads if w.steps]
        lines = [f"Rollback of wave {self.wave_number} run {self.run_id}: {len(acting)} of {len(self.workloads)} "
                 "workload(s) have something to undo"
                 + (f"; {len(self.production_cut_over)} production workload(s) already cut over would be failed "
                    "back" if self.production_cut_over else "")]
        for workload in self.workloads:
            if not workload.steps:
                lines.append(f"  {workload.system} ({workload.environment}): nothing to undo")
                continue
            lines.append(f"  {workload.system} ({workload.environment}"
                         + (", cut over" if workload.cut_over else "") + "):")
            for undo in workload.steps:
                what = ", ".join(undo.resources) if undo.resources else (
                    "whatever the backend finds it left" if not undo.recorded else "nothing recorded")
                lines.append(f"    {undo.compensation.replace('_', ' ')} for {undo.step}: {what}")
        return "\n".join(lines)

    def rows(self) -> list[dict[str, str]]:
        """One row per step to undo (a workload with nothing to undo: one row saying so), for a table artifact."""
        rows = []
        for workload in self.workloads:
            for undo in workload.steps or (None,):
                rows.append({"workload": workload.system, "environment": workload.environment,
                             "cut over": "yes" if workload.cut_over else "no",
                             "undo": undo.compensation.replace("_", " ") if undo else "nothing to undo",
                             "step": undo.step if undo else "",
                             "resources": ", ".join(undo.resources) if undo else ""})
        return rows


@dataclass(frozen=True)
class RollbackAuthorisation:
    approver: str
    reason: str
    change_reference: str
    confirm_wave: int | None  # the wave number typed again


def plan_rollback(handle: RunHandle, *, db_url: str, only: Sequence[int] | None = None) -> RollbackPlan:
    """The rollback plan from the journal alone: reads, changes nothing."""
    state = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id).state()
    workloads = []
    for plan in _chosen(handle, only):
        undo = to_undo(plan, state)
        workloads.append(WorkloadUndo(
            system=plan.workload.name, system_id=plan.workload.system_id, environment=plan.workload.environment,
            cut_over=any(step.kind is StepKind.CUTOVER for step, _ in undo),
            steps=tuple(UndoStep(step.key, step.compensation.value if step.compensation else "",
                                 record.resources, record.event is Event.SUCCEEDED) for step, record in undo)))
    return RollbackPlan(handle.wave_number, handle.run_id, tuple(workloads))


def authorisation_problem(plan: RollbackPlan, authorisation: RollbackAuthorisation | None) -> str | None:
    """Why this rollback may not go ahead, or None. Failing production back needs who, why, the change reference
    and the wave number typed again."""
    if not plan.production_cut_over:
        return None
    names = ", ".join(plan.production_cut_over[:5]) + (" ..." if len(plan.production_cut_over) > 5 else "")
    given = authorisation or RollbackAuthorisation("", "", "", None)
    missing = [label for label, value in (("a reason", given.reason), ("a change reference", given.change_reference),
                                           ("an approver", given.approver)) if not value.strip()]
    if given.confirm_wave != plan.wave_number:
        missing.append(f"the wave number typed again as confirmation ({plan.wave_number})")
    if not missing:
        return None
    return (f"rolling back wave {plan.wave_number} fails back {len(plan.production_cut_over)} production "
            f"workload(s) already cut over ({names}): it needs {', '.join(missing)}; nothing was undone")


def roll_back(handle: RunHandle, *, db_url: str, backend: Backend, policy: ExecutionPolicy,
              only: Sequence[int] | None = None,
              authorisation: RollbackAuthorisation | None = None) -> WaveOutcome:
    """Undo, from the journal, what the run did to every workload (or to `only`), cut-over ones included.
    Refused (RollbackRefusedError, nothing undone) when production workloads would fail back unauthorised."""
    planned = plan_rollback(handle, db_url=db_url, only=only)
    problem = authorisation_problem(planned, authorisation)
    if problem:
        raise RollbackRefusedError(problem)
    journal = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id)
    runner = WorkloadRunner(backend, journal, policy, context_factory(handle), approvals=RecordedApprovals())
    results = []
    for plan in _chosen(handle, only):
        if authorisation is not None:
            journal.write(plan.workload.system_id, AUTHORISATION_STEP, AUTHORISATION_STEP, Action.UNDO, Event.APPROVED,
                          actor=authorisation.approver, detail={"reason": authorisation.reason,
                                                                "change_reference": authorisation.change_reference})
        left = runner.compensate(plan)
        move_state(db_url, [plan.workload.system_id], SystemState.ROLLED_BACK)
        results.append(WorkloadResult(plan.workload.system_id, plan.workload.name,
                                      Outcome.FAILED if left else Outcome.ROLLED_BACK, left_behind=left))
    return finish_wave(handle, db_url, tuple(results), rolled_back_wave=only is None)


def _chosen(handle: RunHandle, only: Sequence[int] | None) -> list[WorkloadPlan]:
    return [plan for plan in handle.runbook.workloads if only is None or plan.workload.system_id in only]
