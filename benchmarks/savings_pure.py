"""Time the savings model and its JSON/CSV writers on a random estate (default: 100,000 systems, 36 months).

Run from the repository root:  python benchmarks/savings_pure.py [--systems 100000] [--months 36] [--xlsx]
The estate is seeded, so runs are comparable. Input building is not timed; the model and the writers are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.reports.savings_files import (  # noqa: E402
    write_savings_csv,
    write_savings_html,
    write_savings_json,
    write_savings_xlsx,
)
from migrations_plan.savings import (  # noqa: E402
    SavingsSystem,
    add_months,
    build_savings_report,
    default_assumptions,
)
from migrations_plan.strategy_types import Strategy  # noqa: E402

START = dt.date(2026, 1, 1)
STRATEGIES = [Strategy.REHOST] * 50 + [Strategy.REPLATFORM] * 15 + [Strategy.REFACTOR] * 5 + \
    [Strategy.REPURCHASE] * 5 + [Strategy.RELOCATE] * 5 + [Strategy.RETIRE] * 12 + [Strategy.RETAIN] * 8
OS_FAMILIES = ["windows"] * 5 + ["linux"] * 4 + ["unix", "unknown"]
DB_ENGINES = [None] * 7 + ["SQL Server 2019", "Oracle 19c", "PostgreSQL 14"]


def random_estate(count: int, months: int, seed: int = 7) -> list[SavingsSystem]:
    """A seeded estate: 40 waves over the horizon, the first third completed (some a month late)."""
    rng = random.Random(seed)
    waves = 40
    wave_months = [add_months(START, (w * months) // waves) for w in range(waves)]
    systems = []
    for i in range(count):
        strategy = rng.choice(STRATEGIES)
        wave = rng.randrange(waves) if rng.random() < 0.95 else None
        planned = wave_months[wave] if wave is not None else None
        realised = add_months(planned, rng.choice((0, 0, 0, 1))) if wave is not None and wave < waves // 3 \
            else None
        cores = rng.choice((2, 4, 8, 16, 32)) if rng.random() < 0.97 else None
        legacy_known = rng.random() < 0.4
        payg = rng.uniform(50, 2000)
        systems.append(SavingsSystem(
            id=f"sys-{i:06d}", name=f"srv{i:06d}", strategy=strategy,
            business_unit=f"BU{rng.randrange(20):02d}", application=f"app{rng.randrange(5000):04d}",
            wave_number=None if wave is None else wave + 1, planned_month=planned, realised_month=realised,
            cores=cores, storage_gb=rng.uniform(20, 4000), os_family=rng.choice(OS_FAMILIES),
            db_engine=rng.choice(DB_ENGINES),
            cost_lines={"hardware": rng.uniform(500, 8000), "labour": rng.uniform(200, 3000)} if legacy_known
            else {},
            azure_monthly={"payg": payg, "ri3y": payg * 0.62, "ri3y_ahb": payg * 0.48},
            migration_data_gb=rng.uniform(10, 2000),
        ))
    return systems


def run_once(systems: list[SavingsSystem], months: int, out: Path, *, xlsx: bool) -> dict[str, float]:
    """One timed run (CPU seconds of this process, which other processes on the machine disturb less than
    wall-clock time). Returns seconds per phase."""
    timings: dict[str, float] = {}
    assumptions = default_assumptions()
    began = mark = time.process_time()
    report = build_savings_report(systems, assumptions, start=START, months=months, scenario="ri3y")
    timings["model (planned + realised + 3 scenarios)"], mark = time.process_time() - mark, time.process_time()
    write_savings_json(report, out / "savings.json")
    timings["JSON"], mark = time.process_time() - mark, time.process_time()
    write_savings_csv(report, out / "savings.csv")
    timings["CSV (9 files)"], mark = time.process_time() - mark, time.process_time()
    timings["model + JSON + CSV"] = mark - began
    if xlsx:
        write_savings_xlsx(report, out / "savings.xlsx")
        timings["XLSX (not in the budget)"], mark = time.process_time() - mark, time.process_time()
        write_savings_html(report, out / "savings.html")
        timings["HTML (not in the budget)"] = time.process_time() - mark
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest of each phase is reported")
    parser.add_argument("--xlsx", action="store_true", help="also time the XLSX and HTML writers (slow)")
    args = parser.parse_args()
    systems = random_estate(args.systems, args.months)
    runs = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeat):
            runs.append(run_once(systems, args.months, Path(out), xlsx=args.xlsx))
        sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
    print(f"{args.systems:,} systems, {args.months} months; CPU seconds, fastest and slowest of {args.repeat} runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for name in runs[0]:
        values = [run[name] for run in runs]
        print(f"  {name:<42} {min(values):6.2f} s  {max(values):6.2f} s")
    print("  budget: model + JSON + CSV under 5 s")
    print("  files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())
                                  if size > 100_000))


if __name__ == "__main__":
    main()
