"""Time `plan_waves` on a random estate of realistic shape (default 100,000 systems, 300,000 dependencies).

The estate: applications of 1-15 systems in one environment each, grouped in domains of 4 applications that
call each other; a few dozen shared-infrastructure servers (DNS, directory, monitoring, backup) that half of
the dependencies go to; a sprinkle of weak cross-domain links (observed once) that only order groups; 1% retired,
1% retained, 200 pinned systems. Run: python benchmarks/plan_waves_pure.py [--systems N] [--edges M] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from migrations_plan.strategy_types import Strategy  # noqa: E402
from migrations_plan.waves import HubPolicy, PlanEdge, PlanSystem, WavePlan, WavePolicy, plan_waves  # noqa: E402

ENVIRONMENTS = ["development"] * 15 + ["test"] * 20 + ["staging"] * 10 + ["dr"] * 5 + ["production"] * 50
CRITICALITIES = [None, "low", "medium", "high", "critical"]
HUB_PORTS = [53, 389, 88, 123, 5666, 10050, 514, 10000]


def build_estate(n_systems: int, n_edges: int, seed: int) -> tuple[list[PlanSystem], list[PlanEdge]]:
    rng = random.Random(seed)
    systems: list[PlanSystem] = []
    hub_names = [f"dns{i:02d}" for i in range(12)] + [f"corp-dc{i:02d}" for i in range(12)] + [
        f"monitor{i:02d}" for i in range(12)] + [f"backup{i:02d}" for i in range(12)]
    for k, name in enumerate(hub_names):
        systems.append(PlanSystem(id=k + 1, name=name, environment="production", criticality="high",
                                  application=name.rstrip("0123456789"), strategy=Strategy.REHOST,
                                  storage_gb=200.0, monthly_saving=100.0))
    app_members: list[list[int]] = []
    app = 0
    while len(systems) < n_systems:
        size = min(rng.randint(1, 15), n_systems - len(systems))
        env = rng.choice(ENVIRONMENTS)
        crit = rng.choice(CRITICALITIES)
        members: list[int] = []
        for _ in range(size):
            sid = len(systems) + 1
            roll = rng.random()
            strategy = Strategy.RETIRE if roll < 0.01 else Strategy.RETAIN if roll < 0.02 else Strategy.REHOST
            systems.append(PlanSystem(
                id=sid, name=f"app{app}-srv{len(members)}", environment=env, criticality=crit,
                application=f"app{app}", business_unit=f"bu{app % 17}", strategy=strategy,
                storage_gb=rng.uniform(10, 800), monthly_saving=rng.uniform(-200, 1500),
            ))
            members.append(sid)
        app_members.append(members)
        app += 1
    for sid in rng.sample(range(len(hub_names) + 1, len(systems) + 1), 200):
        old = systems[sid - 1]
        systems[sid - 1] = replace(old, pinned_wave=rng.randint(1, 100))

    edges: list[PlanEdge] = []
    n_apps = len(app_members)
    first, last = len(hub_names) + 1, len(systems)
    while len(edges) < n_edges:
        roll = rng.random()
        if roll < 0.5:  # everybody talks to shared infrastructure
            edges.append(PlanEdge(rng.randint(first, last), rng.randint(1, len(hub_names)),
                                  port=rng.choice(HUB_PORTS), weight=rng.randint(1, 500)))
        elif roll < 0.9:  # inside an application
            members = app_members[rng.randrange(n_apps)]
            if len(members) > 1:
                a, b = rng.sample(members, 2)
                edges.append(PlanEdge(a, b, port=rng.choice([443, 1521, 8080, 5432]), weight=rng.randint(1, 300)))
        elif roll < 0.98:  # between applications of one domain (4 applications)
            base = rng.randrange(0, n_apps, 4)
            a = rng.choice(app_members[base + rng.randrange(min(4, n_apps - base))])
            b = rng.choice(app_members[base + rng.randrange(min(4, n_apps - base))])
            if a != b:
                edges.append(PlanEdge(a, b, port=443, weight=rng.randint(1, 50)))
        else:  # weak cross-domain link, mostly from a later application to an earlier one
            x, y = sorted(rng.sample(range(n_apps), 2))
            consumer, producer = (y, x) if rng.random() < 0.95 else (x, y)
            edges.append(PlanEdge(rng.choice(app_members[consumer]), rng.choice(app_members[producer]),
                                  port=443, weight=1))
    return systems, edges


def _time(label: str, repeat: int, run: Callable[[], WavePlan]) -> WavePlan:
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = run()
        timings.append(time.perf_counter() - t0)
    print(f"{label}: best {min(timings):.2f} s, worst {max(timings):.2f} s over {repeat} run(s); "
          f"{len(plan.groups):,} groups, {len(plan.waves):,} waves, {len(plan.oversized):,} oversized, "
          f"{len(plan.cycles):,} cycles, {len(plan.warnings):,} warnings")
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    systems, edges = build_estate(args.systems, args.edges, args.seed)
    print(f"built {len(systems):,} systems and {len(edges):,} dependencies in {time.perf_counter() - t0:.1f} s")
    policy = WavePolicy(start=dt.date(2026, 1, 5), blackout_dates=frozenset({dt.date(2026, 12, 25)}),
                        min_join_weight=2)
    plan = _time("plan_waves (estate above)", args.repeat, lambda: plan_waves(systems, edges, policy=policy))
    print(f"  stats: {dict(plan.stats)}")
    t0 = time.perf_counter()
    rows = sum(1 for _ in plan.rows())
    text = str(plan)
    print(f"  rows(): {rows:,} rows and str(): {len(text):,} characters in {time.perf_counter() - t0:.2f} s")
    # Worst case for packing: no dependency data and no applications, so every system is its own group.
    loners = [replace(s, application=None, pinned_wave=None) for s in systems]
    _time("plan_waves (no dependencies, every system alone)", args.repeat,
          lambda: plan_waves(loners, [], policy=policy))
    # Worst case for cut suggestions: hub exclusion off, so shared infrastructure glues one giant group.
    _time("plan_waves (hub exclusion off)", args.repeat,
          lambda: plan_waves(systems, edges, policy=policy, hubs=HubPolicy.disabled()))


if __name__ == "__main__":
    main()
