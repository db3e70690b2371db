"""Assess, plan and report on a large estate: the pure step alone, the whole stage (database read and write
included) in one process, and the `lumen-migrate` command against a running Prefect server.

    python -m benchmarks.bench_pipeline --systems 100000

Builds the estate with `sample-inventory` and imports it first (not timed here: see bench_import).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Measurement, cli, machine, measure, prefect_server

STAGE = """
import json, os, sys, time
stage = sys.argv[1]
if stage == "assess":
    from flows.parameters import AssessParameters
    from flows.assess_flow import assess_estate, store_assessment
    t0 = time.perf_counter()
    result, settings = assess_estate.fn(AssessParameters())
    t1 = time.perf_counter()
    store_assessment.fn(result, settings)
elif stage == "plan":
    from flows.parameters import PlanParameters
    from flows.plan_flow import compute_plan, store_plan
    t0 = time.perf_counter()
    computed = compute_plan.fn(PlanParameters())
    t1 = time.perf_counter()
    store_plan.fn(computed)
else:
    import datetime as dt
    from flows.parameters import ReportParameters
    from flows.report_flow import load_inputs, project_savings, write_files
    params = ReportParameters(months=36, formats=["json", "csv"], out_dir=sys.argv[2])
    t0 = time.perf_counter()
    systems, assumptions, _context = load_inputs.fn(params)
    t1 = time.perf_counter()
    write_files.fn(project_savings.fn(systems, assumptions, params), params)
print(json.dumps({"read_and_compute": t1 - t0, "total": time.perf_counter() - t0}))
"""

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    args = parser.parse_args()
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        db = f"sqlite:///{work / 'estate.db'}"
        env: dict[str, str | None] = {"LUMEN_MIGRATE_DB_URL": db}
        measure("setup: sample", cli("sample-inventory", "--systems", str(args.systems), "--out",
                                     str(work / "estate.csv")), cwd=work)
        home = work / "prefect-home"
        home.mkdir()
        with prefect_server(home) as api_url:
            server_env: dict[str, str | None] = {**env, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(home)}
            for name in ("estate.csv", "estate-dependencies.csv"):
                measure(f"setup: import {name}", cli("import", str(work / name)), cwd=work, env=server_env)
            for stage in ("assess", "plan", "report"):
                results.append(measure(f"{stage}: whole stage in one process, no Prefect",
                                       [sys.executable, "-c", STAGE, stage, str(work / "reports")], cwd=work,
                                       env=env))
                print(f"{stage}: {results[-1].output.strip().splitlines()[-1]}", flush=True)
            results.append(measure("`assess`, running Prefect server", cli("assess"), cwd=work, env=server_env))
            results.append(measure("`plan`, running Prefect server", cli("plan"), cwd=work, env=server_env))
            results.append(measure("`report savings --months 36 --format json --format csv`, running server",
                                   cli("report", "savings", "--months", "36", "--format", "json", "--format", "csv",
                                       "--out", str(work / "reports")), cwd=work, env=server_env))
            results.append(measure("`report savings --months 36` (default formats: xlsx, html), running server",
                                   cli("report", "savings", "--months", "36", "--out", str(work / "reports")),
                                   cwd=work, env=server_env))
            results.append(measure("`plan --out plan.xlsx --out plan.csv`, running server",
                                   cli("plan", "--out", str(work / "plan.xlsx"), "--out", str(work / "plan.csv")),
                                   cwd=work, env=server_env))
    print(f"\nPipeline benchmark, {args.systems:,} systems ({machine()})\n")
    print("| step | wall | peak RSS |\n|---|---:|---:|")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
