"""The execution engine on a real database and the simulator: journal, compensation, policies, resume, gates.

No Prefect here (the flow around the engine is tested end to end elsewhere): `execute_wave` maps workloads on
threads, as the Prefect task runner would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from flows.execution.engine import Decision, ExecutionPolicy, OnFailure, Outcome, RecordedApprovals
from flows.execution.journal import Action, Event, Journal
from flows.execution.rollback import RollbackAuthorisation, roll_back
from flows.execution.runs import (
    RunHandle,
    WaveBusyError,
    acquire_lock,
    latest_run,
    load_runbook,
    open_run,
    release_lock,
    wave_lock,
)
from flows.execution.simulator import FaultPlan, SimulatorBackend
from flows.execution.wave import WaveOutcome, execute_wave
from inventory.db import session_scope
from inventory.errors import NotFoundError
from inventory.tables import RunStatus, StepJournal, System, Wave, WaveLock, WaveMember, WaveStatus
from migrations_plan.execution import StepKind

pytestmark = pytest.mark.integration
K = StepKind
FAST = ExecutionPolicy(backoff_s=0.0)


def run(url: str, number: int, backend: SimulatorBackend, *, policy: ExecutionPolicy = FAST,
        approvals: RecordedApprovals | None = None, only: list[int] | None = None) -> WaveOutcome:
    with session_scope(url) as session:
        handle = open_run(number, backend="simulator", on_failure=policy.on_failure.value,
                          max_failures=policy.max_failures, session=session)
    with wave_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id):
        return execute_wave(handle, db_url=url, backend=backend, policy=policy,
                            approvals=approvals or RecordedApprovals(auto_approve=True), only=only)


def handle_of(url: str, number: int) -> RunHandle:
    """The wave's latest run (opened if it has none), without starting anything."""
    with session_scope(url) as session:
        _, runbook = load_runbook(number, session=session)
        try:
            last = latest_run(number, session=session)
        except NotFoundError:
            return open_run(number, backend="simulator", on_failure="rollback-workload", max_failures=None,
                            session=session)
        assert last.id is not None
        return RunHandle(last.id, last.wave_id, number, True, runbook)


def states(url: str) -> dict[str, str]:
    with session_scope(url) as session:
        return dict(session.execute(select(col(System.name), col(System.state))).all())


def members(url: str, number: int) -> dict[str, int]:
    with session_scope(url) as session:
        return dict(session.execute(
            select(col(System.name), col(System.id)).join(WaveMember, col(WaveMember.system_id) == col(System.id))
            .join(Wave, col(Wave.id) == col(WaveMember.wave_id)).where(col(Wave.number) == number)).all())


def wave_status(url: str, number: int) -> str:
    with session_scope(url) as session:
        return session.scalars(select(col(Wave.status)).where(col(Wave.number) == number)).one()


def test_a_wave_runs_every_step_of_every_workload_and_journals_each(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    sim = SimulatorBackend(tmp_path / "sim")
    outcome = run(url, number, sim)
    assert outcome.status is RunStatus.COMPLETED
    assert {r.name: r.outcome for r in outcome.results} == dict.fromkeys(names, Outcome.MIGRATED)
    assert {states(url)[name] for name in names} == {"migrated"}
    assert wave_status(url, number) == WaveStatus.COMPLETED
    resources = sim.resources()
    # per VM workload: NIC, OS disk, VM (provision) and the replication item; the test VM was removed
    assert len(resources) == 4 * len(names)
    assert all(sim.legacy_state(system_id)["serving_from"] == "azure" for system_id in names.values())
    lines = Journal(url, run_id=outcome.run_id, wave_id=handle_of(url, number).wave_id).lines()
    for name, system_id in names.items():
        mine = [(line["step_key"].split("/", 1)[1], line["event"]) for line in lines if line["system_id"] == system_id]
        assert [event for step, event in mine if step == "provision"] == ["intent", "succeeded"], name
        assert ("approve", "approved") in mine
    with session_scope(url) as session:
        assert session.scalars(select(WaveLock)).first() is None, "the lock is released"


@pytest.mark.parametrize("kind", [K.PREFLIGHT, K.PROVISION, K.REPLICATE, K.TEST_MIGRATION, K.CUTOVER, K.VALIDATE,
                                  K.FINALIZE])
def test_a_failure_at_any_step_is_compensated_to_nothing_left(wave: tuple[str, int], tmp_path: Path,
                                                               kind: StepKind) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[0]
    sim = SimulatorBackend(tmp_path / "sim", FaultPlan(faults={(victim, kind): "fail"}))
    outcome = run(url, number, sim)
    result = next(r for r in outcome.results if r.name == victim)
    assert result.outcome is Outcome.ROLLED_BACK and result.failed_step == f"{names[victim]}/{kind.value}"
    assert result.error == f"simulated failure of {kind.value} for {victim}"
    assert [r for r in sim.resources() if r["system_id"] == names[victim]] == [], "nothing left behind"
    assert sim.legacy_state(names[victim]) == {"serving_from": "legacy", "decommission_booked": False,
                                               "switched_off": False}, "the legacy system is as it was"
    assert states(url)[victim] == "rolled_back"
    others = [(r.name, r.outcome, r.failed_step, r.error) for r in outcome.results if r.name != victim]
    assert {states(url)[name] for name in names if name != victim} == {"migrated"}, f"the others went on: {others}"
    assert outcome.status is RunStatus.FAILED and wave_status(url, number) == WaveStatus.STARTED
    journal = Journal(url, run_id=outcome.run_id, wave_id=handle_of(url, number).wave_id).state(names[victim])
    failed = journal[(names[victim], f"{names[victim]}/{kind.value}", Action.DO)]
    assert (failed.event, failed.error) == (Event.FAILED, result.error), "the journal explains the failure"
    undone = {key[1].split("/", 1)[1] for key, record in journal.items()
              if key[2] is Action.UNDO and record.event is Event.SUCCEEDED}
    before = [k for k in (K.PROVISION, K.REPLICATE, K.TEST_MIGRATION, K.CUTOVER, K.FINALIZE)
              if list(StepKind).index(k) < list(StepKind).index(kind)]
    assert undone == {k.value for k in before if k is not K.TEST_MIGRATION} | (
        {K.TEST_MIGRATION.value} if kind is not K.TEST_MIGRATION and K.TEST_MIGRATION in before else set())


def test_transient_errors_are_retried_and_journaled(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[-1]
    sim = SimulatorBackend(tmp_path / "sim", FaultPlan(faults={(victim, K.PROVISION): "transient"}))
    outcome = run(url, number, sim)
    assert outcome.status is RunStatus.COMPLETED
    lines = Journal(url, run_id=outcome.run_id, wave_id=handle_of(url, number).wave_id).lines()
    provision = [(line["event"], line["attempt"]) for line in lines
                 if line["step_key"] == f"{names[victim]}/provision" and line["action"] == "do"]
    assert provision == [("intent", 1), ("failed", 1), ("intent", 2), ("succeeded", 2)]
    assert sim.calls(K.PROVISION) == len(names) + 1


def test_policy_continue_leaves_the_failure_for_a_retry_that_finishes_the_wave(wave: tuple[str, int],
                                                                               tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[0]
    policy = ExecutionPolicy(on_failure=OnFailure.CONTINUE, backoff_s=0.0)
    failing = SimulatorBackend(tmp_path / "sim", FaultPlan(faults={(victim, K.CUTOVER): "fail"}))
    first = run(url, number, failing, policy=policy)
    assert next(r for r in first.results if r.name == victim).outcome is Outcome.FAILED
    assert states(url)[victim] == "migrating", "left as it is for the engineer"
    assert len([r for r in failing.resources() if r["system_id"] == names[victim]]) == 4
    retry = run(url, number, SimulatorBackend(tmp_path / "sim"), policy=policy, only=[names[victim]])
    assert retry.run_id == first.run_id and retry.resumed, "the retry continues the run"
    assert retry.status is RunStatus.COMPLETED and wave_status(url, number) == WaveStatus.COMPLETED
    sim = SimulatorBackend(tmp_path / "sim")
    assert len(sim.resources()) == 4 * len(names), "nothing was created twice"
    assert sim.calls(K.PROVISION) == len(names), "finished steps were not redone"


def test_rollback_wave_undoes_the_workloads_already_cut_over(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    last = sorted(names)[-1]
    policy = ExecutionPolicy(on_failure=OnFailure.ROLLBACK_WAVE, backoff_s=0.0)
    sim = SimulatorBackend(tmp_path / "sim", FaultPlan(faults={(last, K.VALIDATE): "fail"}))
    # one at a time, so the others are cut over before the failure
    with session_scope(url) as session:
        handle = open_run(number, backend="simulator", on_failure=policy.on_failure.value, max_failures=None,
                          session=session)
    outcome = execute_wave(handle, db_url=url, backend=sim, policy=policy,
                           approvals=RecordedApprovals(auto_approve=True),
                           mapper=lambda fn, plans: [fn(p) for p in sorted(plans, key=lambda p: p.workload.name)])
    assert outcome.status is RunStatus.ROLLED_BACK and wave_status(url, number) == WaveStatus.ROLLED_BACK
    assert {r.outcome for r in outcome.results} == {Outcome.ROLLED_BACK}
    assert sim.resources() == []
    assert {sim.legacy_state(i)["serving_from"] for i in names.values()} == {"legacy"}
    assert {states(url)[name] for name in names} == {"rolled_back"}


def test_rolling_back_a_completed_wave_leaves_nothing(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    sim = SimulatorBackend(tmp_path / "sim")
    done = run(url, number, sim)
    assert done.status is RunStatus.COMPLETED and sim.resources()
    run_row_handle = RunHandle(done.run_id, handle_of(url, number).wave_id, number, True,
                               handle_of(url, number).runbook)
    undone = roll_back(run_row_handle, db_url=url, backend=sim, policy=FAST,
                       authorisation=RollbackAuthorisation("erin", "failed validation", "CHG-9", number))
    assert undone.status is RunStatus.ROLLED_BACK and sim.resources() == []
    assert {states(url)[name] for name in members(url, number)} == {"rolled_back"}


def test_max_failures_stops_starting_workloads(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    names = sorted(members(url, number))
    faults = {(name, K.PREFLIGHT): "fail" for name in names[:2]}
    policy = ExecutionPolicy(max_failures=1, backoff_s=0.0)
    with session_scope(url) as session:
        handle = open_run(number, backend="simulator", on_failure="rollback-workload", max_failures=1,
                          session=session)
    outcome = execute_wave(handle, db_url=url, backend=SimulatorBackend(tmp_path / "sim", FaultPlan(faults=faults)),
                           policy=policy, approvals=RecordedApprovals(auto_approve=True),
                           mapper=lambda fn, plans: [fn(p) for p in sorted(plans, key=lambda p: p.workload.name)])
    assert [r.outcome for r in outcome.results] == [Outcome.ROLLED_BACK, Outcome.ROLLED_BACK] + \
        [Outcome.NOT_STARTED] * (len(names) - 2)


def test_production_workloads_wait_at_the_gate_then_partial_approval(wave: tuple[str, int], tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    sim = SimulatorBackend(tmp_path / "sim")
    paused = run(url, number, sim, approvals=RecordedApprovals())
    assert paused.status is RunStatus.PAUSED
    assert {r.outcome for r in paused.results} == {Outcome.AWAITING_APPROVAL}
    assert all(sim.legacy_state(i)["serving_from"] == "legacy" for i in names.values()), "nothing cut over"
    yes, no = sorted(names)[0], sorted(names)[1]
    runbook = handle_of(url, number).runbook
    gate = {name: next(s for s in runbook.workload(name).steps if s.kind is K.APPROVE).key for name in names}
    decisions = {(names[yes], gate[yes]): Decision(True, "alice", "go", "CHG-1042"),
                 (names[no], gate[no]): Decision(False, "bob", "DBA not available")}
    later = run(url, number, sim, approvals=RecordedApprovals(decisions))
    by_name = {r.name: r for r in later.results}
    assert by_name[yes].outcome is Outcome.MIGRATED
    assert by_name[no].outcome is Outcome.REJECTED and by_name[no].error == "rejected by bob: DBA not available"
    assert [r for r in sim.resources() if r["system_id"] == names[no]] == []
    others = set(names) - {yes, no}
    assert {by_name[name].outcome for name in others} <= {Outcome.AWAITING_APPROVAL}
    with session_scope(url) as session:
        approved = session.scalars(select(StepJournal).where(col(StepJournal.event) == "approved")).one()
    assert (approved.actor, approved.detail) == ("alice", {"comment": "go", "change_reference": "CHG-1042"})


def test_an_in_flight_step_is_reconciled_not_redone(wave: tuple[str, int], tmp_path: Path) -> None:
    """The process died after the backend acted and before the outcome was journaled: resume asks the backend."""
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[0]
    handle = handle_of(url, number)
    sim = SimulatorBackend(tmp_path / "sim")
    plan_of = handle.runbook.workload(victim)
    journal = Journal(url, run_id=handle.run_id, wave_id=handle.wave_id)
    from flows.execution.wave import context_factory

    for step in plan_of.steps[:2]:  # preflight done; provision acted, its outcome never written
        journal.write(names[victim], step.key, step.kind.value, Action.DO, Event.INTENT)
        getattr(sim, step.kind.value)(context_factory(handle)(plan_of, step, 1))
        if step.kind is K.PREFLIGHT:
            journal.write(names[victim], step.key, step.kind.value, Action.DO, Event.SUCCEEDED)
    outcome = run(url, number, sim)
    assert outcome.status is RunStatus.COMPLETED
    assert sim.calls(K.PROVISION) == len(names), "provision was not called again for the victim"
    assert len(sim.resources()) == 4 * len(names)
    record = journal.state(names[victim])[(names[victim], plan_of.steps[1].key, Action.DO)]
    assert record.event is Event.SUCCEEDED and record.detail["reconciled"] is True and len(record.resources) == 3


def test_two_runs_of_one_wave_cannot_overlap_and_a_dead_owner_is_taken_over(wave: tuple[str, int]) -> None:
    url, number = wave
    handle = handle_of(url, number)
    acquire_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id)
    with pytest.raises(WaveBusyError, match=f"wave {number} is already running"):
        acquire_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id)
    release_lock(url, wave_id=handle.wave_id)
    import socket

    with session_scope(url) as session:
        import datetime as dt

        session.add(WaveLock(wave_id=handle.wave_id, run_id=handle.run_id, owner=f"{socket.gethostname()}:999999",
                             lease_until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)))
    acquire_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id)  # pid 999999 is gone
    release_lock(url, wave_id=handle.wave_id)


def test_a_rolled_back_workload_is_done_again_in_full_when_the_run_resumes(wave: tuple[str, int],
                                                                          tmp_path: Path) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[0]
    first = run(url, number, SimulatorBackend(tmp_path / "sim", FaultPlan(faults={(victim, K.CUTOVER): "fail"})))
    assert first.status is RunStatus.FAILED
    sim = SimulatorBackend(tmp_path / "sim")
    again = run(url, number, sim)
    assert again.resumed and again.status is RunStatus.COMPLETED
    assert len([r for r in sim.resources() if r["system_id"] == names[victim]]) == 4, "re-provisioned"
    assert sim.calls(K.PROVISION) == len(names) + 1 and sim.calls(K.CUTOVER) == len(names) + 1


CRASH_SCRIPT = """
import sys
from pathlib import Path
from flows.execution.engine import ExecutionPolicy, RecordedApprovals
from flows.execution.runs import open_run, wave_lock
from flows.execution.simulator import FaultPlan, SimulatorBackend
from flows.execution.wave import execute_wave
from inventory.db import session_scope
from inventory.errors import NotFoundError
from migrations_plan.execution import StepKind

url, number, state, victim, step = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5]
faults = {(victim, StepKind(step)): "crash"} if victim else {}
with session_scope(url) as session:
    handle = open_run(number, backend="simulator", on_failure="rollback-workload", max_failures=None, session=session)
with wave_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id):
    outcome = execute_wave(handle, db_url=url, backend=SimulatorBackend(state, FaultPlan(faults=faults)),
                           policy=ExecutionPolicy(backoff_s=0), approvals=RecordedApprovals(auto_approve=True))
print(outcome.status.value)
"""


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_process_killed_at_a_random_step_resumes_with_no_duplicate_and_no_lost_line(
        wave: tuple[str, int], tmp_path: Path, seed: int) -> None:
    import random
    import subprocess
    import sys

    from tests.e2e.conftest import REPO

    url, number = wave
    names = members(url, number)
    rng = random.Random(seed)
    victim = rng.choice(sorted(names))
    step = rng.choice([K.PREFLIGHT, K.PROVISION, K.REPLICATE, K.TEST_MIGRATION, K.CUTOVER, K.VALIDATE, K.FINALIZE])
    state = tmp_path / "sim"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    crashed = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, url, str(number), str(state), victim, step.value],
                             capture_output=True, text=True, timeout=120, env=env)
    assert crashed.returncode == -9, crashed.stderr  # SIGKILL, by the simulator, right after the step acted
    resumed = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, url, str(number), str(state), "", ""],
                             capture_output=True, text=True, timeout=120, env=env)
    assert resumed.returncode == 0 and resumed.stdout.strip() == "completed", resumed.stderr
    sim = SimulatorBackend(state)
    assert len(sim.resources()) == 4 * len(names), "no duplicate resource"
    assert len({r["id"] for r in sim.resources()}) == len(sim.resources())
    with session_scope(url) as session:
        last = latest_run(number, session=session)
        assert last.id is not None
    lines = Journal(url, run_id=last.id, wave_id=last.wave_id).lines()
    crashed_key = f"{names[victim]}/{step.value}"
    victim_lines = [(line["event"], line["detail"].get("reconciled")) for line in lines
                    if line["step_key"] == crashed_key and line["action"] == "do"]
    assert victim_lines[0] == ("intent", None), "the intent written before the crash is there"
    assert victim_lines[-1][0] == "succeeded"
    for system_id in names.values():
        succeeded = [line["step_key"] for line in lines
                     if line["system_id"] == system_id and line["action"] == "do" and line["event"] == "succeeded"]
        assert len(succeeded) == len(set(succeeded)), "no step recorded as done twice"
    if step is not K.TEST_MIGRATION:
        assert victim_lines[-1] == ("succeeded", True), "what the killed step did was reconciled, not redone"
        # (other workloads' steps in flight at the kill, not yet in effect, are run again: that is no duplicate)
        import sqlite3

        with sqlite3.connect(state / "simulator.db") as db:
            victim_calls = db.execute("SELECT count(*) FROM call WHERE step = ? AND name LIKE ?",
                                      (step.value, f"%-{names[victim]}-{step.value.replace('_', '')}")).fetchone()
        assert victim_calls == (1,)


def test_due_waves_are_dated_today_or_earlier_frozen_and_not_started(wave: tuple[str, int]) -> None:
    import datetime as dt

    from flows.execution.runs import due_waves

    url, number = wave
    with session_scope(url) as session:
        waves_by_number = {w.number: w for w in session.scalars(select(Wave))}
        first = min(waves_by_number)
        for w in waves_by_number.values():
            w.frozen = w.number in (first, number)
        day = waves_by_number[number].planned_date
    with session_scope(url) as session:
        assert due_waves(session=session, today=day - dt.timedelta(days=1)) == \
            ([first] if waves_by_number[first].planned_date < day else [])
        assert due_waves(session=session, today=day) == sorted({first, number})
    run(url, number, SimulatorBackend(Path(url.removeprefix("sqlite:///")).parent / "sim"))
    with session_scope(url) as session:
        assert number not in due_waves(session=session, today=day), "a started wave is not due again"


def _open(url: str, number: int) -> Journal:
    with session_scope(url) as session:
        handle = open_run(number, backend="simulator", on_failure="rollback-workload", max_failures=None,
                          session=session)
    return Journal(url, run_id=handle.run_id, wave_id=handle.wave_id)


def test_lines_written_together_share_one_commit_and_each_write_returns_durable(wave: tuple[str, int]) -> None:
    """Group commit: while one writer commits, the lines of the others queue and go in the next transaction."""
    import threading
    import time

    from sqlalchemy import event

    url, number = wave
    journal = _open(url, number)
    first_in, release, commits = threading.Event(), threading.Event(), []
    engine = journal.engine

    def hold_first(conn, *args):  # type: ignore[no-untyped-def]
        if not commits:
            first_in.set()
            assert release.wait(10)

    event.listen(engine, "commit", hold_first)
    event.listen(engine, "commit", lambda conn: commits.append(1))
    try:
        first = threading.Thread(target=journal.write, args=(None, "first", "manual", Action.DO, Event.INTENT))
        first.start()
        assert first_in.wait(10)
        others = [threading.Thread(target=journal.write, args=(None, f"s{i}", "manual", Action.DO, Event.INTENT))
                  for i in range(6)]
        for thread in others:
            thread.start()
        deadline = time.monotonic() + 10
        while len(journal._committer._pending) < 6:  # all six queued behind the commit in progress
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert [t.is_alive() for t in others] == [True] * 6  # nobody returns before its line is committed
        release.set()
        for thread in [first, *others]:
            thread.join(10)
    finally:
        event.remove(engine, "commit", hold_first)
    assert len(commits) == 2  # the first line alone, then the six that queued behind it
    assert sorted(line["step_key"] for line in journal.lines()) == sorted(["first", *(f"s{i}" for i in range(6))])


def test_a_journal_line_that_cannot_be_stored_fails_every_writer_of_its_batch(wave: tuple[str, int]) -> None:
    from sqlalchemy import event

    from flows.execution.journal import JournalWriteError

    url, number = wave
    journal = _open(url, number)

    def refuse(conn, *args):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    event.listen(journal.engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(JournalWriteError, match="disk full"):
            journal.write(None, "lost", "manual", Action.DO, Event.INTENT)
    finally:
        event.remove(journal.engine, "before_cursor_execute", refuse)
    journal.write(None, "kept", "manual", Action.DO, Event.INTENT)
    assert [line["step_key"] for line in journal.lines()] == ["kept"]


def test_a_rejection_completes_the_wave_and_only_what_moved_counts_as_realised(wave: tuple[str, int],
                                                                               tmp_path: Path) -> None:
    from flows.estate_view import load_savings_systems

    url, number = wave
    names = members(url, number)
    sim = SimulatorBackend(tmp_path / "sim")
    run(url, number, sim, approvals=RecordedApprovals())
    runbook = handle_of(url, number).runbook
    gate = {name: next(s for s in runbook.workload(name).steps if s.kind is K.APPROVE).key for name in names}
    no = sorted(names)[0]
    decisions = {(names[name], gate[name]): Decision(name != no, "carol", change_reference="CHG-7") for name in names}
    done = run(url, number, sim, approvals=RecordedApprovals(decisions))
    assert {r.name: r.outcome for r in done.results if r.name == no} == {no: Outcome.REJECTED}
    assert done.status is RunStatus.COMPLETED and wave_status(url, number) == WaveStatus.COMPLETED, \
        "a rejected workload is an answer, not a failure: the wave completes with what moved"
    assert [r for r in sim.resources() if r["system_id"] == names[no]] == []
    with session_scope(url) as session:
        realised = {system.name: system.realised_month for system in load_savings_systems(session=session)
                    if system.name in names}
    assert realised[no] is None, "the rejected workload did not move: no realised savings"
    assert all(month is not None for name, month in realised.items() if name != no)


def test_a_rollback_is_planned_from_the_journal_and_production_needs_an_authorisation(
        wave: tuple[str, int], tmp_path: Path) -> None:
    from flows.execution.rollback import RollbackAuthorisation, RollbackRefusedError, plan_rollback

    url, number = wave
    names = members(url, number)
    sim = SimulatorBackend(tmp_path / "sim")
    done = run(url, number, sim)
    assert done.status is RunStatus.COMPLETED
    handle = handle_of(url, number)
    before = sim.resources()
    planned = plan_rollback(handle, db_url=url)
    assert {w.system for w in planned.workloads} == set(names)
    production = {w.system for w in planned.workloads if w.environment == "production"}
    assert production and set(planned.production_cut_over) == production
    recorded = {resource for w in planned.workloads for step in w.steps for resource in step.resources}
    assert recorded == {r["id"] for r in before}, "the plan names exactly what the journal recorded"
    assert "fail back" in str(planned) and sim.resources() == before, "planning changes nothing"

    for missing in (None, RollbackAuthorisation("erin", "bad cutover", "", number),
                    RollbackAuthorisation("erin", "bad cutover", "CHG-9", number + 1)):
        with pytest.raises(RollbackRefusedError, match="production"):
            roll_back(handle, db_url=url, backend=sim, policy=FAST, authorisation=missing)
        assert sim.resources() == before and wave_status(url, number) == WaveStatus.COMPLETED, "nothing undone"

    undone = roll_back(handle, db_url=url, backend=sim, policy=FAST,
                       authorisation=RollbackAuthorisation("erin", "bad cutover", "CHG-9", number))
    assert undone.status is RunStatus.ROLLED_BACK and sim.resources() == []
    with session_scope(url) as session:
        lines = session.scalars(select(StepJournal).where(col(StepJournal.step_key) == "rollback")).all()
    assert {(line.actor, line.detail["change_reference"], line.detail["reason"]) for line in lines} == \
        {("erin", "CHG-9", "bad cutover")} and len(lines) == len(names)
