"""Ordering, packing and dates: pilot, environment and risk order, producers first, hubs, pins, frozen waves."""

from __future__ import annotations

import datetime as dt

import pytest

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves import (
    FrozenWave,
    PlanEdge,
    PlanningError,
    PlanSystem,
    WavePlan,
    WavePolicy,
    plan_waves,
)
from migrations_plan.waves.inputs import Objective
from migrations_plan.waves.packing import wave_dates

RISK = Objective.RISK_FIRST  # the tests of the environment and risk tiers

START = dt.date(2026, 1, 5)
D = dt.timedelta


def system(
    sid: int, *, env: str = "production", app: str | None = None, crit: str | None = "medium",
    gb: float = 100.0, saving: float = 0.0, pin: int | None = None, name: str | None = None,
    strategy: Strategy = Strategy.REHOST,
) -> PlanSystem:
    return PlanSystem(id=sid, name=name or f"srv{sid:03d}", environment=env, criticality=crit, application=app,
                      strategy=strategy, storage_gb=gb, monthly_saving=saving, pinned_wave=pin)


def waves_by_system(plan: WavePlan) -> dict[int, int]:
    return dict(plan.wave_numbers)


@pytest.mark.parametrize(
    ("blackouts", "expected_offsets"),
    [
        pytest.param(set(), [0, 14, 28], id="plain-cadence"),
        pytest.param({14}, [0, 15, 28], id="blackout-moves-one-wave-cadence-continues"),
        pytest.param({0, 1, 2}, [3, 14, 28], id="consecutive-blackouts"),
        pytest.param(set(range(14, 30)), [0, 30, 31], id="long-blackout-keeps-waves-apart"),
    ],
)
def test_wave_dates(blackouts: set[int], expected_offsets: list[int]) -> None:
    policy = WavePolicy(start=START, blackout_dates=frozenset(START + D(days=d) for d in blackouts))
    assert wave_dates(3, policy) == [START + D(days=d) for d in expected_offsets]


def test_plan_dates_skip_blackouts() -> None:
    christmas = dt.date(2026, 1, 19)
    policy = WavePolicy(start=START, max_systems=1, pilot_max_systems=0, blackout_dates=frozenset({christmas}))
    plan = plan_waves([system(i) for i in (1, 2, 3)], [], policy=policy)
    assert [w.date for w in plan.waves] == [START, christmas + D(days=1), START + D(days=28)]


def test_pilot_takes_the_smallest_low_risk_non_production_groups() -> None:
    systems = [
        system(1, env="development", crit="low", app="tiny"),
        system(2, env="test", crit=None, app="pair"), system(3, env="test", crit=None, app="pair"),
        system(4, env="production", crit="low"),                       # production: never in the pilot
        system(5, env="development", crit="high"),                     # too risky
        system(6, env="staging", crit="low"),                          # not a pilot environment
        system(7, env="development", crit="low", name="dns-dev01"),    # shared infrastructure
        *[system(i, env="development", crit="low", app="big") for i in range(8, 12)],  # 4: does not fit
        system(12, env="unknown", crit="low"),                         # unknown environment
    ]
    policy = WavePolicy(start=START, pilot_max_systems=4)
    plan = plan_waves(systems, [], policy=policy)
    pilot = plan.waves[0]
    assert pilot.pilot and pilot.name == "Wave 0 (pilot)" and pilot.date == START
    assert set(pilot.systems) == {1, 2, 3}
    assert all(not w.pilot for w in plan.waves[1:])


def test_pilot_waits_for_nothing() -> None:
    """A low-risk dev group that consumes another group's service cannot be in the pilot."""
    systems = [system(1, env="development", crit="low"), system(2, env="production")]
    plan = plan_waves(systems, [PlanEdge(1, 2, port=443)], policy=WavePolicy(start=START), cuts=[(1, 2)])
    assert not any(w.pilot for w in plan.waves)
    assert plan.wave_of(2) <= plan.wave_of(1)


def test_no_pilot_when_disabled() -> None:
    plan = plan_waves([system(1, env="development", crit="low")], [],
                      policy=WavePolicy(start=START, pilot_max_systems=0))
    assert plan.waves[0].name == "Wave 0" and not plan.waves[0].pilot


def test_environments_move_in_order_then_risk_then_savings() -> None:
    systems = [
        system(1, env="production", crit="low", saving=100), system(2, env="production", crit="low", saving=900),
        system(3, env="production", crit="critical", saving=5000),
        system(4, env="test"), system(5, env="development"), system(6, env="staging"), system(7, env="dr"),
    ]
    policy = WavePolicy(start=START, objective=RISK, max_systems=1, pilot_max_systems=0)
    plan = plan_waves(systems, [], policy=policy)
    assert [w.systems for w in plan.waves] == [(5,), (4,), (6,), (7,), (2,), (1,), (3,)]


def test_production_does_not_slip_into_gaps_among_development_waves() -> None:
    """First fit would put the 1-system prod group into wave 0's gap; the environment floor keeps it later."""
    systems = [system(1, env="development", app="d1"), system(2, env="development", app="d1"),
               system(3, env="development", app="d2"), system(4, env="development", app="d2"),
               system(5, env="development", app="d2"), system(6, env="production")]
    policy = WavePolicy(start=START, objective=RISK, max_systems=3, pilot_max_systems=0)
    plan = plan_waves(systems, [], policy=policy)
    waves = waves_by_system(plan)
    assert waves[6] >= max(waves[i] for i in range(1, 6))


def test_producer_moves_first_even_against_environment_order() -> None:
    """Dev consumer 1 calls production producer 2 over a cut link: 2 may not move after 1."""
    systems = [system(1, env="development"), system(2, env="production"), system(3, env="development")]
    policy = WavePolicy(start=START, objective=RISK, max_systems=1, pilot_max_systems=0)
    plan = plan_waves(systems, [PlanEdge(1, 2, port=443)], policy=policy, cuts=[(1, 2)])
    waves = waves_by_system(plan)
    assert waves[2] < waves[1]
    assert waves[3] == 0  # the unconstrained dev system still goes first


def test_shared_infrastructure_moves_right_after_the_pilot() -> None:
    systems = [system(1, env="development", crit="low"), system(2, env="development"),
               system(3, env="production", name="dns01"), system(4, env="test")]
    edges = [PlanEdge(i, 3, port=53) for i in (1, 2, 4)]
    policy = WavePolicy(start=START, objective=RISK, max_systems=1, pilot_max_systems=1)
    plan = plan_waves(systems, edges, policy=policy)
    assert [w.systems for w in plan.waves] == [(1,), (3,), (2,), (4,)]


def test_group_whose_consumers_already_moved_goes_first() -> None:
    systems = [system(1), system(2), system(3), system(9)]
    frozen = [FrozenWave(0, START - D(days=14), frozenset({9}))]
    # 9 (already moving) consumes 2: 2 jumps ahead of its equals 1 and 3.
    policy = WavePolicy(start=START, objective=RISK, max_systems=1)
    plan = plan_waves(systems, [PlanEdge(9, 2, port=443)], policy=policy, frozen=frozen)
    assert [w.systems for w in plan.waves] == [(9,), (2,), (1,), (3,)]


def test_frozen_waves_are_kept_and_new_waves_follow() -> None:
    systems = [system(i, env="development", crit="low") for i in range(1, 7)]
    frozen = [FrozenWave(0, dt.date(2025, 12, 1), frozenset({1, 2})),
              FrozenWave(1, dt.date(2025, 12, 15), frozenset({3, 99}))]
    plan = plan_waves(systems, [PlanEdge(4, 1, port=443), PlanEdge(5, 3, port=443)],
                      policy=WavePolicy(start=START, max_systems=2), frozen=frozen)
    kept = [w for w in plan.waves if w.frozen]
    assert [(w.number, w.date, w.systems) for w in kept] == [
        (0, dt.date(2025, 12, 1), (1, 2)), (1, dt.date(2025, 12, 15), (3, 99))]
    new = [w for w in plan.waves if not w.frozen]
    assert [w.number for w in new] == [2, 3]
    assert new[0].date == START and not any(w.pilot for w in new)  # the pilot ran before
    assert sorted(s for w in new for s in w.systems) == [4, 5, 6]


@pytest.mark.parametrize(
    ("frozen", "message"),
    [
        pytest.param([FrozenWave(0, START, frozenset({1}))], "not before the plan start", id="dated-too-late"),
        pytest.param([FrozenWave(0, dt.date(2025, 1, 1), frozenset({1})),
                      FrozenWave(1, dt.date(2025, 2, 1), frozenset({1}))], "two frozen waves", id="twice"),
        pytest.param([FrozenWave(0, dt.date(2025, 1, 1), frozenset()),
                      FrozenWave(0, dt.date(2025, 2, 1), frozenset())], "distinct", id="same-number"),
    ],
)
def test_frozen_wave_errors(frozen: list[FrozenWave], message: str) -> None:
    with pytest.raises(PlanningError, match=message):
        plan_waves([system(1)], [], policy=WavePolicy(start=START), frozen=frozen)


def test_pins_move_the_whole_group_and_conflicts_take_the_earliest() -> None:
    systems = [system(1, app="a", pin=3), system(2, app="a", pin=5), system(3), system(4, pin=1)]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START, pilot_max_systems=0))
    waves = waves_by_system(plan)
    assert waves[1] == waves[2] == 3 and waves[4] == 1 and waves[3] == 0
    wave3 = next(w for w in plan.waves if w.number == 3)
    assert wave3.pinned and wave3.date == START + D(days=42)
    assert any("pinned to waves 3, 5" in warning for warning in plan.warnings)


def test_pin_to_a_started_wave_is_ignored_with_a_warning() -> None:
    frozen = [FrozenWave(0, dt.date(2025, 12, 1), frozenset({9}))]
    plan = plan_waves([system(1, pin=0), system(9)], [], policy=WavePolicy(start=START), frozen=frozen)
    assert plan.wave_of(1) == 1
    assert any("already started" in warning for warning in plan.warnings)


def test_producer_of_a_pinned_consumer_moves_no_later_than_it() -> None:
    systems = [system(1, pin=2), system(2, env="development"), system(3, env="development")]
    policy = WavePolicy(start=START, max_systems=1, pilot_max_systems=0)
    plan = plan_waves(systems, [PlanEdge(1, 2, port=443)], policy=policy, cuts=[(1, 2)])
    waves = waves_by_system(plan)
    assert waves[1] == 2 and waves[2] <= 2
    assert not plan.warnings


def test_pinned_groups_may_overfill_a_wave_and_say_so() -> None:
    systems = [system(1, pin=0), system(2, pin=0), system(3)]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START, max_systems=1, pilot_max_systems=0))
    assert plan.waves[0].systems == (1, 2)
    assert any(warning.startswith("Wave 0 holds 2 systems") for warning in plan.warnings)
    assert plan.wave_of(3) == 1


def test_storage_limit_packs_waves() -> None:
    systems = [system(i, gb=8_000) for i in range(1, 6)]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START, max_tb=20, pilot_max_systems=0))
    assert [w.systems for w in plan.waves] == [(1, 2), (3, 4), (5,)]
    assert all(w.storage_tb <= 20 for w in plan.waves)


def test_directional_cycles_are_reported_and_broken() -> None:
    systems = [system(1), system(2), system(3)]
    edges = [PlanEdge(1, 2, port=443), PlanEdge(2, 1, port=443), PlanEdge(3, 1, port=443)]
    plan = plan_waves(systems, edges, policy=WavePolicy(start=START, max_systems=1, pilot_max_systems=0),
                      cuts=[(1, 2), (3, 1)])
    assert plan.cycles == ((1, 2),)
    assert set(plan.wave_numbers) == {1, 2, 3}
    assert plan.wave_of(1) <= plan.wave_of(3)  # the link outside the cycle is still respected


def test_rows_and_text() -> None:
    systems = [system(1, env="development", crit="low", app="crm"), system(2, strategy=Strategy.RETIRE),
               system(3, app="crm", env="development", crit="low"), system(4)]
    frozen = [FrozenWave(0, dt.date(2025, 12, 1), frozenset({4}))]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START), frozen=frozen)
    rows = list(plan.rows())
    assert sorted(row.system_id for row in rows) == [1, 2, 3, 4]
    by_id = {row.system_id: row for row in rows}
    assert by_id[2].status == "excluded" and by_id[2].wave is None and "retire" in by_id[2].note
    assert by_id[4].status == "frozen" and by_id[4].wave == 0
    assert by_id[1].status == "planned" and by_id[1].wave == 1 and by_id[1].group_id == by_id[3].group_id
    assert by_id[1].date == START and by_id[1].strategy == "rehost" and by_id[1].application == "crm"
    text = str(plan)
    assert "Wave 0 on 2025-12-01: 1 systems" in text and "[frozen]" in text
    assert "Wave 1 on 2026-01-05: 2 systems" in text and "crm" in text
    assert "1 system(s): strategy retire" in text
    assert repr(plan).startswith("WavePlan(waves=2")


def test_same_input_same_plan() -> None:
    systems = [system(i, env=("development", "production")[i % 2], app=f"a{i % 4}", saving=i) for i in range(30)]
    edges = [PlanEdge(i, (i * 7) % 30, port=443, weight=1 + i % 3) for i in range(30)]
    policy = WavePolicy(start=START, max_systems=4, min_join_weight=2)
    first = plan_waves(systems, edges, policy=policy)
    second = plan_waves(list(reversed(systems)), list(reversed(edges)), policy=policy)
    assert first == second and str(first) == str(second)
