"""The database side of a wave run: its workloads and runbook, the run row, the lock, states and counts.

A run of a wave continues the wave's unfinished run (same id, so the journal and the backend's deterministic
names carry over); a wave that completed or was rolled back gets a new run. Two runs of one wave never overlap:
`WaveLock` is one row per running wave, taken over only from a process that is gone (same host, pid not alive)
or whose lease ran out.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from inventory.db import get_engine, session_scope
from inventory.errors import LumenError, NotFoundError
from inventory.lifecycle import set_state
from inventory.tables import (
    Assessment,
    RunbookVersion,
    RunStatus,
    StepJournal,
    System,
    SystemState,
    TargetMapping,
    Wave,
    WaveLock,
    WaveMember,
    WaveRun,
    WaveStatus,
    table_of,
    utcnow,
)
from migrations_plan.execution import Runbook, RunbookEdits, Workload, build_runbook
from migrations_plan.execution.templates import TargetSpec
from migrations_plan.strategy_types import Strategy

LEASE_SECONDS = 60.0
UNFINISHED = (RunStatus.RUNNING.value, RunStatus.PAUSED.value, RunStatus.FAILED.value)


class WaveBusyError(LumenError):
    """Another run of the wave is in progress."""


class WaveCompletedError(LumenError):
    """The wave has already been executed to the end."""


@dataclass(frozen=True)
class RunHandle:
    run_id: int
    wave_id: int
    wave_number: int
    resumed: bool
    runbook: Runbook


def load_runbook(wave_number: int, *, session: Session) -> tuple[Wave, Runbook]:
    """The wave and its runbook: members with strategy and target, and the newest stored edits."""
    wave = session.scalars(select(Wave).where(col(Wave.number) == wave_number)).first()
    if wave is None or wave.id is None:
        raise NotFoundError(f"no wave numbered {wave_number}: {known_waves(session=session)}")
    system, member, assessment, target = (table_of(System), table_of(WaveMember), table_of(Assessment),
                                          table_of(TargetMapping))
    rows = session.connection().execute(
        select(system.c.id, system.c.name, assessment.c.strategy, system.c.environment, member.c.group_key,
               system.c.application, target.c.service, target.c.sku, target.c.region)
        .join(member, member.c.system_id == system.c.id)
        .join(assessment, assessment.c.system_id == system.c.id)
        .outerjoin(target, target.c.system_id == system.c.id)
        .where(member.c.wave_id == wave.id)).all()
    workloads = [Workload(row[0], row[1], Strategy(row[2]), row[3], row[4] or "", row[5], row[6], row[7], row[8])
                 for row in rows]
    version, edits = latest_edits(wave.id, session=session)
    return wave, build_runbook(wave.number, wave.name, workloads, edits=edits, version=version)


def known_waves(*, session: Session) -> str:
    """The wave numbers there are, as a person reads them ("the plan has waves 0 to 12")."""
    numbers = sorted(session.scalars(select(col(Wave.number))))
    if not numbers:
        return "there is no wave plan yet (plan the waves first)"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"the plan has waves {numbers[0]} to {numbers[-1]}"
    return "the plan has waves " + ", ".join(str(number) for number in numbers)


def names_to_ids(runbook: Runbook, names: Sequence[str]) -> list[int]:
    """The workloads named, every unknown name said at once."""
    unknown = [name for name in names if name not in {plan.workload.name for plan in runbook.workloads}]
    if unknown:
        raise LumenError(f"not workloads of wave {runbook.wave_number}: {', '.join(unknown)}")
    return [runbook.workload(name).workload.system_id for name in names]


def load_targets(system_ids: Sequence[int], *, session: Session) -> dict[int, TargetSpec]:
    """The Azure targets of these systems, as the Azure backend builds templates from them."""
    target = table_of(TargetMapping)
    rows = session.connection().execute(
        select(target.c.system_id, target.c.service, target.c.sku, target.c.region, target.c.disks,
               target.c.details).where(target.c.system_id.in_(list(system_ids)))).all()
    return {row[0]: TargetSpec(service=row[1], sku=row[2], region=row[3],
                               disks=tuple((str(d["tier"]), int(d["size_gib"])) for d in row[4] or ()),
                               os=(row[5] or {}).get("os"), details=MappingProxyType(dict(row[5] or {})))
            for row in rows}


def latest_edits(wave_id: int, *, session: Session) -> tuple[int, RunbookEdits]:
    stored = session.scalars(select(RunbookVersion).where(col(RunbookVersion.wave_id) == wave_id)
                             .order_by(col(RunbookVersion.version).desc()).limit(1)).first()
    if stored is None:
        return 1, RunbookEdits()
    return stored.version, RunbookEdits.from_dict(stored.edits, source=f"runbook version {stored.version}")


def save_edits(wave_number: int, edits: RunbookEdits, *, author: str | None, comment: str,
               session: Session) -> int:
    """Store a new version of the wave's runbook edits (checked against the wave first); returns its number."""
    wave = session.scalars(select(Wave).where(col(Wave.number) == wave_number)).first()
    if wave is None or wave.id is None:
        raise NotFoundError(f"no wave numbered {wave_number}")
    version, _ = latest_edits(wave.id, session=session)  # 1: the runbook as planned, without edits
    new_version = version + 1
    _, runbook = load_runbook(wave_number, session=session)  # members exist
    build_runbook(wave.number, wave.name, [plan.workload for plan in runbook.workloads], edits=edits)
    session.add(RunbookVersion(wave_id=wave.id, version=new_version, edits=edits.to_dict(), author=author,
                               comment=comment, created_at=utcnow()))
    return new_version


class BackendMismatchError(LumenError):
    """A run would continue on another backend than the one it acted on."""


def open_run(wave_number: int, *, backend: str, on_failure: str, max_failures: int | None,
             session: Session) -> RunHandle:
    """Continue the wave's unfinished run, or start a new one; the wave is started and frozen from now on."""
    wave, runbook = load_runbook(wave_number, session=session)
    assert wave.id is not None
    if wave.status == WaveStatus.COMPLETED.value:
        raise WaveCompletedError(f"wave {wave_number} is already completed; a rollback of wave {wave_number} "
                                 "undoes it, after which it can run again")
    unfinished = session.scalars(select(WaveRun).where(col(WaveRun.wave_id) == wave.id,
                                                       col(WaveRun.status).in_(UNFINISHED))
                                 .order_by(col(WaveRun.id).desc()).limit(1)).first()
    now = utcnow()
    if unfinished is not None and unfinished.backend != backend:
        raise BackendMismatchError(
            f"wave {wave_number}'s unfinished run {unfinished.id} acts on {unfinished.backend}: resume it there "
            f"(backend {unfinished.backend}), or roll wave {wave_number} back first")
    if unfinished is not None:
        run, resumed = unfinished, True
        run.status, run.on_failure, run.max_failures = RunStatus.RUNNING.value, on_failure, max_failures
    else:
        run, resumed = WaveRun(wave_id=wave.id, status=RunStatus.RUNNING.value, backend=backend, started_at=now,
                               on_failure=on_failure, max_failures=max_failures,
                               runbook_version=runbook.version, workloads=len(runbook.workloads)), False
        session.add(run)
    wave.status, wave.frozen = WaveStatus.STARTED.value, True
    wave.started_at = wave.started_at or now
    session.flush()
    assert run.id is not None
    return RunHandle(run.id, wave.id, wave.number, resumed, runbook)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire_lock(db_url: str, *, wave_id: int, wave_number: int, run_id: int) -> None:
    """Take the wave's lock for this process, or raise WaveBusyError naming who holds it."""
    lock = table_of(WaveLock)
    now = utcnow()
    until = now + dt.timedelta(seconds=LEASE_SECONDS)
    with session_scope(db_url) as session:
        held = session.connection().execute(select(lock.c.owner, lock.c.lease_until, lock.c.run_id)
                                            .where(lock.c.wave_id == wave_id)).first()
        if held is not None:
            owner, lease_until, held_run = held
            if lease_until.tzinfo is None:
                lease_until = lease_until.replace(tzinfo=dt.UTC)
            if not (_owner_gone(owner) or lease_until < now):
                raise WaveBusyError(f"wave {wave_number} is already running (run {held_run}, process {owner}); "
                                    "wait for it to finish")
            session.execute(delete(lock).where(lock.c.wave_id == wave_id, lock.c.owner == owner))
    try:
        with session_scope(db_url) as session:
            session.execute(insert(lock).values(wave_id=wave_id, run_id=run_id, owner=owner_name(),
                                                lease_until=until))
    except IntegrityError as e:
        raise WaveBusyError(f"wave {wave_number} was started by another process a moment ago") from e


def renew_lock(db_url: str, *, wave_id: int) -> None:
    with session_scope(db_url) as session:
        session.execute(update(table_of(WaveLock)).where(table_of(WaveLock).c.wave_id == wave_id,
                                                         table_of(WaveLock).c.owner == owner_name())
                        .values(lease_until=utcnow() + dt.timedelta(seconds=LEASE_SECONDS)))


def release_lock(db_url: str, *, wave_id: int) -> None:
    with session_scope(db_url) as session:
        session.execute(delete(table_of(WaveLock)).where(table_of(WaveLock).c.wave_id == wave_id,
                                                         table_of(WaveLock).c.owner == owner_name()))


@contextmanager
def renewed(renew: Callable[[], object], *, name: str, every: float = LEASE_SECONDS / 4) -> Iterator[None]:
    """Call `renew` every `every` seconds in a background thread while the block runs (a lease kept alive)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            renew()

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def wave_lock(db_url: str, *, wave_id: int, wave_number: int, run_id: int) -> Iterator[None]:
    """Hold the wave's lock for the block, renewing its lease in the background."""
    acquire_lock(db_url, wave_id=wave_id, wave_number=wave_number, run_id=run_id)
    try:
        with renewed(lambda: renew_lock(db_url, wave_id=wave_id), name=f"wave-{wave_number}-lease"):
            yield
    finally:
        release_lock(db_url, wave_id=wave_id)


def move_state(db_url: str, system_ids: Sequence[int], to: SystemState) -> None:
    with get_engine(db_url).begin() as connection:  # no ORM session: this runs twice per workload
        set_state(system_ids, to, session=connection)


def finish_run(db_url: str, run_id: int, *, status: RunStatus, migrated: int, failed: int, rolled_back: int,
               wave_done: WaveStatus | None) -> None:
    """Record the run's end and counts; the wave completes (or is rolled back) when every workload did."""
    with session_scope(db_url) as session:
        run = session.get(WaveRun, run_id)
        assert run is not None
        run.status, run.migrated, run.failed, run.rolled_back = status.value, migrated, failed, rolled_back
        if status in (RunStatus.COMPLETED, RunStatus.ROLLED_BACK, RunStatus.FAILED):
            run.finished_at = utcnow()
        if wave_done is not None:
            wave = session.get(Wave, run.wave_id)
            assert wave is not None
            wave.status = wave_done.value
            if wave_done is WaveStatus.COMPLETED:
                wave.completed_at = utcnow()


def set_flow_run(db_url: str, run_id: int, flow_run_id: str | None) -> None:
    if flow_run_id is None:
        return
    with session_scope(db_url) as session:
        run = session.get(WaveRun, run_id)
        if run is not None:
            run.flow_run_id = flow_run_id


def states_of(db_url: str, system_ids: Sequence[int]) -> dict[int, str]:
    system = table_of(System)
    with session_scope(db_url) as session:
        return dict(session.connection().execute(
            select(system.c.id, system.c.state).where(system.c.id.in_(list(system_ids)))).all())


def latest_step_events(run_id: int, *, session: Session) -> dict[tuple[int | None, str], tuple[str, str]]:
    """Each step's latest line of a run, (system, step key) -> (kind, event); system None: the wave's own steps."""
    journal = table_of(StepJournal)
    latest: dict[tuple[int | None, str], tuple[str, str]] = {}
    for system_id, step_key, kind, event in session.connection().execute(
            select(journal.c.system_id, journal.c.step_key, journal.c.kind, journal.c.event)
            .where(journal.c.run_id == run_id, journal.c.action == "do").order_by(journal.c.id)):
        latest[(system_id, step_key)] = (kind, event)
    return latest


def run_overview(*, session: Session) -> list[dict[str, object]]:
    """The latest run of every wave that has one: status, counts, and per step kind how many workloads have it
    done / failed / waiting (what `status` shows, as Migration Hub Orchestrator counts steps)."""
    from flows.execution.journal import Event  # journal needs no Prefect either; imported here to stay acyclic

    runs = session.scalars(select(WaveRun).order_by(col(WaveRun.id))).all()
    latest = {run.wave_id: run for run in runs}
    numbers = dict(session.execute(select(col(Wave.id), col(Wave.number))).all())
    overview = []
    for wave_id, run in sorted(latest.items(), key=lambda item: numbers[item[0]]):
        assert run.id is not None
        steps: dict[str, dict[str, int]] = {}
        for kind, event in latest_step_events(run.id, session=session).values():
            bucket = {"succeeded": "completed", "approved": "completed", "skipped": "completed",
                      Event.FAILED.value: "failed", "rejected": "failed", "awaiting": "waiting"}.get(event, "running")
            steps.setdefault(kind, {"completed": 0, "failed": 0, "waiting": 0, "running": 0})[bucket] += 1
        overview.append({"wave": numbers[wave_id], "run_id": run.id, "status": run.status, "backend": run.backend,
                         "workloads": run.workloads, "migrated": run.migrated, "failed": run.failed,
                         "rolled_back": run.rolled_back, "flow_run_id": run.flow_run_id, "steps": steps})
    return overview


def latest_run(wave_number: int, *, session: Session) -> WaveRun:
    run = session.scalars(select(WaveRun).join(Wave, col(Wave.id) == col(WaveRun.wave_id))
                          .where(col(Wave.number) == wave_number).order_by(col(WaveRun.id).desc()).limit(1)).first()
    if run is None:
        raise NotFoundError(f"wave {wave_number} has not been run yet: there is nothing to roll back or answer")
    return run


def waiting_at_gates(run_id: int, *, session: Session) -> dict[str, str]:
    """The workloads of a run that wait at a gate now, name -> environment (what `approve` may answer)."""
    system = table_of(System)
    ids = {system_id for (system_id, _), (_, event) in latest_step_events(run_id, session=session).items()
           if system_id is not None and event == "awaiting"}
    if not ids:
        return {}
    return dict(session.connection().execute(
        select(system.c.name, system.c.environment).where(system.c.id.in_(ids)).order_by(system.c.name)).all())


def next_run_name(wave_number: int, *, session: Session) -> str:
    """What the wave's next run is called: "wave-3 run 2" (its unfinished run's ordinal when it resumes)."""
    runs = session.scalars(select(col(WaveRun.status)).join(Wave, col(Wave.id) == col(WaveRun.wave_id))
                           .where(col(Wave.number) == wave_number).order_by(col(WaveRun.id))).all()
    resuming = bool(runs) and runs[-1] in UNFINISHED
    return f"wave-{wave_number} run {len(runs) if resuming else len(runs) + 1}"


def mark_run(db_url: str, run_id: int, status: RunStatus) -> None:
    """A paused run was answered and goes on (running), or still has workloads at a gate (paused)."""
    with session_scope(db_url) as session:
        run = session.get(WaveRun, run_id)
        if run is not None:
            run.status, run.finished_at = status.value, None


def due_waves(*, session: Session, today: dt.date | None = None) -> list[int]:
    """Waves dated today or earlier, frozen by the change board (approved), never started."""
    day = today or dt.datetime.now(dt.UTC).date()
    return list(session.scalars(select(col(Wave.number)).where(
        col(Wave.planned_date) <= day, col(Wave.frozen).is_(True), col(Wave.status) == WaveStatus.PLANNED.value)
        .order_by(col(Wave.number))))
