"""Time the wave-plan workbook (`write_plan_xlsx`) for a plan of N systems (default 100,000) in waves of 20.

The rows have the export's columns and value types (numbers, dates, text, empty cells); no database.
Run: python benchmarks/plan_xlsx_pure.py [--systems N]
(The savings workbook: python benchmarks/savings_pure.py --xlsx.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from flows.reports.plan_files import write_plan_xlsx


def plan(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    start = dt.date(2027, 1, 4)
    waves = [{"number": n, "name": f"Wave {n}", "date": (start + dt.timedelta(weeks=n)).isoformat(),
              "status": "planned", "frozen": False, "systems": 20, "storage_tb": 3.25}
             for n in range(1, count // 20 + 1)]
    rows = [{"wave": i // 20 + 1, "wave_name": f"Wave {i // 20 + 1}",
             "date": start + dt.timedelta(weeks=i // 20 + 1), "wave_status": "planned", "group": f"app-{i // 5}",
             "system": f"srv-{i:06d}", "application": f"app-{i // 5}",
             "environment": "production", "business_unit": "Network", "strategy": "rehost", "readiness": "ready",
             "target": "vm Standard_D4s_v5", "usd_per_month": 151.84 + i % 100, "storage_gb": 250.0,
             "note": "" if i % 50 else "pinned by the change board"} for i in range(count)]
    return rows, waves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    args = parser.parse_args()
    rows, waves = plan(args.systems)
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "plan.xlsx"
        started = time.perf_counter()
        write_plan_xlsx(rows, waves, path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wave-plan workbook, {args.systems:,} systems, {len(waves):,} waves: {seconds:.2f} s, {size / 1e6:.1f} MB, "
          f"process peak RSS {peak:.0f} MiB (rows included)")


if __name__ == "__main__":
    main()
