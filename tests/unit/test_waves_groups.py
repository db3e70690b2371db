"""Move groups: application and dependency grouping, hub exclusion, cuts, weak links, exclusions, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves import (
    HubPolicy,
    PlanEdge,
    PlanningError,
    PlanSystem,
    WavePlan,
    WavePolicy,
    plan_waves,
)

START = dt.date(2026, 1, 5)
POLICY = WavePolicy(start=START, pilot_max_systems=0)


def system(
    sid: int, *, env: str = "production", app: str | None = None, name: str | None = None,
    strategy: Strategy = Strategy.REHOST, crit: str | None = None, gb: float = 100.0,
    tags: Mapping[str, str] | None = None, workload: str | None = None, pin: int | None = None,
) -> PlanSystem:
    return PlanSystem(id=sid, name=name or f"srv{sid:03d}", environment=env, criticality=crit, application=app,
                      strategy=strategy, storage_gb=gb, tags=tags or {}, workload_type=workload, pinned_wave=pin)


def groups_of(plan: WavePlan) -> set[frozenset[int]]:
    return {frozenset(group.system_ids) for group in plan.groups}


@pytest.mark.parametrize(
    ("systems", "edges", "expected"),
    [
        pytest.param([system(1, app="a"), system(2, app="a"), system(3, app="a", env="test")], [],
                     [{1, 2}, {3}], id="same-app-same-env-only"),
        pytest.param([system(1, app=" Billing"), system(2, app="billing "), system(3, app="crm")], [],
                     [{1, 2}, {3}], id="app-name-case-and-space"),
        pytest.param([system(1, app="a", env="prod"), system(2, app="a", env="production")], [],
                     [{1, 2}], id="environment-aliases"),
        pytest.param([system(1), system(2), system(3)], [PlanEdge(1, 2, port=443)],
                     [{1, 2}, {3}], id="dependency-joins"),
        pytest.param([system(1), system(2), system(3), system(4)],
                     [PlanEdge(1, 2, port=443), PlanEdge(3, 2, port=1521)],
                     [{1, 2, 3}, {4}], id="shared-producer-joins-consumers"),
        pytest.param([system(1, app="a"), system(2, app="b"), system(3, app="b"), system(4)],
                     [PlanEdge(1, 3, port=443)], [{1, 2, 3}, {4}], id="app-and-dependency-chain"),
        pytest.param([system(1), system(2)], [PlanEdge(1, 1, port=443)], [{1}, {2}], id="self-loop-ignored"),
    ],
)
def test_groups_are_applications_and_dependencies(
    systems: list[PlanSystem], edges: list[PlanEdge], expected: list[set[int]]
) -> None:
    plan = plan_waves(systems, edges, policy=POLICY)
    assert groups_of(plan) == {frozenset(g) for g in expected}


def _estate_around_dns() -> tuple[list[PlanSystem], list[PlanEdge]]:
    """Three two-system applications; every system resolves names on dns01 (port 53)."""
    systems = [system(i, app=f"app{(i + 1) // 2}") for i in range(1, 7)] + [system(99, name="dns01")]
    edges = [PlanEdge(i, 99, port=53, protocol="udp", weight=500) for i in range(1, 7)]
    return systems, edges


def test_dns_server_does_not_glue_the_estate() -> None:
    systems, edges = _estate_around_dns()
    plan = plan_waves(systems, edges, policy=POLICY)
    assert groups_of(plan) == {frozenset({1, 2}), frozenset({3, 4}), frozenset({5, 6}), frozenset({99})}
    (dns,) = [group for group in plan.groups if 99 in group.system_ids]
    assert dns.hub and "shared infrastructure" in dns.reason
    assert plan.stats["hub_dependencies"] == 6


def test_without_hub_exclusion_dns_glues_everything() -> None:
    systems, edges = _estate_around_dns()
    plan = plan_waves(systems, edges, policy=POLICY, hubs=HubPolicy.disabled())
    assert groups_of(plan) == {frozenset({1, 2, 3, 4, 5, 6, 99})}
    assert not plan.groups[0].hub


@pytest.mark.parametrize(
    ("producer", "port", "joined"),
    [
        pytest.param(system(2), 389, False, id="hub-port-ldap"),
        pytest.param(system(2), 443, True, id="ordinary-port"),
        pytest.param(system(2, name="corp-dc01"), 443, False, id="name-domain-controller"),
        pytest.param(system(2, name="nagios-monitor"), 443, False, id="name-monitoring"),
        pytest.param(system(2, name="broadcast01"), 443, True, id="name-merely-contains-ad"),
        pytest.param(system(2, tags={"role": "Infrastructure"}), 443, False, id="tag-case-insensitive"),
        pytest.param(system(2, tags={"role": "web"}), 443, True, id="other-tag"),
        pytest.param(system(2, workload="Backup"), 443, False, id="workload-type"),
    ],
)
def test_hub_rules(producer: PlanSystem, port: int, joined: bool) -> None:
    plan = plan_waves([system(1), producer], [PlanEdge(1, 2, port=port)], policy=POLICY)
    assert (len(plan.groups) == 1) is joined


def test_hub_as_consumer_does_not_glue() -> None:
    """A backup server pulling from its clients is as much a hub as a DNS server they call."""
    systems = [system(1), system(2), system(3, name="backup01")]
    edges = [PlanEdge(3, 1, port=22), PlanEdge(3, 2, port=22)]
    assert groups_of(plan_waves(systems, edges, policy=POLICY)) == {frozenset({1}), frozenset({2}),
                                                                    frozenset({3})}


def test_custom_hub_policy_by_port_only() -> None:
    hubs = HubPolicy(ports=frozenset({8443}), name_patterns=(), tags={}, workload_types=frozenset())
    systems = [system(1), system(2), system(3, name="dns01")]
    edges = [PlanEdge(1, 2, port=8443), PlanEdge(1, 3, port=53)]
    assert groups_of(plan_waves(systems, edges, policy=POLICY, hubs=hubs)) == {frozenset({1, 3}),
                                                                               frozenset({2})}


def test_invalid_hub_pattern_is_a_planning_error() -> None:
    with pytest.raises(PlanningError, match="regular expression"):
        HubPolicy(name_patterns=("dns(",))


@pytest.mark.parametrize("cut", [(1, 2), (2, 1)], ids=["as-written", "reversed"])
def test_cut_dependency_separates_groups_but_keeps_order(cut: tuple[int, int]) -> None:
    systems = [system(1, env="development"), system(2, env="production")]
    plan = plan_waves(systems, [PlanEdge(1, 2, port=443)], policy=POLICY, cuts=[cut])
    assert groups_of(plan) == {frozenset({1}), frozenset({2})}
    # 1 consumes 2: the production producer moves no later than its development consumer.
    assert plan.wave_of(2) <= plan.wave_of(1)


@pytest.mark.parametrize(("weight", "joined"), [(2, False), (3, True), (40, True)])
def test_weak_dependencies_order_but_do_not_join(weight: int, joined: bool) -> None:
    policy = WavePolicy(start=START, pilot_max_systems=0, min_join_weight=3)
    plan = plan_waves([system(1), system(2)], [PlanEdge(1, 2, port=443, weight=weight)], policy=policy)
    assert (len(plan.groups) == 1) is joined
    assert plan.wave_of(2) <= plan.wave_of(1)


@pytest.mark.parametrize(
    ("strategy", "reason"),
    [(Strategy.RETIRE, "strategy retire: decommissioned, not migrated"),
     (Strategy.RETAIN, "strategy retain: stays where it is, not migrated")],
)
def test_retire_and_retain_are_excluded_with_a_reason(strategy: Strategy, reason: str) -> None:
    systems = [system(1), system(2, strategy=strategy), system(3)]
    edges = [PlanEdge(1, 2, port=443), PlanEdge(3, 2, port=443)]
    plan = plan_waves(systems, edges, policy=POLICY)
    assert dict(plan.excluded) == {2: reason}
    # The excluded producer no longer binds its two consumers together.
    assert groups_of(plan) == {frozenset({1}), frozenset({3})}
    assert plan.stats["dependencies_to_excluded"] == 2
    with pytest.raises(PlanningError, match="excluded"):
        plan.wave_of(2)


@pytest.mark.parametrize(
    ("systems", "edges", "message"),
    [
        pytest.param([system(1)], [PlanEdge(1, 7)], r"unknown system id\(s\) \[7\]", id="unknown-target"),
        pytest.param([system(1), system(2)], [PlanEdge(1, 2, weight=0)], "weight must be >= 1", id="weight"),
        pytest.param([system(1), system(1)], [], "duplicate id", id="duplicate-id"),
        pytest.param([system(1, gb=-1)], [], "storage_gb", id="negative-storage"),
        pytest.param([system(1, gb=float("nan"))], [], "storage_gb", id="nan-storage"),
        pytest.param([system(1, crit="urgent")], [], "unknown criticality 'urgent'", id="criticality"),
        pytest.param([system(1, pin=-2)], [], "pinned_wave must be >= 0", id="negative-pin"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(
    systems: list[PlanSystem], edges: list[PlanEdge], message: str
) -> None:
    with pytest.raises(PlanningError, match=message):
        plan_waves(systems, edges, policy=POLICY)


def test_all_system_problems_are_reported_at_once() -> None:
    with pytest.raises(PlanningError) as caught:
        plan_waves([system(1, gb=-1), system(2, crit="x")], [], policy=POLICY)
    assert "system 1" in str(caught.value) and "system 2" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_systems": 0}, "max_systems must be at least 1"),
        ({"max_tb": 0}, "max_tb must be a positive"),
        ({"cadence_days": 0}, "cadence_days must be at least 1"),
        ({"pilot_max_systems": -1}, "pilot_max_systems"),
        ({"min_join_weight": 0}, "min_join_weight"),
        ({"pilot_environments": frozenset({"production"})}, "prod_allowed_in_pilot is False"),
        ({"pilot_environments": frozenset({"moon"})}, "unknown environment"),
    ],
)
def test_wave_policy_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PlanningError, match=message):
        WavePolicy(start=START, **kwargs)  # type: ignore[arg-type]


def test_pilot_environments_accept_aliases() -> None:
    policy = WavePolicy(start=START, pilot_environments=frozenset({"dev", "uat"}))
    assert policy.pilot_environments == frozenset({"development", "test"})
