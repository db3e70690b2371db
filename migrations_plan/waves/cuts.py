"""Cut suggestions for a move group too large for one wave.

Systems of one application (same environment) cannot be separated, so they are contracted into one unit; the
dependencies between two units form one link. A bridge (a link whose removal disconnects the group) is the
natural cut: bridges are ranked by how evenly they split the group, then by fewest observations. A group
without bridges gets its weakest links instead, marked as not splitting it on their own.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from migrations_plan.waves.groups import app_key
from migrations_plan.waves.inputs import PlanEdge, PlanSystem, environment_of
from migrations_plan.waves.model import CutSuggestion

MAX_SUGGESTIONS = 5


def suggest_cuts(
    members: Sequence[int],
    links: Sequence[tuple[int, int, PlanEdge]],
    systems: Sequence[PlanSystem],
    *,
    limit: int = MAX_SUGGESTIONS,
) -> tuple[CutSuggestion, ...]:
    """Up to `limit` suggestions for the group of `members`, joined by the dependencies `links`."""
    unit_of: dict[int, int] = {}
    unit_ids: dict[Hashable, int] = {}
    labels: list[str] = []
    sizes: list[int] = []
    for i in members:
        key: Hashable = app_key(systems[i]) or i
        u = unit_ids.get(key)
        if u is None:
            u = unit_ids[key] = len(labels)
            system = systems[i]
            if isinstance(key, tuple):
                env = environment_of(system.environment).value
                labels.append(f"application {(system.application or '').strip()} ({env})")
            else:
                labels.append(f"system {system.name}")
            sizes.append(0)
        unit_of[i] = u
        sizes[u] += 1

    link_ids: dict[tuple[int, int], int] = {}
    link_edges: list[list[PlanEdge]] = []
    link_ends: list[tuple[int, int]] = []
    for s, t, edge in links:
        a, b = unit_of[s], unit_of[t]
        if a == b:
            continue
        pair = (a, b) if a < b else (b, a)
        k = link_ids.get(pair)
        if k is None:
            k = link_ids[pair] = len(link_edges)
            link_edges.append([])
            link_ends.append(pair)
        link_edges[k].append(edge)
    if not link_edges:
        return ()

    weights = [sum(edge.weight for edge in edges) for edges in link_edges]
    total = len(members)
    side = _bridge_sides(len(labels), link_ends, sizes)

    def make(k: int, splits: tuple[int, int] | None) -> CutSuggestion:
        a, b = link_ends[k]
        edges = tuple(sorted(link_edges[k], key=lambda e: (e.source_id, e.target_id, e.port or 0)))
        what = (f"the link between {labels[a]} and {labels[b]} ({len(edges)} dependenc"
                f"{'y' if len(edges) == 1 else 'ies'}, {weights[k]} observation{'s' if weights[k] != 1 else ''})")
        if splits is None:
            reason = f"{what} is one of the weakest; no single link splits this group, cut several"
        else:
            reason = f"cutting {what} splits the {total} systems into {splits[0]} + {splits[1]}"
        return CutSuggestion(edges=edges, weight=weights[k], splits=splits, reason=reason)

    def first_edge(k: int) -> tuple[int, int]:
        edge = min(link_edges[k], key=lambda e: (e.source_id, e.target_id))
        return edge.source_id, edge.target_id

    if side:
        ranked = sorted(side, key=lambda k: (-min(side[k], total - side[k]), weights[k], first_edge(k)))
        return tuple(
            make(k, (max(side[k], total - side[k]), min(side[k], total - side[k]))) for k in ranked[:limit]
        )
    weakest = sorted(range(len(link_edges)), key=lambda k: (weights[k], first_edge(k)))
    return tuple(make(k, None) for k in weakest[:limit])


def _bridge_sides(n: int, ends: Sequence[tuple[int, int]], sizes: Sequence[int]) -> dict[int, int]:
    """Bridges of the unit graph (iterative Tarjan): link index -> systems on the far side of the DFS tree."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k, (a, b) in enumerate(ends):
        adjacency[a].append((b, k))
        adjacency[b].append((a, k))
    disc = [-1] * n
    low = [0] * n
    below = list(sizes)
    bridges: dict[int, int] = {}
    clock = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = clock
        clock += 1
        # Frames: (node, link used to reach it, next neighbour position).
        stack: list[list[int]] = [[root, -1, 0]]
        while stack:
            frame = stack[-1]
            node, via, pos = frame
            if pos < len(adjacency[node]):
                frame[2] = pos + 1
                nxt, k = adjacency[node][pos]
                if k == via:
                    continue
                if disc[nxt] < 0:
                    disc[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append([nxt, k, 0])
                elif disc[nxt] < low[node]:
                    low[node] = disc[nxt]
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                below[parent] += below[node]
                if low[node] < low[parent]:
                    low[parent] = low[node]
                if low[node] > disc[parent]:
                    bridges[via] = below[node]
    return bridges
