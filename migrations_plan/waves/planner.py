"""`plan_waves`: from assessed systems and their dependencies to a dated, dependency-aware wave plan.

Steps, each in its own module: sort the dependencies and build move groups (groups.py), suggest cuts for groups
too big for a wave (cuts.py), order the groups (ordering.py), pack them into dated waves (packing.py).
Waves that have started are kept exactly; new waves are numbered after them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from inventory.records import Environment
from migrations_plan.strategy_types import EXCLUDED_FROM_WAVES, Strategy
from migrations_plan.waves.cuts import suggest_cuts
from migrations_plan.waves.groups import (
    ACTIVE,
    EXCLUDED,
    FROZEN,
    Links,
    app_key,
    classify_edges,
    connected_groups,
    describe_group,
)
from migrations_plan.waves.inputs import (
    DEFAULT_HUBS,
    ENVIRONMENT_RANK,
    RISK_RANK,
    FrozenWave,
    HubPolicy,
    Objective,
    PlanEdge,
    PlanningError,
    PlanSystem,
    WavePolicy,
    environment_of,
)
from migrations_plan.waves.model import Limit, LosingGroup, MoveGroup, OversizedGroup, Wave, WavePlan
from migrations_plan.waves.objective import Cash, capacity_use, cash_priorities, net_if_moved, slot_months
from migrations_plan.waves.ordering import (
    GroupFacts,
    GroupGraph,
    group_graph,
    migration_order,
    pilot_candidates,
    pulled_forward,
)
from migrations_plan.waves.packing import Placement, pack, wave_dates

EXCLUSION_REASONS: Mapping[Strategy, str] = MappingProxyType({
    Strategy.RETIRE: "strategy retire: decommissioned, not migrated",
    Strategy.RETAIN: "strategy retain: stays where it is, not migrated",
})
_MAX_PROBLEMS_SHOWN = 20


def plan_waves(
    systems: Iterable[PlanSystem],
    edges: Iterable[PlanEdge],
    *,
    policy: WavePolicy,
    hubs: HubPolicy = DEFAULT_HUBS,
    frozen: Iterable[FrozenWave] = (),
    cuts: Iterable[tuple[int, int]] = (),
) -> WavePlan:
    """Plan every assessed system into exactly one wave, or exclude it with a reason (retire, retain).

    `cuts` are (source_id, target_id) dependencies an engineer decided to cut (either direction): they no
    longer join groups but still order them. Raises `PlanningError` on inconsistent input.
    """
    return plan_orders(systems, edges, policy=policy, objectives=(policy.objective,), hubs=hubs, frozen=frozen,
                       cuts=cuts)[0]


def plan_orders(
    systems: Iterable[PlanSystem],
    edges: Iterable[PlanEdge],
    *,
    policy: WavePolicy,
    objectives: Sequence[Objective],
    hubs: HubPolicy = DEFAULT_HUBS,
    frozen: Iterable[FrozenWave] = (),
    cuts: Iterable[tuple[int, int]] = (),
) -> tuple[WavePlan, ...]:
    """`plan_waves` under each of `objectives` (the policy's other settings kept), sharing the work that does not
    depend on the order: checks, groups, facts, cut suggestions, the group graph."""
    all_systems = tuple(systems)
    started = tuple(sorted(frozen, key=lambda w: w.number))
    index = _check_systems(all_systems)
    frozen_ids = _check_frozen(started, policy)
    first_number = started[-1].number + 1 if started else 0
    warnings: list[str] = []

    state, excluded = _system_states(all_systems, frozen_ids, warnings)
    active = [i for i, s in enumerate(state) if s == ACTIVE]
    hub_system = [False] * len(all_systems)
    for i in active:
        hub_system[i] = hubs.is_hub_system(all_systems[i])

    links = classify_edges(
        edges, index=index, state=state, hub_system=hub_system, frozen_ids=frozen_ids, hubs=hubs,
        cuts=frozenset(cuts), min_join_weight=policy.min_join_weight,
    )
    members, group_of = connected_groups(all_systems, active, links.join)
    pins = _group_pins(members, all_systems, first_number, warnings)
    link_count = [0] * len(members)
    for s, _, _ in links.join:
        link_count[group_of[s]] += 1
    groups = tuple(
        describe_group(g + 1, ms, all_systems, hub=all(hub_system[i] for i in ms), link_count=link_count[g],
                       pinned_wave=pins[g])
        for g, ms in enumerate(members)
    )
    facts = _all_facts(members, all_systems, groups, links, policy, pins, first_number)
    oversized = _oversized(groups, members, links, group_of, all_systems, policy)

    graph = group_graph(len(members), links.ordering, group_of)
    by_id = MappingProxyType({s.id: s for s in all_systems})
    kept = tuple(_kept_wave(w, by_id) for w in started)
    stats = MappingProxyType({
        "systems": len(all_systems),
        "planned_systems": len(active),
        "frozen_systems": sum(1 for s in state if s == FROZEN),
        "excluded_systems": len(excluded),
        "joining_dependencies": len(links.join),
        "ordering_dependencies": len(links.ordering),
        "hub_dependencies": links.hub_count,
        "dependencies_to_excluded": links.excluded_count,
    })
    kept_excluded = MappingProxyType(dict(sorted(excluded.items())))
    cycles = tuple(tuple(g + 1 for g in cycle) for cycle in graph.cycles)
    oversized_ids = {o.group.id for o in oversized}
    plans = []
    for objective in objectives:
        chosen = replace(policy, objective=objective)
        horizon, dual = objective.horizon_months, policy.dual_running_months
        months = horizon_slot_months(chosen)
        if objective.is_cash:
            placement = _cash_placement(facts, graph, chosen, months, with_pilot=not started,
                                        first_number=first_number)
        else:
            order = migration_order(facts, graph, objective=objective)
            placement = pack(facts, order, graph, policy=chosen, with_pilot=not started, first_number=first_number)
        waves = _new_waves(groups, placement.slot_of, placement.pilot, chosen, first_number)
        plans.append(WavePlan(
            waves=tuple(sorted(kept + waves, key=lambda w: w.number)),
            groups=groups,
            excluded=kept_excluded,
            oversized=oversized,
            cycles=cycles,
            warnings=(*warnings, *placement.warnings, *_overloads(waves, chosen, oversized_ids)),
            objective=objective.value,
            losing=_losing(groups, facts, months, horizon, dual),
            pilot_candidates=frozenset(groups[g].id for g in pilot_candidates(facts, graph, chosen))
            if placement.pilot else frozenset(),
            stats=stats,
            systems=by_id,
        ))
    return tuple(plans)


def _cash_placement(facts: Sequence[GroupFacts], graph: GroupGraph, policy: WavePolicy, months: Sequence[int], *,
                    with_pilot: bool, first_number: int) -> Placement:
    """Order and pack under a cash objective: rank (`cash_priorities`), let producers rank with what waits for
    them (`pulled_forward`), then pack."""
    base = 1 if with_pilot and policy.pilot_max_systems > 0 else 0
    density, deferred = cash_priorities(
        [f.cash for f in facts], [f.use for f in facts], [f.pinned is not None for f in facts], months,
        horizon=policy.objective.horizon_months, dual=policy.dual_running_months, base=base)
    pull, late = pulled_forward(graph, density, deferred)
    order = migration_order(facts, graph, objective=policy.objective, density=pull, deferred=late)
    return pack(facts, order, graph, policy=policy, with_pilot=with_pilot, first_number=first_number,
                months=months, deferred=late, density=pull)


def horizon_slot_months(policy: WavePolicy) -> list[int]:
    """Month index (from the projection's first month) of each new wave slot, up to the objective's horizon."""
    horizon = policy.objective.horizon_months
    count = horizon * 31 // policy.cadence_days + 2 + len(policy.blackout_dates)
    return slot_months(policy, horizon=horizon, dates=wave_dates(count, policy))


def _losing(groups: Sequence[MoveGroup], facts: Sequence[GroupFacts], months: Sequence[int], horizon: int,
            dual: int) -> tuple[LosingGroup, ...]:
    """Groups that lose money over the horizon even in the first new wave, and those that never save."""
    first = months[0] if months else horizon
    found = []
    for group, f in zip(groups, facts, strict=True):
        best = net_if_moved(f.cash, first, horizon=horizon, dual=dual)
        if f.cash.saving <= 0:
            advice = "costs at least as much in Azure as on premises: reconsider the strategy or the target"
        elif best < 0:
            advice = (f"one-time and dual-running costs outweigh what it saves within {horizon} months: "
                      "move it later")
        else:
            continue
        found.append(LosingGroup(group_id=group.id, net_first_wave=best, monthly_saving=f.cash.saving,
                                 one_time_cost=f.cash.one_time, advice=advice))
    return tuple(found)


def _check_systems(systems: Sequence[PlanSystem]) -> dict[int, int]:
    """Index systems by id; raise one `PlanningError` listing every problem found."""
    index: dict[int, int] = {}
    problems: list[str] = []
    for i, system in enumerate(systems):
        where = f"system {system.id} ({system.name})"
        if system.id in index:
            problems.append(f"{where}: duplicate id")
        index[system.id] = i
        try:
            Strategy(system.strategy)
        except ValueError:
            problems.append(f"{where}: unknown strategy {system.strategy!r}")
        if not (math.isfinite(system.storage_gb) and system.storage_gb >= 0):
            problems.append(f"{where}: storage_gb must be a finite number >= 0, got {system.storage_gb}")
        if not math.isfinite(system.monthly_saving):
            problems.append(f"{where}: monthly_saving must be a finite number, got {system.monthly_saving}")
        for label, value in (("azure_monthly", system.azure_monthly), ("one_time_cost", system.one_time_cost)):
            if not 0 <= value < math.inf:
                problems.append(f"{where}: {label} must be a finite number >= 0, got {value}")
        if _criticality(system) not in RISK_RANK:
            problems.append(f"{where}: unknown criticality {system.criticality!r}, expected one of "
                            "low, medium, high, critical or none")
        if system.pinned_wave is not None and system.pinned_wave < 0:
            problems.append(f"{where}: pinned_wave must be >= 0, got {system.pinned_wave}")
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more problem(s)")
        raise PlanningError("systems rejected:\n" + "\n".join(shown))
    return index


def _criticality(system: PlanSystem) -> str | None:
    text = (system.criticality or "").strip().casefold()
    return text or None


def _check_frozen(started: Sequence[FrozenWave], policy: WavePolicy) -> dict[int, int]:
    """System id -> started wave number; started waves must be distinct and dated before `policy.start`."""
    wave_of: dict[int, int] = {}
    numbers: set[int] = set()
    for wave in started:
        if wave.number < 0 or wave.number in numbers:
            raise PlanningError(f"frozen wave {wave.number}: wave numbers must be distinct and >= 0")
        numbers.add(wave.number)
        if wave.date >= policy.start:
            raise PlanningError(f"frozen wave {wave.number} is dated {wave.date}, not before the plan start "
                                f"{policy.start}: start the new plan after the waves that have started")
        for sid in wave.system_ids:
            if sid in wave_of:
                raise PlanningError(f"system {sid} is in two frozen waves ({wave_of[sid]} and {wave.number})")
            wave_of[sid] = wave.number
    return wave_of


def _system_states(
    systems: Sequence[PlanSystem], frozen_ids: Mapping[int, int], warnings: list[str]
) -> tuple[list[int], dict[int, str]]:
    """ACTIVE, FROZEN (in a started wave) or EXCLUDED (retire/retain, with the reason) for every system."""
    state = [ACTIVE] * len(systems)
    excluded: dict[int, str] = {}
    for i in sorted(range(len(systems)), key=lambda k: systems[k].id):
        system = systems[i]
        strategy = Strategy(system.strategy)
        if system.id in frozen_ids:
            state[i] = FROZEN
            if system.pinned_wave is not None and system.pinned_wave != frozen_ids[system.id]:
                warnings.append(f"system {system.id} is pinned to wave {system.pinned_wave} but is already in "
                                f"started wave {frozen_ids[system.id]}; the pin is ignored")
        elif strategy in EXCLUDED_FROM_WAVES:
            state[i] = EXCLUDED
            excluded[system.id] = EXCLUSION_REASONS[strategy]
            if system.pinned_wave is not None:
                warnings.append(f"system {system.id} is pinned to wave {system.pinned_wave} but its strategy is "
                                f"{strategy.value}; it is excluded")
    return state, excluded


def _group_pins(
    members: Sequence[Sequence[int]], systems: Sequence[PlanSystem], first_number: int, warnings: list[str]
) -> list[int | None]:
    """The wave each group is pinned to: the earliest of its members' pins that is not a started wave."""
    pins: list[int | None] = []
    for g, ms in enumerate(members):
        wanted = sorted({pin for i in ms if (pin := systems[i].pinned_wave) is not None})
        started = [pin for pin in wanted if pin < first_number]
        if started:
            warnings.append(f"group {g + 1} is pinned to wave(s) {', '.join(map(str, started))}, which have "
                            "already started; those pins are ignored")
            wanted = [pin for pin in wanted if pin >= first_number]
        if len(wanted) > 1:
            warnings.append(f"group {g + 1}: members are pinned to waves {', '.join(map(str, wanted))}; "
                            f"the group moves together, in wave {wanted[0]}")
        pins.append(wanted[0] if wanted else None)
    return pins


def _all_facts(
    members: Sequence[Sequence[int]], systems: Sequence[PlanSystem], groups: Sequence[MoveGroup], links: Links,
    policy: WavePolicy, pins: Sequence[int | None], first_number: int,
) -> list[GroupFacts]:
    """Ordering facts of every group, from per-system ranks computed once."""
    env_rank: dict[str, int] = {}
    pilot_env: dict[str, bool] = {}
    for text in {s.environment for s in systems}:
        env = environment_of(text)
        env_rank[text] = ENVIRONMENT_RANK[env]
        pilot_env[text] = env.value in policy.pilot_environments
    low_risk = RISK_RANK[None]
    production = ENVIRONMENT_RANK[Environment.PRODUCTION]
    max_systems, max_gb = policy.max_systems, policy.max_gb
    facts = []
    for g, ms in enumerate(members):
        group = groups[g]
        if len(ms) == 1:  # most groups of a large estate: no passes over members
            only = systems[ms[0]]
            risk, rank = RISK_RANK[_criticality(only)], env_rank[only.environment]
            azure, one_time, pilot_ok = only.azure_monthly, only.one_time_cost, pilot_env[only.environment]
            prod, name = int(rank == production), only.name
        else:
            risk = max(RISK_RANK[_criticality(systems[i])] for i in ms)
            rank = max(env_rank[systems[i].environment] for i in ms)
            azure = one_time = 0.0
            for i in ms:
                azure += systems[i].azure_monthly
                one_time += systems[i].one_time_cost
            pilot_ok = all(pilot_env[systems[i].environment] for i in ms)
            prod = sum(1 for i in ms if env_rank[systems[i].environment] == production)
            name = min(systems[i].name for i in ms)
        facts.append(GroupFacts(
            size=len(ms),
            gb=group.storage_gb,
            env_rank=rank,
            risk_rank=risk,
            saving_per_system=group.monthly_saving / len(ms),
            hub=group.hub,
            boosted=not links.boosted.isdisjoint(ms),
            pilot_ok=not group.hub and risk <= low_risk and pilot_ok,
            pinned=_relative(pins[g], first_number),
            cash=Cash(group.monthly_saving, azure, one_time),
            use=capacity_use(len(ms), group.storage_gb, max_systems, max_gb),
            production=prod,
            name=name,
        ))
    return facts


def _relative(pin: int | None, first_number: int) -> int | None:
    return None if pin is None else pin - first_number


def _oversized(
    groups: Sequence[MoveGroup], members: Sequence[Sequence[int]], links: Links, group_of: Sequence[int],
    systems: Sequence[PlanSystem], policy: WavePolicy,
) -> tuple[OversizedGroup, ...]:
    """Groups over a wave limit, each with the links worth cutting to split it."""
    over: dict[int, tuple[Limit, ...]] = {}
    for g, group in enumerate(groups):
        limits = tuple(limit for limit, hit in ((Limit.MAX_SYSTEMS, group.size > policy.max_systems),
                                                (Limit.MAX_TB, group.storage_gb > policy.max_gb + 1e-6)) if hit)
        if limits:
            over[g] = limits
    inside: dict[int, list[tuple[int, int, PlanEdge]]] = {g: [] for g in over}
    for link in links.join:
        bucket = inside.get(group_of[link[0]])
        if bucket is not None:
            bucket.append(link)
    result = []
    for g, limits in over.items():
        suggestions = suggest_cuts(members[g], inside[g], systems)
        note = ""
        if not suggestions:
            if len(members[g]) == 1:
                note = "a single system larger than a wave: raise the limit or move it in a wave of its own"
            else:
                key = app_key(systems[members[g][0]])
                app = f"application {key[0]} ({key[1]})" if key else "one application"
                note = f"all of {app}: no dependency to cut; raise the limit or split the application"
        result.append(OversizedGroup(group=groups[g], limits=limits, cut_suggestions=suggestions, note=note))
    return tuple(result)


def _new_waves(
    groups: Sequence[MoveGroup], slot_of: Sequence[int], pilot: frozenset[int], policy: WavePolicy,
    first_number: int,
) -> tuple[Wave, ...]:
    in_slot: dict[int, list[int]] = {}
    for g, slot in enumerate(slot_of):
        in_slot.setdefault(slot, []).append(g)
    dates = wave_dates(max(in_slot, default=-1) + 1, policy)
    waves = []
    for slot in sorted(in_slot):
        chosen = tuple(groups[g] for g in in_slot[slot])
        number = first_number + slot
        is_pilot = bool(pilot) and slot == 0
        waves.append(Wave(
            number=number,
            date=dates[slot],
            name=f"Wave {number} (pilot)" if is_pilot else f"Wave {number}",
            groups=chosen,
            systems=tuple(sorted(sid for group in chosen for sid in group.system_ids)),
            storage_tb=sum(group.storage_gb for group in chosen) / 1000.0,
            pinned=any(group.pinned_wave is not None for group in chosen),
            pilot=is_pilot,
        ))
    return tuple(waves)


def _overloads(waves: Sequence[Wave], policy: WavePolicy, oversized_ids: set[int]) -> list[str]:
    """A wave over its limits is fine when it holds one oversized group; otherwise pins caused it: say so."""
    warnings = []
    for wave in waves:
        limit = policy.pilot_max_systems if wave.pilot else policy.max_systems
        count = len(wave.systems)
        if count <= limit and wave.storage_tb <= policy.max_tb + 1e-9:
            continue
        if len(wave.groups) == 1 and wave.groups[0].id in oversized_ids:
            continue
        pinned = [str(group.id) for group in wave.groups if group.pinned_wave is not None]
        warnings.append(f"{wave.name} holds {count} systems and {wave.storage_tb:.2f} TB, over its limits "
                        f"({limit} systems, {policy.max_tb:g} TB), because groups {', '.join(pinned)} are "
                        "pinned to it")
    return warnings


def _kept_wave(wave: FrozenWave, by_id: Mapping[int, PlanSystem]) -> Wave:
    gb = sum(by_id[sid].storage_gb for sid in wave.system_ids if sid in by_id)
    return Wave(number=wave.number, date=wave.date, name=f"Wave {wave.number}", groups=(),
                systems=tuple(sorted(wave.system_ids)), storage_tb=gb / 1000.0, frozen=True)
