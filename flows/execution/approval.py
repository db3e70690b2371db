"""Approval rounds of a wave run: who waits, the form that answers exactly them, and the rounds until none waits.

When workloads reach their approval gate the run says what waits (a table artifact and one log line: workload,
environment, target, what cutover will do) and pauses with a form built for that pause: the waiting workloads as
the only choices (at least one must be picked: an empty answer approves nothing), approve or reject chosen
explicitly, the approver always and, when a production workload waits, the change reference required. The
Prefect server checks an answer against that form before the run resumes, so an unknown name or a missing change
reference is refused there (the UI shows why; `lumen-migrate approve` prints it), never ignored. A rejection or an
unanswered gate (the timeout) rolls the workloads back; the rest of the wave goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from prefect import get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout, NotPausedError
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.input import RunInput
from pydantic import Field, create_model

from flows.execution.engine import Decision, Outcome, WorkloadResult
from flows.execution.runs import RunHandle, mark_run
from flows.execution.wave import WaveOutcome
from inventory.tables import RunStatus
from migrations_plan.execution import Workload

# At least one character that is not white space (the server checks the form's JSON schema).
SOMETHING = r"\S"


@dataclass(frozen=True)
class Waiting:
    """A workload waiting at a gate, as the approver needs to see it."""

    name: str
    system_id: int
    step_key: str
    environment: str
    target: str
    cutover: str  # what cutover will do

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def row(self) -> dict[str, str]:
        return {"workload": self.name, "environment": self.environment, "target": self.target,
                "cutover will": self.cutover, "gate": self.step_key}


def target_text(workload: Workload) -> str:
    parts = [part for part in (workload.target_service, workload.target_sku, workload.region) if part]
    return " ".join(parts) or "no Azure target"


def waiting_of(handle: RunHandle, pending: Sequence[WorkloadResult], *,
               cutover: Callable[[Workload], str]) -> list[Waiting]:
    """The waiting workloads with what an approver decides on, in the runbook's order."""
    gates = {result.system_id: str(result.awaiting) for result in pending}
    return [Waiting(plan.workload.name, plan.workload.system_id, gates[plan.workload.system_id],
                    plan.workload.environment, target_text(plan.workload), cutover(plan.workload))
            for plan in handle.runbook.workloads if plan.workload.system_id in gates]


def approval_form(wave: int, waiting: Sequence[Waiting]) -> type[RunInput]:
    """The Resume form of this pause: only these workloads can be chosen; approver (and, with production waiting,
    the change reference) required; approve or reject picked, never defaulted."""
    names = tuple(item.name for item in waiting)
    production = any(item.production for item in waiting)
    choice = cast(Any, Literal).__getitem__(names)
    decision: Any = Literal["approve", "reject"]
    change_reference: tuple[Any, Any] = (
        (str, Field(title="Change reference", min_length=1, pattern=SOMETHING,
                    description="The change ticket the change board approved (e.g. CHG-1042); required for "
                                "production workloads."))
        if production else
        (str, Field(default="", title="Change reference", description="The change ticket (e.g. CHG-1042).")))
    model = create_model(
        "ApprovalInput", __base__=RunInput, __doc__=f"Approval of wave {wave}: {len(names)} workload(s) waiting.",
        decision=(decision, Field(
            title="Decision", description="approve: the chosen workloads are cut over; reject: they are rolled back "
                                          "(their Azure resources deleted).")),
        systems=(list[choice], Field(  # type: ignore[valid-type]
            title="Workloads", min_length=1, description="The workloads this answer is for, among those waiting "
                                                         f"({', '.join(names[:10])}{' ...' if len(names) > 10 else ''}"
                                                         "); the others keep waiting.")),
        approver=(str, Field(title="Approver", min_length=1, pattern=SOMETHING,
                             description="Who answers (recorded in the journal).")),
        change_reference=change_reference,
        comment=(str, Field(default="", title="Comment", description="Why (recorded in the journal).")),
    )
    return cast(type[RunInput], model)


def publish_waiting(handle: RunHandle, waiting: Sequence[Waiting], round_number: int) -> None:
    """Say who waits: one table artifact and one log line for this pause."""
    create_table_artifact(table=[item.row() for item in waiting],
                          key=f"wave-{handle.wave_number}-waiting",
                          description=f"Wave {handle.wave_number} run {handle.run_id}: {len(waiting)} workload(s) "
                                      f"waiting for approval (round {round_number}); answer with Resume")
    shown = "; ".join(f"{item.name} ({item.environment}, {item.target}: {item.cutover})" for item in waiting[:20])
    get_run_logger().info("wave %s run %s waits for approval of %d workload(s): %s%s. Answer with Resume (or "
                          "`lumen-migrate approve %s`).", handle.wave_number, handle.run_id, len(waiting), shown,
                          f" and {len(waiting) - 20} more" if len(waiting) > 20 else "", handle.wave_number)


TIMEOUT_ACTOR = "timeout"
# Prefect's own pause deadline stays this far beyond ours: once it passes, the server lets the run end only as
# Failed ("paused and never resumed"), so our deadline must always come first.
PREFECT_DEADLINE_MARGIN_S = 3600


def ask(handle: RunHandle, waiting: Sequence[Waiting], *, round_number: int,
        timeout_hours: float) -> tuple[list[str], Decision]:
    """Pause until someone answers for some of `waiting`. At the approval deadline the run answers itself: every
    waiting workload rejected by `timeout` (an answer like any other, so the run goes on and ends in its own state)."""
    publish_waiting(handle, waiting, round_number)
    timeout = max(1.0, timeout_hours * 3600)
    names = [item.name for item in waiting]
    context = FlowRunContext.get()
    flow_run_id = context.flow_run.id if context and context.flow_run else None
    fired = threading.Event()

    def time_out() -> None:
        fired.set()
        try:
            resume_flow_run(flow_run_id, run_input={  # type: ignore[arg-type]
                "decision": "reject", "systems": names, "approver": TIMEOUT_ACTOR, "change_reference": "none",
                "comment": f"no answer within {timeout_hours:g} h"})
        except (NotPausedError, RuntimeError):
            pass  # answered in the same moment: that answer stands

    timer = threading.Timer(timeout, time_out)
    timer.daemon = True
    if flow_run_id is not None:
        timer.start()
    try:
        answer: Any = pause_flow_run(
            wait_for_input=approval_form(handle.wave_number, waiting),
            timeout=int(timeout) + PREFECT_DEADLINE_MARGIN_S, poll_interval=min(10, max(1, int(timeout / 2))),
            key=f"wave-{handle.wave_number}-run-{handle.run_id}-approval-{round_number}")
    except FlowPauseTimeout:  # only if our own deadline could not answer (the server was away): reject all
        return names, Decision(False, actor=TIMEOUT_ACTOR, comment=f"no answer within {timeout_hours:g} h")
    finally:
        timer.cancel()
    if fired.is_set() and answer.approver == TIMEOUT_ACTOR:
        return names, Decision(False, actor=TIMEOUT_ACTOR, comment=answer.comment)
    waiting_names = set(names)
    chosen = [name for name in dict.fromkeys(answer.systems) if name in waiting_names]
    return chosen, Decision(answer.decision == "approve", actor=answer.approver.strip(), comment=answer.comment,
                            change_reference=answer.change_reference.strip())


def approval_rounds(first: WaveOutcome, *, handle: RunHandle, db_url: str,
                    decisions: MutableMapping[tuple[int, str], Decision],
                    execute: Callable[[list[int]], WaveOutcome], timeout_hours: float,
                    cutover: Callable[[Workload], str],
                    before_pause: Callable[[], None] = lambda: None) -> tuple[WaveOutcome, list[WorkloadResult]]:
    """Ask, then run the answered workloads on (`execute(ids)`, which reads `decisions`), until none waits."""
    outcome, results = first, list(first.results)
    pending = {result.name: result for result in first.awaiting}
    round_number = 0
    while pending:
        round_number += 1
        before_pause()
        waiting = waiting_of(handle, list(pending.values()), cutover=cutover)
        chosen, decision = ask(handle, waiting, round_number=round_number, timeout_hours=timeout_hours)
        mark_run(db_url, handle.run_id, RunStatus.RUNNING)
        for name in chosen:
            decisions[(pending[name].system_id, str(pending[name].awaiting))] = decision
        outcome = execute([pending[name].system_id for name in chosen])
        results.extend(outcome.results)
        for result in outcome.results:
            pending.pop(result.name, None)
            if result.outcome is Outcome.AWAITING_APPROVAL:
                pending[result.name] = result  # a later gate of the same workload
        if pending:
            mark_run(db_url, handle.run_id, RunStatus.PAUSED)
    return outcome, results
