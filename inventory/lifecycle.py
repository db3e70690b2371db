"""A workload's lifecycle: which state may follow which, and the one function every writer moves states with.

Assessment, planning and execution all move `system.state`. They do it through `set_state`, which applies the
transition table in one set-based UPDATE: a system that execution has taken (migrating, migrated) can never be
pulled back by a re-assessment or a re-plan, because no row of the table allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from inventory.errors import LumenError
from inventory.tables import System, SystemState, table_of

S = SystemState
# to-state -> the states it may be reached from. Planning states move freely among themselves; execution
# states only forward, or back through a rollback; decommissioned is final.
_PLANNING = frozenset({S.IMPORTED, S.ASSESSED, S.PLANNED, S.EXCLUDED})
TRANSITIONS: dict[SystemState, frozenset[SystemState]] = {
    S.IMPORTED: frozenset(),
    S.ASSESSED: _PLANNING | {S.ROLLED_BACK},
    S.PLANNED: frozenset({S.ASSESSED, S.PLANNED, S.EXCLUDED, S.ROLLED_BACK}),
    S.EXCLUDED: frozenset({S.ASSESSED, S.PLANNED, S.EXCLUDED, S.ROLLED_BACK}),
    S.MIGRATING: frozenset({S.PLANNED, S.ROLLED_BACK, S.MIGRATING}),
    S.MIGRATED: frozenset({S.MIGRATING}),
    S.ROLLED_BACK: frozenset({S.MIGRATING, S.MIGRATED, S.ROLLED_BACK}),
    S.DECOMMISSIONED: frozenset({S.MIGRATED}),
}
# States execution owns: planning and assessment leave such systems (and their waves) alone.
IN_EXECUTION = frozenset({S.MIGRATING, S.MIGRATED, S.DECOMMISSIONED})


class StateTransitionError(LumenError):
    """Systems were asked to move to a state their current state does not allow."""


def may_move(current: SystemState, to: SystemState) -> bool:
    return current in TRANSITIONS[to]


@dataclass(frozen=True)
class StateChange:
    """What `set_state` did: how many rows moved (rows already in the state, and refused ones, do not count)."""

    moved: int


def set_state(ids: Iterable[int] | Select[tuple[int]], to: SystemState, *, session: Session | Connection,
              strict: bool = False) -> StateChange:
    """Move the systems `ids` (a list, or a SELECT of ids) to `to`, where the transition table allows it.

    Rows already in `to` are not rewritten. Refused rows keep their state; with `strict` they raise
    StateTransitionError instead (execution moves a named workload and must know it could not). A plain
    Connection does as well as a Session (execution moves one workload at a time, from many threads).
    """
    connection = session.connection() if isinstance(session, Session) else session
    system = table_of(System)
    chosen = ids if isinstance(ids, Select) else sorted(set(ids))
    allowed = [state.value for state in TRANSITIONS[to] if state is not to]
    if strict:
        found = connection.execute(
            select(system.c.id, system.c.state).where(system.c.id.in_(chosen))).all()
        refused = tuple(sorted(row_id for row_id, state in found if state != to.value and state not in allowed))
        if refused or (not isinstance(chosen, Select) and len(found) != len(chosen)):
            missing = sorted(set(chosen) - {row_id for row_id, _ in found}) if not isinstance(chosen, Select) else []
            raise StateTransitionError(
                f"cannot move system(s) {', '.join(map(str, refused or missing))} to {to.value}: "
                + ("no such system" if missing and not refused else "their state does not allow it"))
    result = connection.execute(update(system).where(system.c.id.in_(chosen), system.c.state.in_(allowed))
                             .values(state=to.value))
    return StateChange(moved=int(result.rowcount or 0))

