"""Time `assess` on 100,000 random systems against the shipped price catalog (target: under 10 s).

Run: python benchmarks/assess_pure.py [--systems N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inventory.records import Criticality, Environment, OsFamily, PowerState, SystemKind  # noqa: E402
from migrations_plan.assessment import AssessInput, AssessSettings, DiskLoad, Override, assess  # noqa: E402
from migrations_plan.pricing import load_catalog  # noqa: E402
from migrations_plan.strategy_types import Strategy  # noqa: E402

_OS = (
    ("Microsoft Windows Server 2008 R2 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows Server 2012 R2 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows Server 2016 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows Server 2019 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows Server 2022 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows Server 2003 (32-bit)", OsFamily.WINDOWS),
    ("Red Hat Enterprise Linux 6 (64-bit)", OsFamily.LINUX),
    ("Red Hat Enterprise Linux 7 (64-bit)", OsFamily.LINUX),
    ("Red Hat Enterprise Linux 8 (64-bit)", OsFamily.LINUX),
    ("CentOS 7 (64-bit)", OsFamily.LINUX),
    ("SUSE Linux Enterprise Server 12 (64-bit)", OsFamily.LINUX),
    ("Ubuntu Linux 20.04 LTS (64-bit)", OsFamily.LINUX),
    ("Oracle Solaris 10 (64-bit)", OsFamily.UNIX),
    ("IBM AIX 7.1 (64-bit)", OsFamily.UNIX),
    ("Other (64-bit)", OsFamily.OTHER),
    (None, OsFamily.UNKNOWN),
)
_WORKLOADS = ("web", "app", "database", "batch", "container", "dns", "monitoring", None)
_DB = (None, None, None, ("SQL Server", "2016"), ("SQL Server", "2012"), ("Oracle", "19c"), ("PostgreSQL", "13"))


def random_system(rng: random.Random, system_id: int) -> AssessInput:
    """One plausible legacy system: skewed sizes, many idle, 15% without utilisation data."""
    os_name, family = rng.choice(_OS)
    cores = rng.choice((1, 2, 2, 4, 4, 4, 8, 8, 16, 32, 64))
    memory_mb = cores * rng.choice((2048, 4096, 8192, 16384)) * rng.choice((1.0, 1.0, 0.5))
    has_util = rng.random() > 0.15
    kind = rng.choices(list(SystemKind), weights=(80, 10, 3, 5, 2))[0]
    db = rng.choice(_DB) if kind is SystemKind.DATABASE else None
    disks = tuple(
        DiskLoad(rng.choice((40, 64, 100, 200, 500, 1024, 2048, 6000)),
                 rng.uniform(0, 3000) if rng.random() < 0.5 else None,
                 rng.uniform(0, 2000) if rng.random() < 0.5 else None,
                 rng.uniform(0, 150) if rng.random() < 0.5 else None,
                 rng.uniform(0, 100) if rng.random() < 0.5 else None)
        for _ in range(rng.randint(1, 6))
    )
    return AssessInput(
        id=system_id,
        name=f"sys-{system_id:06d}",
        kind=kind,
        os_name=os_name,
        os_family=family,
        cores=cores if rng.random() > 0.01 else None,
        memory_mb=memory_mb,
        cpu_util_pct=rng.betavariate(1.2, 6) * 100 if has_util else None,
        memory_util_pct=rng.uniform(10, 95) if has_util else None,
        util_percentile=95 if has_util else None,
        disks=disks,
        environment=rng.choices(list(Environment), weights=(45, 10, 20, 20, 5, 0))[0],
        criticality=rng.choice((None, *Criticality)),
        workload_type=rng.choice(_WORKLOADS),
        db_engine=db[0] if db else None,
        db_version=db[1] if db else None,
        db_size_gb=rng.uniform(1, 9000) if db else None,
        power_state=PowerState.OFF if rng.random() < 0.03 else PowerState.ON,
        tags={"migrate": "no"} if rng.random() < 0.01 else {"owner": "ops"},
        dependency_count=rng.randint(0, 12),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    catalog = load_catalog()
    loaded = time.perf_counter()
    systems = [random_system(rng, i) for i in range(1, args.systems + 1)]
    overrides = {i: Override(Strategy.REHOST, "benchmark override") for i in range(1, args.systems + 1, 100)}
    built = time.perf_counter()
    settings = AssessSettings(as_of=dt.date(2026, 9, 1))
    cpu_started = time.process_time()
    result = assess(systems, catalog=catalog, settings=settings, overrides=overrides)
    done = time.perf_counter()
    cpu = time.process_time() - cpu_started

    print(f"catalog load: {loaded - started:.2f} s; {args.systems:,} inputs built in {built - loaded:.2f} s")
    print(f"assess: {done - built:.2f} s wall ({cpu:.2f} s CPU) for {len(result.assessments):,} systems "
          f"({(done - built) / len(result.assessments) * 1e6:.0f} us/system)")
    print("strategies:", dict(Counter(a.strategy.value for a in result.assessments)))
    print("readiness:", dict(Counter(a.readiness.value for a in result.assessments)))
    print("targets:", dict(Counter(a.target.service.value if a.target else "-" for a in result.assessments)))
    print(f"monthly run rate ({result.pricing_key}): {result.monthly_total():,.0f} USD")


if __name__ == "__main__":
    main()
