"""A large wave on the simulator with zero latency: the engine alone, then the `run-wave` command against a running
Prefect server; orchestration overhead per workload, peak memory, and how long until the UI shows every
workload's final state.

    python -m benchmarks.bench_execution --workloads 2000

Each figure is a fresh process (see harness.py). The estate is built in the database directly: N non-production
rehost servers in one wave (no approval gate), assessed and planned as usual.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.harness import cli, load_average, machine, measure, prefect_server

BUILD = """
import sys
from inventory.db import session_scope
from inventory.importers.common import ParsedInventory
from inventory.records import Disk, SystemRecord
from inventory.store import apply_import
from flows.assess_flow import assess_estate, store_assessment
from flows.parameters import AssessParameters, PlanParameters
from flows.plan_flow import compute_plan, store_plan

n = int(sys.argv[1])
systems = [SystemRecord(external_id=f"s{i}", name=f"bench-{i:05d}", cores=2, memory_mb=4096, environment="test",
                        os_name="Ubuntu 22.04", power_state="on", cpu_util_pct=30, disks=[Disk(size_gb=10)])
           for i in range(n)]
with session_scope() as session:
    apply_import(ParsedInventory.of("canonical-csv", systems=systems), session=session, source="bench",
                 file_name="bench.csv", file_sha256="0" * 64)
result, settings = assess_estate.fn(AssessParameters())
store_assessment.fn(result, settings)
store_plan.fn(compute_plan.fn(PlanParameters(max_systems=n, max_tb=1e6, pilot_max_systems=0)))
"""

ENGINE = """
import sys, time
from pathlib import Path
from flows.execution.engine import ExecutionPolicy, RecordedApprovals
from flows.execution.runs import open_run, wave_lock
from flows.execution.simulator import SimulatorBackend
from flows.execution.wave import execute_wave, thread_mapper
from flows.settings import get_settings
from inventory.db import session_scope

url = get_settings().db_url
with session_scope(url) as session:
    handle = open_run(0, backend="simulator", on_failure="rollback-workload", max_failures=None, session=session)
started = time.perf_counter()
with wave_lock(url, wave_id=handle.wave_id, wave_number=0, run_id=handle.run_id):
    outcome = execute_wave(handle, db_url=url, backend=SimulatorBackend(Path(sys.argv[1])),
                           policy=ExecutionPolicy(), approvals=RecordedApprovals(auto_approve=True),
                           mapper=thread_mapper(8))
print(outcome.status.value, len(outcome.results), round(time.perf_counter() - started, 2))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=int, default=2000)
    args = parser.parse_args()
    n = args.workloads
    print(f"# {n} workloads, simulator without latency; {machine()}; {load_average()}")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        figures = {}
        for name in ("engine", "command"):
            work = base / name
            work.mkdir()
            env: dict[str, str | None] = {"LUMEN_MIGRATE_DB_URL": f"sqlite:///{work / 'lumen.db'}"}
            measure("build", ["python", "-c", BUILD, str(n)], cwd=work, env=env)
            if name == "engine":
                figures[name] = measure("engine alone (journal + simulator, 8 threads)",
                                        ["python", "-c", ENGINE, str(work / "sim")], cwd=work, env=env)
                continue
            home = base / "prefect-home"
            home.mkdir()
            with prefect_server(home) as url:
                env.update({"PREFECT_API_URL": url, "PREFECT_HOME": str(home)})
                command = measure("lumen-migrate run-wave (running server)",
                                  cli("--json", "run-wave", "0", "--sim-state", str(work / "sim")), cwd=work, env=env)
                figures[name] = command
                flow_run_id = json.loads(command.output[command.output.index("{"):]).get("run_id")
                shown = time_until_ui_shows(url, n)
                print(f"wave run {flow_run_id}: every workload's final state visible in the API "
                      f"{shown:.1f} s after the command returned")
        engine, command = figures["engine"], figures["command"]
        print("| figure | wall | peak RSS |\n|---|---|---|")
        print(engine.row())
        print(command.row())
        overhead = (command.seconds - engine.seconds) / n * 1000
        print(f"orchestration overhead per workload (command minus engine, start-up included): {overhead:.1f} ms")


def time_until_ui_shows(url: str, n: int, *, timeout: float = 600) -> float:
    started = time.perf_counter()
    body = {"task_runs": {"name": {"like_": "bench-"}, "state": {"type": {"any_": ["COMPLETED"]}}}}
    while time.perf_counter() - started < timeout:
        count = httpx.post(f"{url}/task_runs/count", json=body, timeout=30).json()
        if count >= n:
            return time.perf_counter() - started
        time.sleep(0.5)
    raise SystemExit(f"only {count} of {n} task runs reached the API in {timeout:.0f} s")


if __name__ == "__main__":
    main()
