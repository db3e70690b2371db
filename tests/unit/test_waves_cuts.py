"""Oversized groups and the links suggested to cut them: bridges by balance, then weakest links."""

from __future__ import annotations

import datetime as dt
import itertools

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves import Limit, PlanEdge, PlanSystem, WavePolicy, plan_waves

START = dt.date(2026, 1, 5)


def system(sid: int, *, app: str | None = None, gb: float = 100.0) -> PlanSystem:
    return PlanSystem(id=sid, name=f"srv{sid:03d}", environment="production", application=app,
                      strategy=Strategy.REHOST, storage_gb=gb)


def clique(ids: range, weight: int = 20) -> list[PlanEdge]:
    return [PlanEdge(a, b, port=443, weight=weight) for a, b in itertools.combinations(ids, 2)]


def test_barbell_bridge_is_the_suggested_cut() -> None:
    """Two clusters of five joined by one dependency: that dependency is the cut, splitting 5 + 5."""
    systems = [system(i) for i in range(1, 11)]
    bridge = PlanEdge(5, 6, port=8080, weight=3)
    edges = clique(range(1, 6)) + clique(range(6, 11)) + [bridge]
    policy = WavePolicy(start=START, max_systems=6, pilot_max_systems=0)
    plan = plan_waves(systems, edges, policy=policy)

    (oversized,) = plan.oversized
    assert oversized.limits == (Limit.MAX_SYSTEMS,)
    best = oversized.cut_suggestions[0]
    assert best.edges == (bridge,)
    assert best.splits == (5, 5)
    assert "srv005" in best.reason and "srv006" in best.reason
    # The oversized group has a wave to itself.
    (wave,) = [w for w in plan.waves if oversized.group in w.groups]
    assert wave.groups == (oversized.group,)

    replanned = plan_waves(systems, edges, policy=policy, cuts=best.pairs)
    assert {frozenset(g.system_ids) for g in replanned.groups} == {frozenset(range(1, 6)), frozenset(range(6, 11))}
    assert replanned.oversized == ()
    # The cut link still orders: producer 6's cluster moves no later than consumer 5's.
    assert replanned.wave_of(6) <= replanned.wave_of(5)


def test_balanced_bridge_ranks_before_a_lighter_pendant() -> None:
    """Bridges: A(6)-B(4) observed 5 times, and a pendant system 11 on A observed once; balance comes first."""
    systems = [system(i) for i in range(1, 12)]
    a_b = PlanEdge(6, 7, port=443, weight=5)
    pendant = PlanEdge(11, 1, port=443, weight=1)
    edges = clique(range(1, 7)) + clique(range(7, 11)) + [a_b, pendant]
    plan = plan_waves(systems, edges, policy=WavePolicy(start=START, max_systems=8, pilot_max_systems=0))
    suggestions = plan.oversized[0].cut_suggestions
    assert [s.edges for s in suggestions] == [(a_b,), (pendant,)]
    assert [s.splits for s in suggestions] == [(7, 4), (10, 1)]


def test_applications_are_not_cut_apart_and_parallel_edges_form_one_link() -> None:
    """Systems of one application are one unit; both dependencies between apps x and y are one suggestion."""
    systems = [system(i, app="x") for i in range(1, 4)] + [system(i, app="y") for i in range(4, 7)]
    edges = [PlanEdge(1, 4, port=443, weight=2), PlanEdge(5, 2, port=1521, weight=3)]
    plan = plan_waves(systems, edges, policy=WavePolicy(start=START, max_systems=4, pilot_max_systems=0))
    (suggestion,) = plan.oversized[0].cut_suggestions
    assert set(suggestion.edges) == set(edges)
    assert suggestion.weight == 5 and suggestion.splits == (3, 3)
    assert suggestion.pairs == {(1, 4), (5, 2)}
    assert "application x (production)" in suggestion.reason


def test_without_bridges_the_weakest_links_are_suggested() -> None:
    """Three applications in a ring: no single link splits it; the lightest links come first."""
    systems = ([system(i, app="x") for i in range(1, 4)] + [system(i, app="y") for i in range(4, 7)]
               + [system(i, app="z") for i in range(7, 10)])
    x_y, y_z, z_x = PlanEdge(1, 4, weight=3), PlanEdge(4, 7, weight=1), PlanEdge(7, 1, weight=2)
    plan = plan_waves(systems, [x_y, y_z, z_x], policy=WavePolicy(start=START, max_systems=5,
                                                                  pilot_max_systems=0))
    suggestions = plan.oversized[0].cut_suggestions
    assert [s.edges for s in suggestions] == [(y_z,), (z_x,), (x_y,)]
    assert all(s.splits is None and "no single link splits" in s.reason for s in suggestions)


def test_one_big_application_has_no_cut_but_a_note() -> None:
    systems = [system(i, app="billing") for i in range(1, 9)]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START, max_systems=5, pilot_max_systems=0))
    (oversized,) = plan.oversized
    assert oversized.cut_suggestions == ()
    assert "application billing (production)" in oversized.note


def test_storage_limit_makes_a_group_oversized() -> None:
    systems = [system(1, gb=15_000), system(2, gb=15_000), system(3, gb=1_000)]
    plan = plan_waves(systems, [PlanEdge(1, 2)], policy=WavePolicy(start=START, max_tb=20, pilot_max_systems=0))
    (oversized,) = plan.oversized
    assert oversized.limits == (Limit.MAX_TB,)
    assert oversized.group.system_ids == (1, 2)
    assert oversized.cut_suggestions[0].splits == (1, 1)
    (wave,) = [w for w in plan.waves if 1 in w.systems]
    assert wave.systems == (1, 2) and wave.storage_tb == 30.0
    assert not plan.warnings  # an oversized group alone in its wave is reported as oversized, not warned
