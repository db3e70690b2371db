"""run-due-waves is scheduled on the dates of the approved waves only: no run, and no "none due" run, otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from prefect.server.schemas.schedules import RRuleSchedule as ServerRRule
from sqlalchemy import select, update
from sqlmodel import col

from flows.execution.due_waves import DUE_HOUR, due_dates, due_schedules
from inventory.db import session_scope
from inventory.tables import Wave, WaveStatus
from tests.integration.test_plan_flow import build_estate, plan

pytestmark = pytest.mark.integration


def test_the_schedule_holds_exactly_the_dates_of_approved_waves_not_yet_started(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url
    build_estate(url, monkeypatch)
    plan(pilot_max_systems=1, max_systems=2)
    with session_scope(url) as session:
        waves = sorted(session.scalars(select(Wave)), key=lambda w: w.number)
        first_day = waves[0].planned_date
        assert first_day is not None
        now = dt.datetime.combine(first_day, dt.time(0), tzinfo=dt.UTC)
        assert due_dates(session=session, now=now) == [], "nothing approved (frozen): nothing scheduled"
        assert len(waves) >= 2
        approved = [w.number for w in waves]
        session.execute(update(Wave).where(col(Wave.number).in_(approved[1:])).values(frozen=True))
        # The first is approved and already started (a run took it): not scheduled again.
        session.execute(update(Wave).where(col(Wave.number) == approved[0])
                        .values(status=WaveStatus.STARTED.value, frozen=True))
    with session_scope(url) as session:
        expected = sorted({dt.datetime.combine(w.planned_date, dt.time(DUE_HOUR), tzinfo=dt.UTC)
                           for w in waves[1:] if w.planned_date})
        assert due_dates(session=session, now=now) == expected
        later = expected[0] + dt.timedelta(minutes=1)
        assert due_dates(session=session, now=later) == expected[1:], "a date already past is not scheduled"
    (schedule,) = due_schedules(expected)
    # When the server makes runs of it (its own reading of the stored schedule).
    fires = list(ServerRRule(rrule=schedule.rrule, timezone=schedule.timezone).to_rrule())
    assert [when.astimezone(dt.UTC) for when in fires] == expected
    assert due_schedules([]) == []
