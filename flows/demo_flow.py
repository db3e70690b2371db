"""The `demo` flow: sample estate -> import -> assess -> plan -> savings report, one parent flow run.

Each stage is a child flow run of this one, so Prefect's server (the temporary one by default) starts once and the
UI shows the whole chain. Running it again in the same folder is safe: the estate is regenerated identically, so
the re-import changes nothing, and assessment, plan and reports are recomputed in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE

from flows.assess_flow import assess_flow
from flows.import_flow import import_inventory
from flows.parameters import AssessParameters, DemoParameters, PlanParameters, ReportParameters
from flows.plan_flow import plan_flow
from flows.progress import report
from flows.report_flow import report_flow
from inventory.sample import generate_estate
from inventory.sample_writers import write_sample


@task(name="generate-sample-estate", cache_policy=NONE)
def generate_sample(systems: int, seed: int, out: str) -> list[str]:
    report("generate", 0, systems)
    estate = generate_estate(systems, seed=seed)
    written = write_sample(estate, "csv", Path(out))
    report("generate", systems, systems)
    return [str(path) for path in written]


@flow(name="demo")
def demo_flow(params: DemoParameters | None = None) -> dict[str, Any]:
    """The whole planning half on a generated estate; the database is the one the environment names."""
    params = params or DemoParameters()
    folder = Path(params.folder)
    systems_file, dependencies_file = generate_sample(params.systems, params.seed, str(folder / "estate.csv"))
    imported = import_inventory(path=systems_file, fmt="canonical-csv", source="demo-estate")
    imported_deps = import_inventory(path=dependencies_file, fmt="dependency-csv", source="demo-dependencies")
    assessed = assess_flow(AssessParameters())
    planned = plan_flow(PlanParameters(max_systems=params.max_systems_per_wave, max_tb=params.max_tb_per_wave,
                                       cadence_days=params.cadence_days,
                                       out=[str(folder / "wave-plan.xlsx"), str(folder / "wave-plan.csv")]))
    savings = report_flow(ReportParameters(formats=["xlsx", "html", "csv"], out_dir=str(folder / "reports"),
                                           name="savings"))
    return {
        "estate_files": [systems_file, dependencies_file],
        "import": {"systems": imported["systems"], "dependencies": imported_deps["dependencies"]},
        "assessment": assessed,
        "plan": planned,
        "savings": savings,
    }
