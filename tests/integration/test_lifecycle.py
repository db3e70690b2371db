"""The workload lifecycle on a real database: one transition table, one `set_state`; waves keep their identity.

A system that execution has taken (migrating) survives a re-assessment and a re-plan; a wave a run has touched is
kept by re-planning, so the run's rows never point at a deleted wave; a re-planned wave keeps its id."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import col

from flows.assess_flow import assess_estate, store_assessment
from flows.parameters import AssessParameters
from inventory.db import session_scope
from inventory.lifecycle import TRANSITIONS, StateTransitionError, may_move, set_state
from inventory.tables import System, SystemState, Wave, WaveMember, WaveRun
from tests.integration.test_plan_flow import build_estate, plan

pytestmark = pytest.mark.integration
S = SystemState


@pytest.mark.parametrize(("current", "to", "allowed"), [
    (S.IMPORTED, S.ASSESSED, True), (S.PLANNED, S.ASSESSED, True), (S.ROLLED_BACK, S.PLANNED, True),
    (S.PLANNED, S.MIGRATING, True), (S.MIGRATING, S.MIGRATED, True), (S.MIGRATING, S.ROLLED_BACK, True),
    (S.MIGRATED, S.ROLLED_BACK, True), (S.MIGRATED, S.DECOMMISSIONED, True), (S.ROLLED_BACK, S.MIGRATING, True),
    # what re-assessment and re-planning must never do to a system execution has taken
    (S.MIGRATING, S.ASSESSED, False), (S.MIGRATING, S.PLANNED, False), (S.MIGRATED, S.ASSESSED, False),
    (S.MIGRATED, S.PLANNED, False), (S.MIGRATED, S.EXCLUDED, False), (S.DECOMMISSIONED, S.ASSESSED, False),
    # nor may execution skip a step
    (S.ASSESSED, S.MIGRATING, False), (S.PLANNED, S.MIGRATED, False), (S.IMPORTED, S.PLANNED, False),
    (S.DECOMMISSIONED, S.MIGRATING, False),
])
def test_transition_table(current: SystemState, to: SystemState, allowed: bool) -> None:
    assert may_move(current, to) is allowed


def test_every_state_has_a_row_and_decommissioned_is_final() -> None:
    assert set(TRANSITIONS) == set(SystemState)
    assert not any(S.DECOMMISSIONED in sources for sources in TRANSITIONS.values())


def states(*names: str) -> dict[str, str]:
    with session_scope() as session:
        return dict(session.execute(select(col(System.name), col(System.state))
                                    .where(col(System.name).in_(names))).all())


def ids_of(*names: str) -> list[int]:
    with session_scope() as session:
        return list(session.scalars(select(col(System.id)).where(col(System.name).in_(names))))


def waves() -> dict[int, int]:
    with session_scope() as session:
        return dict(session.execute(select(col(Wave.number), col(Wave.id))).all())


def start_run(wave_number: int) -> None:
    """What the execution engine does when a run starts: a run row on the wave, its first workload migrating."""
    with session_scope() as session:
        wave = session.scalars(select(Wave).where(col(Wave.number) == wave_number)).one()
        session.add(WaveRun(wave_id=wave.id, status="failed", backend="simulator",
                            started_at=dt.datetime.now(dt.UTC)))


def test_a_migrating_system_survives_reassessment_and_replanning(db_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build_estate(db_url, monkeypatch)
    plan()
    with session_scope() as session:
        first = session.scalars(select(Wave).order_by(col(Wave.number))).first()
        assert first is not None
        member = session.scalars(select(col(WaveMember.system_id)).where(col(WaveMember.wave_id) == first.id)).first()
        name = session.scalars(select(col(System.name)).where(col(System.id) == member)).one()
        set_state([member], S.MIGRATING, session=session, strict=True)
    start_run(first.number)
    result, settings = assess_estate.fn(AssessParameters())
    store_assessment.fn(result, settings)
    assert states(name) == {name: "migrating"}, "re-assessment left the migrating system alone"
    plan()
    assert states(name) == {name: "migrating"}, "re-planning left the migrating system alone"
    with session_scope() as session:
        wave_of = session.scalars(select(col(WaveMember.wave_id)).where(col(WaveMember.system_id) == member)).one()
    assert wave_of == first.id, "the system stays in the wave its run started"


def test_replanning_keeps_a_wave_whose_run_failed_and_the_ids_of_replanned_waves(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build_estate(db_url, monkeypatch)
    plan(max_systems=2, pilot_max_systems=1)
    before = waves()
    assert len(before) >= 3
    start_run(2)  # failed in preflight: the wave is still "planned", but a run points at it
    plan(max_systems=2, pilot_max_systems=1)
    after = waves()
    assert after[2] == before[2], "the wave a run touched is kept, row and id"
    assert {number: after[number] for number in before if number in after} == \
        {number: before[number] for number in before if number in after}, "re-planned waves keep their ids"


def test_strict_set_state_refuses_a_move_the_table_forbids_and_changes_nothing(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build_estate(sqlite_url, monkeypatch)
    (web,) = ids_of("web-01")
    with pytest.raises(StateTransitionError, match=f"cannot move system\\(s\\) {web} to migrated"), \
            session_scope() as session:
        set_state([web], S.MIGRATED, session=session, strict=True)
    assert states("web-01") == {"web-01": "assessed"}
    with pytest.raises(StateTransitionError, match="no such system"), session_scope() as session:
        set_state([987654], S.ASSESSED, session=session, strict=True)


def test_set_state_moves_only_rows_that_change(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build_estate(sqlite_url, monkeypatch)
    with session_scope() as session:
        everyone = select(col(System.id))
        assert set_state(everyone, S.ASSESSED, session=session).moved == 0
        assert set_state(ids_of("web-01", "db-01"), S.PLANNED, session=session).moved == 2
        assert set_state(everyone, S.PLANNED, session=session).moved == 10
