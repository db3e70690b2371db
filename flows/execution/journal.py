"""The step journal: append-only lines, each committed on its own, read back as the state of every step.

Before a step acts the engine writes its intent; after, its outcome with the resource ids it created. A process
killed between the two leaves an intent without an outcome: the engine asks the backend what that step left
(`Backend.describe`) instead of guessing. Nothing is updated in place, so no line is ever lost to a crash.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from inventory.db import get_engine
from inventory.errors import LumenError
from inventory.tables import StepJournal, table_of


class Action(StrEnum):
    DO = "do"
    UNDO = "undo"


class Event(StrEnum):
    INTENT = "intent"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    AWAITING = "awaiting"
    APPROVED = "approved"
    REJECTED = "rejected"


DONE = frozenset({Event.SUCCEEDED, Event.SKIPPED, Event.APPROVED})


@dataclass(frozen=True, slots=True)
class StepRecord:
    """The latest line of one (system, step, action), with the resources its success recorded."""

    event: Event
    attempt: int
    seq: int = 0  # the line's id: which of a step's do and undo came last
    resources: tuple[str, ...] = ()
    error: str | None = None
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def done(self) -> bool:
        return self.event in DONE


Key = tuple[int, str, Action]  # system 0: the wave's own steps


_INSERT = insert(table_of(StepJournal))


class JournalWriteError(LumenError):
    """A journal line could not be stored: the step must not act (or be counted done) without it."""


@dataclass(slots=True)
class _Ticket:
    line: dict[str, Any]
    done: bool = False
    error: BaseException | None = None


class _GroupCommit:
    """Lines written at the same moment by several threads share one transaction (group commit, as databases
    do it): the first writer stores every pending line and commits while the others wait, idle; each `write`
    still returns only once its own line is durable. One commit per line made 8 threads queue on SQLite's
    single writer (and on the GIL while holding it): several times slower under a busy Prefect process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._changed = threading.Condition()
        self._pending: list[_Ticket] = []
        self._committing = False

    def write(self, line: dict[str, Any]) -> None:
        ticket = _Ticket(line)
        with self._changed:
            self._pending.append(ticket)
            while self._committing and not ticket.done:
                self._changed.wait()
            if not ticket.done:
                self._committing = True
                batch, self._pending = self._pending, []
        if not ticket.done:
            error: BaseException | None = None
            try:
                with self.engine.begin() as connection:
                    connection.execute(_INSERT, [pending.line for pending in batch])
            except BaseException as e:  # every writer of the batch learns its line was not stored
                error = e
            with self._changed:
                for pending in batch:
                    pending.done, pending.error = True, error
                self._committing = False
                self._changed.notify_all()
        if ticket.error is not None:
            raise JournalWriteError(f"the step journal could not be written: {ticket.error}") from ticket.error


_COMMITTERS: dict[str, _GroupCommit] = {}
_committers_lock = threading.Lock()


def _committer(engine: Engine) -> _GroupCommit:
    """One per database per process (a disposed and rebuilt engine gets a new one)."""
    key = engine.url.render_as_string(hide_password=False)
    with _committers_lock:
        found = _COMMITTERS.get(key)
        if found is None or found.engine is not engine:
            found = _COMMITTERS[key] = _GroupCommit(engine)
        return found


class Journal:
    """The journal of one wave run. Each `write` is durable when it returns (see `_GroupCommit`)."""

    def __init__(self, db_url: str, *, run_id: int, wave_id: int) -> None:
        self.engine: Engine = get_engine(db_url)
        self.run_id, self.wave_id = run_id, wave_id
        self._committer = _committer(self.engine)

    def write(self, system_id: int | None, step_key: str, kind: str, action: Action, event: Event, *,
              attempt: int = 1, duration_ms: float | None = None, error: str | None = None,
              resources: Iterable[str] = (), detail: Mapping[str, Any] | None = None,
              actor: str | None = None) -> None:
        self._committer.write({
            "run_id": self.run_id, "wave_id": self.wave_id, "system_id": system_id or None, "step_key": step_key,
            "kind": kind, "action": action.value, "event": event.value, "attempt": attempt,
            "at": dt.datetime.now(dt.UTC), "duration_ms": duration_ms, "error": error,
            "resources": list(resources), "detail": dict(detail or {}), "actor": actor})

    def state(self, system_id: int | None = None) -> dict[Key, StepRecord]:
        """The latest line per (system, step, action) of this run; resources come from its last success.
        System 0 stands for the wave's own steps (journaled without a system)."""
        journal = table_of(StepJournal)
        query = select(journal.c.id, journal.c.system_id, journal.c.step_key, journal.c.action, journal.c.event,
                       journal.c.attempt, journal.c.resources, journal.c.error, journal.c.detail
                       ).where(journal.c.run_id == self.run_id).order_by(journal.c.id)
        if system_id is not None:
            query = query.where(journal.c.system_id == system_id if system_id else journal.c.system_id.is_(None))
        state: dict[Key, StepRecord] = {}
        with self.engine.connect() as connection:
            for seq, system, step_key, action, event, attempt, resources, error, detail in connection.execute(query):
                key = (system or 0, step_key, Action(action))
                previous = state.get(key)
                kept = tuple(resources or ()) or (previous.resources if previous else ())
                state[key] = StepRecord(Event(event), attempt, seq, kept, error, MappingProxyType(detail or {}))
        return state

    def lines(self) -> list[dict[str, Any]]:
        """Every line of the run in order (for `status`, reports and tests)."""
        journal = table_of(StepJournal)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(journal).where(journal.c.run_id == self.run_id).order_by(journal.c.id))]


def undone_since(state: Mapping[Key, StepRecord], system_id: int, step_key: str) -> bool:
    """Whether the step's last success was compensated afterwards (a resumed run must then do it again)."""
    did, undid = state.get((system_id, step_key, Action.DO)), state.get((system_id, step_key, Action.UNDO))
    return did is not None and undid is not None and undid.event is Event.SUCCEEDED and undid.seq > did.seq
