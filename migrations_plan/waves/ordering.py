"""Order move groups: the group graph, its cycles, the pilot, and a priority topological order.

Like Prefect's dbt integration layering a manifest into execution waves, this is pure graph work: producers come
before their consumers; among the groups the graph allows at any point, the objective's priority key decides
(cash: pinned, then not deferred, then saving per unit of capacity, raised to a consumer's when a producer holds
it back; risk-first: pinned, shared infrastructure, consumers already in Azure, environment, risk, savings per
system; alphabetical: by name). Directional cycles are reported and broken by ignoring the links inside each cycle.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from migrations_plan.waves.inputs import Objective, PlanEdge, WavePolicy
from migrations_plan.waves.objective import Cash


@dataclass(slots=True)
class GroupFacts:
    """What ordering and packing need to know about one group. `pinned` is a wave index relative to the plan.

    Read-only by convention, not frozen: a large estate builds 100,000 of them, and a frozen dataclass takes
    2.5 times as long to build."""

    size: int
    gb: float
    env_rank: int
    risk_rank: int
    saving_per_system: float
    hub: bool
    boosted: bool
    pilot_ok: bool
    pinned: int | None
    cash: Cash = Cash(0.0, 0.0, 0.0)
    use: float = 0.0
    production: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class GroupGraph:
    """Producer -> consumer links between groups, acyclic once `cycles` (group indices) are broken."""

    producers: Sequence[Sequence[int]]
    consumers: Sequence[Sequence[int]]
    cycles: list[tuple[int, ...]]


def _adjacency(count: int, pairs: Iterable[tuple[int, int]]) -> list[Sequence[int]]:
    """Neighbour lists; groups without links share one empty tuple (most groups of a large estate)."""
    lists: dict[int, list[int]] = {}
    for a, b in pairs:
        lists.setdefault(a, []).append(b)
    adjacency: list[Sequence[int]] = [()] * count
    for a, neighbours in lists.items():
        adjacency[a] = neighbours
    return adjacency


def group_graph(
    count: int, links: Iterable[tuple[int, int, PlanEdge]], group_of: Sequence[int]
) -> GroupGraph:
    """The group graph of the ordering-only links (consumer index, producer index, edge) between systems."""
    pairs = sorted({(group_of[t], group_of[s]) for s, t, _ in links if group_of[s] != group_of[t]})
    successors = _adjacency(count, pairs)
    component = _strong_components(count, successors, sorted({p for p, _ in pairs}))
    members: dict[int, list[int]] = {}
    for g, c in enumerate(component):
        if c >= 0:
            members.setdefault(c, []).append(g)
    cycles = sorted(tuple(sorted(gs)) for gs in members.values() if len(gs) > 1)
    kept = [(p, c) for p, c in pairs if component[p] != component[c]]
    return GroupGraph(_adjacency(count, ((c, p) for p, c in kept)), _adjacency(count, kept), cycles)


def _strong_components(count: int, successors: Sequence[Sequence[int]], roots: Iterable[int]) -> list[int]:
    """Iterative Tarjan: component number per group reached from `roots`, -1 for groups without links."""
    index = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    component = [-1] * count
    stack: list[int] = []
    clock = components = 0
    for root in roots:
        if index[root] >= 0:
            continue
        index[root] = low[root] = clock
        clock += 1
        stack.append(root)
        on_stack[root] = True
        work = [[root, 0]]
        while work:
            frame = work[-1]
            v, pos = frame
            if pos < len(successors[v]):
                frame[1] = pos + 1
                w = successors[v][pos]
                if index[w] < 0:
                    index[w] = low[w] = clock
                    clock += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append([w, 0])
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work and low[v] < low[work[-1][0]]:
                low[work[-1][0]] = low[v]
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component[w] = components
                    if w == v:
                        break
                components += 1
    return component


def migration_order(
    facts: Sequence[GroupFacts], graph: GroupGraph, *, objective: Objective = Objective.RISK_FIRST,
    density: Sequence[float] = (), deferred: Sequence[bool] = (),
) -> list[int]:
    """All groups, producers before consumers, highest priority first where the graph leaves a choice.

    Cash: `density` and `deferred` as `pulled_forward` leaves them (a producer ranks with what waits for it)."""
    def risk_key(g: int) -> tuple[int, int, int, int, int, float, int]:
        f = facts[g]
        return (0 if f.pinned is not None else 1, 0 if f.hub else 1, 0 if f.boosted else 1, f.env_rank,
                f.risk_rank, -f.saving_per_system, g)

    if objective.is_cash:
        # (pinned first, then not deferred, then density descending, then index) as two stable sorts: no tuple
        # key per group.
        by_priority = sorted(range(len(facts)), key=density.__getitem__, reverse=True)
        by_priority.sort(key=lambda g: (2 if facts[g].pinned is None else 0) + deferred[g])
    elif objective is Objective.ALPHABETICAL:
        by_priority = sorted(range(len(facts)), key=lambda g: (0 if facts[g].pinned is not None else 1,
                                                               facts[g].name, g))
    else:
        by_priority = sorted(range(len(facts)), key=risk_key)
    # Rank once by key, then let the heap compare plain ints.
    rank = [0] * len(facts)
    for position, g in enumerate(by_priority):
        rank[g] = position
    waiting = [len(p) for p in graph.producers]
    heap = [rank[g] for g, n in enumerate(waiting) if n == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        g = by_priority[heapq.heappop(heap)]
        order.append(g)
        for c in graph.consumers[g]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(heap, rank[c])
    if len(order) != len(facts):  # cannot happen: cycles were broken in group_graph
        raise AssertionError("group graph still has a cycle")
    return order


def pulled_forward(
    graph: GroupGraph, density: Sequence[float], deferred: Sequence[bool]
) -> tuple[list[float], list[bool]]:
    """A producer takes the highest density and the earliest class of anything that waits for it (transitively),
    so a valuable consumer is not held back behind a producer the ranking alone would move late."""
    count = len(density)
    pull, late = list(density), list(deferred)
    waiting = [len(c) for c in graph.consumers]
    ready = [g for g in range(count) if waiting[g] == 0]
    while ready:  # consumers before their producers: reverse topological order
        g = ready.pop()
        for p in graph.producers[g]:
            if pull[g] > pull[p]:
                pull[p] = pull[g]
            if not late[g]:
                late[p] = False
            waiting[p] -= 1
            if waiting[p] == 0:
                ready.append(p)
    return pull, late


def pilot_candidates(facts: Sequence[GroupFacts], graph: GroupGraph, policy: WavePolicy) -> list[int]:
    """The groups the pilot wave may hold: low-risk, non-production, not pinned, nothing to wait for, and within
    the wave limits (a group over them gets a wave of its own)."""
    return [g for g, f in enumerate(facts) if f.pilot_ok and f.pinned is None and not graph.producers[g]
            and f.size <= policy.max_systems and f.gb <= policy.max_gb + 1e-6]


def select_pilot(facts: Sequence[GroupFacts], graph: GroupGraph, policy: WavePolicy, *, max_systems: int,
                 max_gb: float, density: Sequence[float] = ()) -> list[int]:
    """Pilot candidates up to the pilot's room: the smallest first, or under a cash objective (`density` given)
    the most saving per unit of capacity first."""
    candidates = pilot_candidates(facts, graph, policy)
    if density:
        candidates.sort(key=lambda g: (-density[g], g))
    else:
        candidates.sort(key=lambda g: (facts[g].size, facts[g].gb, facts[g].env_rank, -facts[g].saving_per_system,
                                       g))
    chosen: list[int] = []
    room_systems, room_gb = max_systems, max_gb
    for g in candidates:
        if room_systems <= 0:
            break
        if facts[g].size > room_systems:
            if density:
                continue
            break  # sorted by size: nothing after this fits either
        if facts[g].gb <= room_gb + 1e-9:
            chosen.append(g)
            room_systems -= facts[g].size
            room_gb -= facts[g].gb
    return chosen
