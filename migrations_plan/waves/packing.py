"""Pack ordered move groups into waves under the wave limits, and date the waves.

Pinned groups first, then the pilot, then the producers of pinned groups as late as their consumers allow, then
first fit in migration order: each group goes into the earliest wave that has room and that is no earlier than
its producers' waves, the pilot, and the first wave its environment reached (so production does not slip into
gaps left among the development waves; risk-first only). Under a cash objective a deferred group (one that loses
money over the horizon where it could first go) goes after the horizon, and so does a group that first fit puts
where it loses money, unless a consumer that pays waits for it. Production limits
(`no_production_before`, `max_production_per_wave`) hold for every group but pinned ones.
A group is never split; one larger than a limit gets a wave to itself.
A segment tree over wave slots keeps first fit near O(log waves) per group (see `_Slots`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from migrations_plan.waves.inputs import Objective, WavePolicy
from migrations_plan.waves.objective import net_if_moved
from migrations_plan.waves.ordering import GroupFacts, GroupGraph, select_pilot

_EPS_GB = 1e-6


class _Slots:
    """Remaining room (systems, GB) of every wave slot, answering "first slot >= start with this much room".

    With two limits a subtree's maxima can come from different slots, so a search may wander; after
    `budget` visited nodes first fit gives up on old gaps and takes the first empty slot instead.
    """

    def __init__(self, count: int, systems: int, gb: float) -> None:
        self.full_systems, self.full_gb = systems, gb
        self.size = 1
        self.systems: list[int] = [systems] * 2
        self.gb: list[float] = [gb] * 2
        self.budget = 0
        self.open = 0  # the first slot that is not full
        self._grow(count)

    def _grow(self, count: int) -> None:
        """Make room for at least `count` slots; new slots are empty waves."""
        size = self.size
        while size < count:
            size *= 2
        leaves_systems = self.systems[self.size:] + [self.full_systems] * (size - self.size)
        leaves_gb = self.gb[self.size:] + [self.full_gb] * (size - self.size)
        self.size = size
        self.systems = [0] * size + leaves_systems
        self.gb = [0.0] * size + leaves_gb
        for node in range(size - 1, 0, -1):
            self.systems[node] = max(self.systems[2 * node], self.systems[2 * node + 1])
            self.gb[node] = max(self.gb[2 * node], self.gb[2 * node + 1])
        self.budget = 6 * size.bit_length()

    def set(self, slot: int, systems: int, gb: float) -> None:
        node = slot + self.size
        self.systems[node], self.gb[node] = systems, gb
        if slot == self.open and systems <= 0:
            leaf = node
            while leaf < len(self.systems) and self.systems[leaf] <= 0:
                leaf += 1
            self.open = leaf - self.size
        room_systems, room_gb = self.systems, self.gb
        node //= 2
        while node:
            left = 2 * node
            a, b = room_systems[left], room_systems[left + 1]
            x, y = room_gb[left], room_gb[left + 1]
            best_systems, best_gb = (a if a > b else b), (x if x > y else y)
            if room_systems[node] == best_systems and room_gb[node] == best_gb:
                break  # nothing above changes either
            room_systems[node], room_gb[node] = best_systems, best_gb
            node //= 2

    def first_fit(self, start: int, systems: int, gb: float) -> int:
        # Every slot before `open` is full, so first fit is no earlier than it; most groups fit right there.
        slot = start if start > self.open else self.open
        if slot < self.size:
            leaf = slot + self.size
            if self.systems[leaf] >= systems and self.gb[leaf] >= gb - _EPS_GB:
                return slot
        found = self._find(start, self.size - 1, systems, gb - _EPS_GB, last=False, budget=self.budget)
        while found < 0:
            # The first empty slot: both maxima then come from one slot, so this search never wanders.
            found = self._find(start, self.size - 1, self.full_systems, self.full_gb - _EPS_GB, last=False,
                               budget=4 * self.size)
            if found < 0:
                self._grow(2 * max(self.size, start + 1))
        return found

    def last_fit(self, start: int, end: int, systems: int, gb: float) -> int:
        """The latest slot in [start, end] with room (or, past the budget, the latest empty one), or -1."""
        end = min(end, self.size - 1)
        found = self._find(start, end, systems, gb - _EPS_GB, last=True, budget=self.budget)
        if found < 0:
            found = self._find(start, end, self.full_systems, self.full_gb - _EPS_GB, last=True,
                               budget=4 * self.size)
        return found

    def _find(self, start: int, end: int, systems: int, gb: float, *, last: bool, budget: int) -> int:
        """Depth-first over the tree, leftmost (or rightmost) child first, pruning on range and maxima."""
        stack = [(1, 0, self.size - 1)]
        room_systems, room_gb = self.systems, self.gb
        while stack and budget > 0:
            budget -= 1
            node, lo, hi = stack.pop()
            if hi < start or lo > end or room_systems[node] < systems or room_gb[node] < gb:
                continue
            if lo == hi:
                return lo
            mid = (lo + hi) // 2
            if last:
                stack.append((2 * node, lo, mid))
                stack.append((2 * node + 1, mid + 1, hi))
            else:
                stack.append((2 * node + 1, mid + 1, hi))
                stack.append((2 * node, lo, mid))
        return -1


@dataclass(frozen=True, slots=True)
class Placement:
    """Wave slot (0 = first new wave) of every group, which groups form the pilot, and what went wrong."""

    slot_of: list[int]
    pilot: frozenset[int]
    warnings: list[str]


def pack(
    facts: Sequence[GroupFacts],
    order: Sequence[int],
    graph: GroupGraph,
    *,
    policy: WavePolicy,
    with_pilot: bool,
    first_number: int,
    months: Sequence[int] = (),
    deferred: Sequence[bool] = (),
    density: Sequence[float] = (),
) -> Placement:
    """Place every group: pinned groups, the pilot, producers of pinned groups, then the rest in `order`.

    `months` (month index of each slot, up to the horizon), `deferred` and `density` come from the cash
    objective."""
    packer = _Packer(facts, graph, policy, first_number)
    packer.place_pinned()
    pilot = packer.place_pilot(density) if with_pilot and policy.pilot_max_systems > 0 else []
    base = 1 if pilot else 0
    packer.place_before_pins(order, base)
    packer.place_in_order(order, base, months=months, deferred=deferred)
    return Placement(packer.slot_of, frozenset(pilot), packer.warnings(pilot, first_number))


class _Packer:
    """The packing state: which slot each group took and how full each slot is."""

    def __init__(self, facts: Sequence[GroupFacts], graph: GroupGraph, policy: WavePolicy,
                 first_number: int = 0) -> None:
        self.facts, self.graph, self.policy = facts, graph, policy
        pins = [f.pinned for f in facts if f.pinned is not None]
        self.slots = _Slots(max(pins, default=0) + 64, policy.max_systems, policy.max_gb)
        self.no_production_before = max(0, (policy.no_production_before or 0) - first_number)
        self.max_production = policy.max_production_per_wave
        self.used_production: dict[int, int] = {}
        self.used_systems: dict[int, int] = {}
        self.used_gb: dict[int, float] = {}
        self.slot_of = [-1] * len(facts)
        self.max_systems, self.max_gb = policy.max_systems, policy.max_gb

    def oversized(self, g: int) -> bool:
        f = self.facts[g]
        return f.size > self.max_systems or f.gb > self.max_gb + _EPS_GB

    def need(self, g: int) -> tuple[int, float]:
        """Room a group needs; an oversized group needs a wave to itself, i.e. an empty one."""
        if self.oversized(g):
            return self.max_systems, self.max_gb
        return self.facts[g].size, self.facts[g].gb

    def fit(self, g: int, start: int) -> int:
        """First fit for group `g` from slot `start`, within the production limits."""
        production = self.facts[g].production
        if production:
            start = max(start, self.no_production_before)
        slot = self.slots.first_fit(start, *self.need(g))
        if production and self.max_production is not None:
            cap = self.max_production
            while (used := self.used_production.get(slot, 0)) and used + production > cap:
                slot = self.slots.first_fit(slot + 1, *self.need(g))
        return slot

    def production_ok(self, g: int, slot: int) -> bool:
        production = self.facts[g].production
        if not production:
            return True
        if slot < self.no_production_before:
            return False
        used = self.used_production.get(slot, 0)
        return self.max_production is None or not used or used + production <= self.max_production

    def put(self, g: int, slot: int, *, capacity: int | None = None) -> None:
        self.slot_of[g] = slot
        if self.facts[g].production:
            self.used_production[slot] = self.used_production.get(slot, 0) + self.facts[g].production
        systems = self.used_systems[slot] = self.used_systems.get(slot, 0) + self.facts[g].size
        gb = self.used_gb[slot] = self.used_gb.get(slot, 0.0) + self.facts[g].gb
        capacity = self.policy.max_systems if capacity is None else capacity
        room_systems, room_gb = capacity - systems, self.policy.max_gb - gb
        if self.oversized(g) or room_systems <= 0 or room_gb <= _EPS_GB:
            # Full in one dimension is full: leaving the other's room visible would send searches astray.
            self.slots.set(slot, 0, 0.0)
        else:
            self.slots.set(slot, room_systems, room_gb)

    def place_pinned(self) -> None:
        for g, f in enumerate(self.facts):
            if f.pinned is not None:
                self.put(g, f.pinned)

    def place_pilot(self, density: Sequence[float] = ()) -> list[int]:
        """Fill slot 0 with pilot groups (after any pinned there) and close it; empty when nothing qualifies."""
        cap = self.policy.pilot_max_systems
        pilot = select_pilot(self.facts, self.graph, self.policy, max_systems=cap - self.used_systems.get(0, 0),
                             max_gb=self.policy.max_gb - self.used_gb.get(0, 0.0), density=density)
        for g in pilot:
            self.put(g, 0, capacity=cap)
        if pilot:
            self.slots.set(0, 0, 0.0)
        return pilot

    def place_before_pins(self, order: Sequence[int], base: int) -> None:
        """Producers of pinned groups (transitively) go as late as their consumers allow, leaving the early
        waves to the priority order; reversed migration order visits every consumer before its producers."""
        for g in reversed(order):
            consumers = self.graph.consumers[g]
            if not consumers or self.slot_of[g] >= 0:
                continue
            deadline = min((self.slot_of[c] for c in consumers if self.slot_of[c] >= 0), default=-1)
            if deadline >= 0:
                # Pinned producers of this group are placed already: stay no earlier than them.
                start = max([base, *(self.slot_of[p] for p in self.graph.producers[g])])
                slot = self.slots.last_fit(start, deadline, *self.need(g))
                self.put(g, slot if slot >= 0 and self.production_ok(g, slot) else self.fit(g, start))

    def place_in_order(self, order: Sequence[int], base: int, *, months: Sequence[int] = (),
                       deferred: Sequence[bool] = ()) -> None:
        """First fit, no earlier than producers. Risk-first: no earlier than the last wave in use when the
        group's environment first appeared (so production does not fill gaps among development waves). Cash:
        a deferred group that loses money in its earliest slot, and a group that first fit would put where it
        loses money over the horizon (unless a consumer that pays waits for it), go after the horizon instead,
        leaving the room to groups that pay."""
        floors = self.policy.objective is Objective.RISK_FIRST
        horizon, dual = self.policy.objective.horizon_months, self.policy.dual_running_months
        past_horizon = next((k for k, month in enumerate(months) if month >= horizon), len(months))
        floor_of_env: dict[int, int] = {}
        frontier = base
        for g in order:
            if self.slot_of[g] >= 0:
                continue
            f = self.facts[g]
            producers = self.graph.producers[g]
            start = max(base, *(self.slot_of[p] for p in producers)) if producers else base
            if floors and not f.hub:
                start = max(start, floor_of_env.setdefault(f.env_rank, frontier))
            if (deferred and deferred[g] and start < past_horizon
                    and net_if_moved(f.cash, months[start], horizon=horizon, dual=dual) < 0):
                start = past_horizon  # loses money from its earliest slot on: net only falls later in the horizon
            slot = self.fit(g, start)
            if (deferred and slot < past_horizon and (deferred[g] or not self.graph.consumers[g])
                    and net_if_moved(f.cash, months[slot], horizon=horizon, dual=dual) < 0):
                slot = self.fit(g, past_horizon)
            self.put(g, slot)
            if not f.hub:
                frontier = max(frontier, slot)

    def warnings(self, pilot: Sequence[int], first_number: int) -> list[str]:
        """Pins that broke the pilot policy or the producers-first order."""
        found: list[str] = []
        if pilot:
            found.extend(
                f"group {g + 1} is pinned to the pilot wave {first_number} but is not a low-risk non-production "
                "group" for g, f in enumerate(self.facts) if f.pinned == 0 and not f.pilot_ok
            )
        slot_of = self.slot_of
        for g in range(len(self.facts)):
            late = [p for p in self.graph.producers[g] if slot_of[p] > slot_of[g]]
            if late:
                names = ", ".join(f"group {p + 1} (wave {first_number + slot_of[p]})" for p in late[:3])
                found.append(f"group {g + 1} (wave {first_number + slot_of[g]}) moves before its producers "
                             f"{names}: pins force it (conflicting pins, or no room before a pinned consumer)")
        return found


def wave_dates(count: int, policy: WavePolicy) -> list[dt.date]:
    """Dates of the first `count` new waves: every `cadence_days` from `start`, pushed past blackout days.

    The cadence runs on the planned dates; a pushed wave never lands on or before the wave before it.
    """
    dates: list[dt.date] = []
    step = dt.timedelta(days=policy.cadence_days)
    one_day = dt.timedelta(days=1)
    for k in range(count):
        day = policy.start + k * step
        if dates and day <= dates[-1]:
            day = dates[-1] + one_day
        while day in policy.blackout_dates:
            day += one_day
        dates.append(day)
    return dates
