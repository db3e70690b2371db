"""The `run-wave` and `rollback-wave` flows: they only sequence. The wave is looked up (an unknown one creates
nothing), held exclusively (`exclusive.exclusive_run`: the Prefect slot and the database lock), executed by the
engine one Prefect task per workload with a progress artifact (`flows.progress.ProgressPoster`), and paused for
approvals (`approval`). Every run ends in a named state with one line, never a traceback: Completed, "Completed with
rejections", "Dry run", Failed (failures, carrying every workload's result) or "Refused" (nothing was done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import ValidationError

from flows.execution.approval import approval_rounds
from flows.execution.backend import Backend
from flows.execution.engine import Decision, ExecutionPolicy, OnFailure, Outcome, RecordedApprovals, WorkloadResult
from flows.execution.exclusive import exclusive_run
from flows.execution.journal import Action, Event, Journal
from flows.execution.results import MOVED, RunWaveOutcome, to_outcome, what_if_lines
from flows.execution.rollback import RollbackAuthorisation, RollbackRefusedError, plan_rollback, roll_back
from flows.execution.runs import RunHandle, latest_run, load_runbook, names_to_ids, open_run, set_flow_run
from flows.execution.simulator import simulator_of
from flows.execution.wave import WaveOutcome, execute_wave
from flows.handoff import whole
from flows.parameters import RollbackParameters, RunWaveParameters
from flows.progress import ProgressPoster
from flows.run_states import finished, refused
from flows.settings import get_settings
from inventory.db import session_scope
from inventory.errors import LumenError
from migrations_plan.execution import Runbook, StepKind, Workload, WorkloadPlan

if TYPE_CHECKING:
    from flows.execution.azure_backend import WorkloadWhatIf


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


_TASK_STATE_NAMES = {Outcome.AWAITING_APPROVAL: "Awaiting approval", Outcome.REJECTED: "Rejected",
                     Outcome.ROLLED_BACK: "Rolled back", Outcome.NOT_STARTED: "Not started"}


@task(name="migrate-workload", task_run_name="{name}", cache_policy=NONE, retries=0)
def migrate_workload(run_one: Callable[[WorkloadPlan], WorkloadResult], plan: WorkloadPlan,
                     name: str) -> State[WorkloadResult]:
    """One workload's steps (plain calls, journaled per step): one Prefect task per workload, not per step. Its
    state says where the workload stands (Awaiting approval, Rejected, Rolled back, Failed), not just Completed."""
    result = run_one(plan)
    if result.outcome is Outcome.FAILED:
        return Failed(message=f"{name}: failed at {result.failed_step}: {result.error}", data=result)
    label = _TASK_STATE_NAMES.get(result.outcome)
    if label is None:
        return Completed(message=f"{name}: {result.outcome.value}", data=result)
    return Completed(name=label, message=f"{name}: {result.error or label.lower()}"
                     + (f" at {result.awaiting}" if result.awaiting else ""), data=result)


def prefect_mapper(run_one: Callable[[WorkloadPlan], WorkloadResult],
                   plans: Sequence[WorkloadPlan]) -> list[WorkloadResult]:
    futures = [migrate_workload.submit(whole(run_one), whole(plan), plan.workload.name) for plan in plans]
    results = []
    for future in futures:
        future.wait()
        value = future.state.result(raise_on_failure=False)
        if isinstance(value, BaseException):
            raise value  # the task itself broke (not a workload's failure): the run fails with it
        results.append(cast(WorkloadResult, value))
    return results


def journal_decisions(journal: Journal) -> dict[tuple[int, str], Decision]:
    return {(system_id, key): Decision(record.event is Event.APPROVED)
            for (system_id, key, action), record in journal.state().items()
            if action is Action.DO and record.event in (Event.APPROVED, Event.REJECTED)}


def auto_decisions(runbook: Runbook) -> dict[tuple[int, str], Decision]:
    """Approval steps outside production pass on their own (production ones wait for a person)."""
    return {(plan.workload.system_id, step.key): Decision(True, actor="policy", comment="non-production")
            for plan in runbook.workloads if not plan.workload.production
            for step in plan.steps if step.kind is StepKind.APPROVE and not step.added_by_edit}


def cutover_text(params: RunWaveParameters) -> Callable[[Workload], str]:
    """What cutover will do to a workload, in the approver's words."""
    def text(workload: Workload) -> str:
        target = " ".join(part for part in (workload.target_service, workload.target_sku) if part) or "Azure"
        how = {"simulator": " (simulator)", "azure": " (Azure; the adapters' cutover command)"
               if params.azure_adapter == "shell" else " (Azure; simulated cutover)"}[params.backend]
        return f"switch {workload.name} from the legacy system to {target}{how}"
    return text


def _publish(result: RunWaveOutcome, *, artifact_key: str, title: str) -> None:
    """The per-workload table (outcomes in words) and the headline in the run's log."""
    create_table_artifact(table=[{**line.model_dump(mode="json"), "outcome": line.outcome.value.replace("_", " ")}
                                 for line in result.results], key=artifact_key, description=f"{title}: "
                          f"{result.headline()}")
    get_run_logger().info("%s", result.headline())


def _end(result: RunWaveOutcome, *, artifact_key: str, title: str) -> State[RunWaveOutcome]:
    """Publish the result and end the run in the state it calls for."""
    _publish(result, artifact_key=artifact_key, title=title)
    if result.went_wrong:
        return Failed(message=result.headline(), data=result)
    if result.rejected:
        return finished(result, name="Completed with rejections", message=result.headline())
    return Completed(message=result.headline(), data=result)


def _runbook(wave: int) -> Runbook:
    with session_scope(get_settings().db_url) as session:
        return load_runbook(wave, session=session)[1]


def _named(what: str) -> Callable[[], str]:
    """A run's name from its form: "wave-3 run" / "wave-3 rollback" (the CLI names its runs more exactly)."""
    def name() -> str:
        from prefect.runtime import flow_run

        params = flow_run.parameters.get("params") or {}
        wave = params.get("wave") if isinstance(params, dict) else getattr(params, "wave", None)
        dry = params.get("dry_run") if isinstance(params, dict) else getattr(params, "dry_run", False)
        return f"wave-{wave} {what}" + (" (dry run)" if dry else "")
    return name


# A bounded pool: the default is unbounded (about 1,900 threads were seen for a 2,000-workload wave).
@flow(name="run-wave", task_runner=cast(Any, ThreadPoolTaskRunner(max_workers=8)), flow_run_name=_named("run"))
def run_wave_flow(params: RunWaveParameters) -> State[RunWaveOutcome]:
    """Execute a wave stage by stage on the chosen backend, with approval gates, compensation and resume."""
    db_url = get_settings().db_url
    try:
        runbook = _runbook(params.wave)  # an unknown wave: refused before anything is created
        only = names_to_ids(runbook, params.systems) if params.systems else None
    except LumenError as e:
        return refused(str(e))
    if params.dry_run:
        return _dry_run(params, runbook, db_url)
    with exclusive_run(params.wave, db_url, lambda session: open_run(
            params.wave, backend=params.backend, on_failure=params.on_failure, max_failures=params.max_failures,
            session=session)) as handle:
        context = FlowRunContext.get()
        set_flow_run(db_url, handle.run_id, str(context.flow_run.id) if context and context.flow_run else None)
        with backend_for(params, handle.runbook) as backend:  # built (its credential checked) before anything else
            result = _execute(params, handle, db_url, backend, only)
    return _end(result, artifact_key=f"wave-{params.wave}-results", title=f"Wave {params.wave}")


def _dry_run(params: RunWaveParameters, runbook: Runbook, db_url: str) -> State[RunWaveOutcome]:
    what_if = None
    if params.backend == "azure":
        from flows.execution.azure_backend import dry_run_what_if

        what_if = dry_run_what_if(params, runbook, db_url=db_url)
    shown = f"```\n{runbook}\n```"
    if what_if is not None:
        shown += f"\n\nWhat-if:\n\n{what_if_markdown(what_if)}"
    create_markdown_artifact(markdown=shown, key=f"wave-{params.wave}-runbook",
                             description=f"Runbook of wave {params.wave} (dry run)")
    result = RunWaveOutcome(wave=params.wave, run_id=None, status="dry-run", dry_run=True, runbook=str(runbook),
                            workloads=len(runbook.workloads), what_if=what_if_lines(what_if))
    return finished(result, name="Dry run", message=f"wave {params.wave}: runbook of {len(runbook.workloads)} "
                                                    "workload(s) published; nothing was done")


def _execute(params: RunWaveParameters, handle: RunHandle, db_url: str, backend: Backend,
             only: list[int] | None) -> RunWaveOutcome:
    policy = policy_of(params)
    journal = Journal(db_url, run_id=handle.run_id, wave_id=handle.wave_id)
    poster = ProgressPoster(key=f"wave-{params.wave}-progress", total=len(handle.runbook.steps()),
                            description=f"Wave {params.wave}, run {handle.run_id}: steps done")
    decisions = {**auto_decisions(handle.runbook), **journal_decisions(journal)}

    def execute(ids: list[int] | None) -> WaveOutcome:
        return execute_wave(handle, db_url=db_url, backend=backend, policy=policy,
                            approvals=RecordedApprovals(decisions), mapper=prefect_mapper, only=ids,
                            on_step=poster.tick)

    with poster.running():
        first = execute(only)
        outcome, results = approval_rounds(first, handle=handle, db_url=db_url, decisions=decisions,
                                           execute=execute, timeout_hours=params.approval_timeout_hours,
                                           cutover=cutover_text(params), before_pause=poster.post_now)
    return to_outcome(handle, outcome, results)


@flow(name="rollback-wave", flow_run_name=_named("rollback"))
def rollback_wave_flow(params: RollbackParameters) -> State[RunWaveOutcome]:
    """Undo, from the journal, what the wave's latest run did: every workload (cut-over ones too) or `systems`.
    A dry run (the form's default) lists what would be undone and changes nothing."""
    db_url = get_settings().db_url
    try:
        with session_scope(db_url) as session:
            run = latest_run(params.wave, session=session)
            _, runbook = load_runbook(params.wave, session=session)
        only = names_to_ids(runbook, params.systems) if params.systems else None
        wave_params = params.run_wave_parameters(run.backend)
    except (LumenError, ValidationError) as e:
        return refused(str(e) if isinstance(e, LumenError) else "; ".join(err["msg"] for err in e.errors()))
    assert run.id is not None
    handle = RunHandle(run.id, run.wave_id, params.wave, True, runbook)
    planned = plan_rollback(handle, db_url=db_url, only=only)
    create_table_artifact(table=planned.rows(), key=f"wave-{params.wave}-rollback-plan",
                          description=f"What rolling back wave {params.wave} run {run.id} "
                                      + ("would undo (dry run: nothing was changed)" if params.dry_run else "undoes"))
    get_run_logger().info("%s", planned)
    if params.dry_run:
        result = RunWaveOutcome(wave=params.wave, run_id=run.id, status="dry-run", dry_run=True,
                                runbook=str(planned), workloads=len(planned.workloads))
        return finished(result, name="Dry run", message=f"wave {params.wave}: the rollback would undo "
                        f"{sum(1 for w in planned.workloads if w.steps)} workload(s); nothing was changed")
    authorisation = RollbackAuthorisation(params.approver.strip(), params.reason.strip(),
                                          params.change_reference.strip(), params.confirm_wave)
    try:
        with exclusive_run(params.wave, db_url, lambda _: handle) as held, \
                backend_for(wave_params, runbook) as backend:
            outcome = roll_back(held, db_url=db_url, backend=backend, policy=policy_of(wave_params), only=only,
                                authorisation=authorisation if any(vars(authorisation).values()) else None)
    except RollbackRefusedError as e:
        return refused(str(e))
    result = to_outcome(handle, outcome, outcome.results)
    _publish(result, artifact_key=f"wave-{params.wave}-rollback", title=f"Rollback of wave {params.wave}")
    if result.failed:
        return Failed(message=result.headline(), data=result)
    moved = sum(1 for line in result.results if line.outcome in MOVED)
    return Completed(message=f"wave {params.wave} run {run.id}: {result.rolled_back} workload(s) rolled back"
                     + (f", {moved} still migrated" if moved else ""), data=result)
