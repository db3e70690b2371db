"""Property-based checks of plan_waves on random estates (hypothesis): the issue's "done when" invariants."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.records import Environment
from migrations_plan.strategy_types import EXCLUDED_FROM_WAVES, Strategy
from migrations_plan.waves import (
    DEFAULT_HUBS,
    FrozenWave,
    Objective,
    PlanEdge,
    PlanSystem,
    WavePlan,
    WavePolicy,
    plan_waves,
)
from migrations_plan.waves.inputs import environment_of

START = dt.date(2026, 1, 5)
ENVIRONMENTS = ["development", "test", "uat", "staging", "dr", "production", "prod", "lab"]
NAMES = ["app", "web", "db", "batch", "api", "queue", "dns", "backup", "corp-dc"]


@dataclass(frozen=True)
class Estate:
    systems: list[PlanSystem]
    edges: list[PlanEdge]
    policy: WavePolicy
    frozen: list[FrozenWave]
    cuts: frozenset[tuple[int, int]]


_SYSTEM = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(ENVIRONMENTS),
    st.sampled_from([None, "low", "medium", "high", "critical"]),
    st.sampled_from([None, None, None, "a", "b", "c", "d", "e", "f"]),
    st.sampled_from(list(Strategy)),
    st.integers(0, 9000),
    st.integers(-500, 5000),
    st.sampled_from([None] * 5 + list(range(7))),
)


@st.composite
def estates(draw: st.DrawFn) -> Estate:
    size = draw(st.integers(1, 30))
    rows = draw(st.lists(_SYSTEM, min_size=size, max_size=size))
    with_pins = draw(st.booleans())
    systems = [
        PlanSystem(id=sid, name=f"{name}{sid:02d}", environment=env, criticality=crit, application=app,
                   strategy=strategy, storage_gb=float(gb), monthly_saving=float(saving),
                   pinned_wave=pin if with_pins else None, azure_monthly=float(gb % 700),
                   one_time_cost=float(gb % 13) * 1000)
        for sid, (name, env, crit, app, strategy, gb, saving, pin) in enumerate(rows, start=1)
    ]
    n = len(systems)
    ids = st.integers(1, n)
    count = draw(st.integers(0, 2 * n))
    edges = draw(st.lists(
        st.builds(PlanEdge, ids, ids, port=st.sampled_from([None, 443, 1521, 8080, 53, 389]), weight=st.integers(1, 4)),
        min_size=count, max_size=count,
    ))
    cut_flags = draw(st.lists(st.integers(0, 2), min_size=len(edges), max_size=len(edges)))
    cuts = frozenset((e.source_id, e.target_id) for e, flag in zip(edges, cut_flags, strict=True) if flag == 0)
    frozen: list[FrozenWave] = []
    if draw(st.integers(0, 2)) == 0:
        taken = draw(st.lists(st.integers(1, n), unique=True, max_size=n // 2))
        split = len(taken) // 2
        frozen = [FrozenWave(0, START - dt.timedelta(days=28), frozenset(taken[:split])),
                  FrozenWave(2, START - dt.timedelta(days=7), frozenset(taken[split:]))]
    max_systems, max_tb, cadence, pilot, min_join = draw(st.tuples(
        st.integers(1, 8), st.sampled_from([1.0, 5.0, 20.0]), st.integers(1, 14), st.integers(0, 5),
        st.integers(1, 3)))
    objective = draw(st.sampled_from(list(Objective)))
    no_prod, max_prod = draw(st.sampled_from([None, None, 2, 5])), draw(st.sampled_from([None, None, 1, 3]))
    policy = WavePolicy(
        start=START, max_systems=max_systems, max_tb=max_tb, cadence_days=cadence, pilot_max_systems=pilot,
        min_join_weight=min_join, objective=objective, no_production_before=no_prod, max_production_per_wave=max_prod,
        blackout_dates=frozenset(START + dt.timedelta(days=d) for d in draw(st.lists(st.integers(0, 60),
                                                                                    max_size=10))),
    )
    return Estate(systems, edges, policy, frozen, cuts)


def plan_of(estate: Estate) -> WavePlan:
    return plan_waves(estate.systems, estate.edges, policy=estate.policy, frozen=estate.frozen, cuts=estate.cuts)


@settings(max_examples=200, deadline=None)
@given(estates())
def test_plan_invariants(estate: Estate) -> None:
    """One plan per random estate, every invariant of the issue checked on it."""
    plan = plan_of(estate)
    check_every_system_in_exactly_one_wave_or_excluded(estate, plan)
    check_frozen_waves_unchanged(estate, plan)
    check_no_wave_over_limits_unless_one_oversized_group_or_pins(estate, plan)
    check_pinned_systems_stay_pinned(estate, plan)
    check_producers_never_move_after_their_consumers(estate, plan)
    check_pilot_holds_only_low_risk_non_production_groups(estate, plan)
    check_production_limits_hold_for_unpinned_groups(estate, plan)


def check_production_limits_hold_for_unpinned_groups(estate: Estate, plan: WavePlan) -> None:
    """"No production before wave N" and "at most K production systems a wave" (a bigger group alone), pins aside."""
    policy = estate.policy
    by_id = {s.id: s for s in estate.systems}
    for wave in plan.waves:
        if wave.frozen:
            continue
        counts = [sum(1 for sid in g.system_ids if environment_of(by_id[sid].environment) is Environment.PRODUCTION)
                  for g in wave.groups if g.pinned_wave is None]
        if policy.no_production_before is not None and wave.number < policy.no_production_before:
            assert not any(counts), wave
        if policy.max_production_per_wave is not None and sum(counts) > policy.max_production_per_wave:
            assert len([c for c in counts if c]) == 1, wave


def check_every_system_in_exactly_one_wave_or_excluded(estate: Estate, plan: WavePlan) -> None:
    frozen_ids = {sid for wave in estate.frozen for sid in wave.system_ids}
    in_waves = [sid for wave in plan.waves for sid in wave.systems]
    assert len(in_waves) == len(set(in_waves))
    expected_excluded = {s.id for s in estate.systems if s.strategy in EXCLUDED_FROM_WAVES and s.id not in frozen_ids}
    assert set(plan.excluded) == expected_excluded
    assert set(in_waves) | set(plan.excluded) == {s.id for s in estate.systems}
    assert not set(in_waves) & set(plan.excluded)
    # Every group is whole in one wave, and every planned system is in exactly one group.
    for wave in plan.waves:
        assert set(wave.systems) == {sid for group in wave.groups for sid in group.system_ids} or wave.frozen
    grouped = [sid for group in plan.groups for sid in group.system_ids]
    assert sorted(grouped) == sorted(set(in_waves) - frozen_ids)


def check_frozen_waves_unchanged(estate: Estate, plan: WavePlan) -> None:
    kept = {wave.number: wave for wave in plan.waves if wave.frozen}
    assert set(kept) == {wave.number for wave in estate.frozen}
    for wave in estate.frozen:
        assert kept[wave.number].date == wave.date and set(kept[wave.number].systems) == wave.system_ids
    last = max((wave.number for wave in estate.frozen), default=-1)
    new = [wave for wave in plan.waves if not wave.frozen]
    assert all(wave.number > last for wave in new)
    assert all(wave.date >= START and wave.date not in estate.policy.blackout_dates for wave in new)
    assert [wave.date for wave in new] == sorted({wave.date for wave in new})  # strictly increasing


def check_no_wave_over_limits_unless_one_oversized_group_or_pins(estate: Estate, plan: WavePlan) -> None:
    policy = estate.policy
    oversized = {item.group.id for item in plan.oversized}
    for group in plan.groups:
        over = group.size > policy.max_systems or group.storage_gb > policy.max_tb * 1000
        assert over == (group.id in oversized)
    for wave in plan.waves:
        if wave.frozen:
            continue
        limit = policy.pilot_max_systems if wave.pilot else policy.max_systems
        if len(wave.systems) <= limit and wave.storage_tb <= policy.max_tb + 1e-9:
            continue
        alone = len(wave.groups) == 1 and wave.groups[0].id in oversized
        explained = wave.pinned and any(warning.startswith(f"{wave.name} holds") for warning in plan.warnings)
        assert alone or explained, wave
    for wave in plan.waves:
        if len(wave.groups) > 1:
            assert not any(group.id in oversized and group.pinned_wave is None for group in wave.groups)


def check_pinned_systems_stay_pinned(estate: Estate, plan: WavePlan) -> None:
    last_frozen = max((wave.number for wave in estate.frozen), default=-1)
    group_of = {sid: group for group in plan.groups for sid in group.system_ids}
    for system in estate.systems:
        if system.pinned_wave is None or system.id not in group_of or system.pinned_wave <= last_frozen:
            continue
        group = group_of[system.id]
        pins = [estate.systems[sid - 1].pinned_wave for sid in group.system_ids]
        earliest = min(pin for pin in pins if pin is not None and pin > last_frozen)
        assert plan.wave_of(system.id) == earliest == group.pinned_wave


def check_producers_never_move_after_their_consumers(estate: Estate, plan: WavePlan) -> None:
    """For every dependency left between two groups: the target (producer) moves no later than the source,
    unless both are in a reported cycle, or pins forced it (and a warning names the consumer's group)."""
    group_of = {sid: group.id for group in plan.groups for sid in group.system_ids}
    by_id = {s.id: s for s in estate.systems}
    in_cycle = {g: set(cycle) for cycle in plan.cycles for g in cycle}
    pinned = any(s.pinned_wave is not None for s in estate.systems)
    for edge in estate.edges:
        s, t = edge.source_id, edge.target_id
        if s not in group_of or t not in group_of or group_of[s] == group_of[t]:
            continue
        hub = DEFAULT_HUBS.is_hub_port(edge.port) or DEFAULT_HUBS.is_hub_system(by_id[s]) or (
            DEFAULT_HUBS.is_hub_system(by_id[t]))
        if hub:
            continue
        # A dependency that joins groups can never be found between two groups.
        cut = (s, t) in estate.cuts or (t, s) in estate.cuts
        assert cut or edge.weight < estate.policy.min_join_weight, edge
        if plan.wave_of(t) <= plan.wave_of(s) or group_of[t] in in_cycle.get(group_of[s], set()):
            continue
        assert pinned, (edge, plan.warnings)
        assert any(w.startswith(f"group {group_of[s]} (wave") and "before its producers" in w
                   for w in plan.warnings), (edge, plan.warnings)


def check_pilot_holds_only_low_risk_non_production_groups(estate: Estate, plan: WavePlan) -> None:
    pilots = [wave for wave in plan.waves if wave.pilot]
    assert len(pilots) <= 1
    if not pilots:
        return
    (pilot,) = pilots
    assert not estate.frozen and pilot.number == 0
    by_id = {s.id: s for s in estate.systems}
    for group in pilot.groups:
        if group.pinned_wave is not None:
            continue
        assert not group.hub
        assert set(group.environments) <= {"development", "test"}
        assert all(by_id[sid].criticality in (None, "low") for sid in group.system_ids)
    unpinned = sum(group.size for group in pilot.groups if group.pinned_wave is None)
    assert unpinned <= estate.policy.pilot_max_systems


@settings(max_examples=40, deadline=None)
@given(estates())
def test_planning_is_deterministic(estate: Estate) -> None:
    first = plan_of(estate)
    second = plan_waves(list(reversed(estate.systems)), list(reversed(estate.edges)), policy=estate.policy,
                        frozen=list(reversed(estate.frozen)), cuts=estate.cuts)
    assert first == second
    assert str(first) == str(second)
