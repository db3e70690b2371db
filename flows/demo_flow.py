"""The `demo` flow: sample estate -> import -> assess -> plan -> savings report -> the pilot wave executed on the
simulator (one injected failure, rolled back), one parent flow run.

Each stage is a child flow run of this one, so Prefect's server (the temporary one by default) starts once and the
UI shows the whole chain. Running it again in the same folder is safe: the estate is regenerated identically, so
the re-import changes nothing, and assessment, plan and reports are recomputed in place.

The demo works in its own folder and its own SQLite database (FOLDER/lumen-migrate.db), never the configured one:
its settings are installed for the whole run, so every stage (and the pilot's simulator) sees only the demo's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import col

from flows.assess_flow import AssessOutcome, assess_flow
from flows.execution.results import WaveRunFailed, outcome_of
from flows.execution.runs import load_runbook
from flows.execution.wave_flow import run_wave_flow
from flows.import_flow import ChangeCounts, import_inventory
from flows.parameters import (
    AssessParameters,
    DemoParameters,
    ImportParameters,
    PlanParameters,
    ReportParameters,
    RunWaveParameters,
)
from flows.plan_flow import PlanOutcome, plan_flow
from flows.progress import report
from flows.report_flow import ReportOutcome, report_flow
from flows.run_states import refused
from flows.settings import Settings, get_settings, use_settings
from inventory.db import session_scope
from inventory.db_url import default_db_url, redact_url
from inventory.sample import generate_estate
from inventory.sample_writers import write_sample
from inventory.tables import Wave, WaveRun


class PilotRun(BaseModel):
    """The pilot wave's run on the simulator, with one cutover failure injected."""

    model_config = ConfigDict(frozen=True)

    wave: int
    run_id: int | None
    status: str
    workloads: int
    migrated: int
    rolled_back: int
    injected_failure: str
    left_behind: int


def _unknown(value: object) -> bool:
    return value is None


class PilotSkipped(BaseModel):
    """No pilot ran: the plan has no wave (`wave` None), or its first wave has no workload (`workloads` 0)."""

    model_config = ConfigDict(frozen=True)

    wave: int | None
    workloads: int | None = Field(default=None, exclude_if=_unknown)


class DemoImport(BaseModel):
    """What the demo's two imports changed: the estate's systems, then its dependencies."""

    model_config = ConfigDict(frozen=True)

    systems: ChangeCounts
    dependencies: ChangeCounts


class DemoOutcome(BaseModel):
    """Every stage of the demo; the CLI and its --json read this (`imported` is serialised as `import`)."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True)

    estate_files: tuple[str, str]
    imported: DemoImport = Field(serialization_alias="import")
    assessment: AssessOutcome
    plan: PlanOutcome
    savings: ReportOutcome
    execution: PilotRun | PilotSkipped


@task(name="generate-sample-estate", cache_policy=NONE)
def generate_sample(systems: int, seed: int, out: str) -> list[str]:
    report("generate", 0, systems)
    estate = generate_estate(systems, seed=seed)
    written = write_sample(estate, "csv", Path(out))
    report("generate", systems, systems)
    return [str(path) for path in written]


@contextmanager
def own_database(folder: Path) -> Iterator[Settings]:
    """The demo's settings (its database `folder`/lumen-migrate.db) installed while the stages run, whatever was
    installed before (the CLI's, or none: the environment's) put back afterwards."""
    settings = get_settings().model_copy(update={"db_url": default_db_url(folder)})
    previous = use_settings(settings)
    try:
        yield settings
    finally:
        use_settings(previous)


@flow(name="demo")
def demo_flow(params: DemoParameters) -> DemoOutcome:
    """The whole planning half on a generated estate, in the demo's own folder and database: never the configured
    database. A relative folder is under the files folder (LUMEN_MIGRATE_FILES_DIR)."""
    folder = get_settings().resolve_path(params.folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return refused(f"folder: cannot use {folder} for the demo: {e.strerror or e}")  # type: ignore[return-value]
    with own_database(folder) as settings:
        get_run_logger().info("demo in %s, in its own database %s", folder, redact_url(settings.db_url))
        return run_stages(params, folder)


def run_stages(params: DemoParameters, folder: Path) -> DemoOutcome:
    """Each stage a child flow run, in the database installed by `own_database`."""
    systems_file, dependencies_file = generate_sample(params.systems, params.seed, str(folder / "estate.csv"))
    imported = import_inventory(ImportParameters(path=systems_file, format="canonical-csv", source="demo-estate"))
    imported_deps = import_inventory(ImportParameters(path=dependencies_file, format="dependency-csv",
                                                      source="demo-dependencies"))
    assessed = assess_flow(AssessParameters())
    planned = plan_flow(PlanParameters(max_systems=params.max_systems_per_wave, max_tb=params.max_tb_per_wave,
                                       cadence_days=params.cadence_days,
                                       out=[str(folder / "wave-plan.xlsx"), str(folder / "wave-plan.csv")]))
    savings = report_flow(ReportParameters(formats=["xlsx", "html", "csv"], out_dir=str(folder / "reports"),
                                           name="savings", replace=True))
    execution = run_pilot(folder)
    return DemoOutcome(estate_files=(systems_file, dependencies_file),
                       imported=DemoImport(systems=imported.systems, dependencies=imported_deps.dependencies),
                       assessment=assessed, plan=planned, savings=savings, execution=execution)


def run_pilot(folder: Path) -> PilotRun | PilotSkipped:
    """The pilot wave on the simulator, with one cutover failure injected: it is rolled back, the rest move."""
    with session_scope(get_settings().db_url) as session:
        waves = sorted(session.scalars(select(col(Wave.number))))
        if not waves:
            return PilotSkipped(wave=None)
        pilot, runbook = load_runbook(waves[0], session=session)
        previous = session.scalars(select(WaveRun).where(col(WaveRun.wave_id) == pilot.id)
                                   .order_by(col(WaveRun.id).desc()).limit(1)).first()
    if not runbook.workloads:
        return PilotSkipped(wave=waves[0], workloads=0)
    victim = runbook.workloads[0].workload.name
    if previous is not None:
        # Run once per demo folder: a second demo reports the pilot run it made the first time.
        return PilotRun(wave=pilot.number, run_id=previous.id, status=f"{previous.status} earlier",
                        workloads=previous.workloads, migrated=previous.migrated, rolled_back=previous.rolled_back,
                        injected_failure=f"{victim} at cutover", left_behind=0)
    params = RunWaveParameters(wave=waves[0], simulator_state=str(folder / "simulator"),
                               simulator_faults=[f"{victim}:cutover"])
    try:
        outcome = outcome_of(run_wave_flow(params, return_state=True))
    except WaveRunFailed as e:
        outcome = e.outcome
    left = sum(len(line.left_behind) for line in outcome.results)
    return PilotRun(wave=outcome.wave, run_id=outcome.run_id, status=outcome.status, workloads=outcome.workloads,
                    migrated=outcome.migrated, rolled_back=outcome.rolled_back,
                    injected_failure=f"{victim} at cutover", left_behind=left)
