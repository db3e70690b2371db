"""The execution engine on the Azure backend: the real SDK clients and credential against the local ARM stand-in,
the simulator as replication/cutover adapter. The same failures as on the simulator, and after each one nothing
is left in the stand-in; a killed run resumes without a second deployment; throttling and 5xx bursts change
nothing but the time it takes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.execution.azure import Arm, AzureCredential
from flows.execution.azure_backend import TAG_CREATED_BY_RUN, AzureBackend, azure_backend, what_if_wave
from flows.execution.engine import ExecutionPolicy, OnFailure, Outcome, RecordedApprovals
from flows.execution.journal import Action, Event, Journal
from flows.execution.rollback import RollbackAuthorisation, roll_back
from flows.execution.runs import load_runbook, open_run, wave_lock
from flows.execution.simulator import FaultPlan, SimulatorBackend
from flows.execution.wave import WaveOutcome, execute_wave
from flows.parameters import RunWaveParameters
from inventory.db import session_scope
from inventory.errors import BadInputError
from inventory.tables import RunStatus, WaveStatus
from migrations_plan.execution import StepKind
from tests.arm_standin import ArmStandIn
from tests.integration.test_execution import handle_of, members, states, wave_status

pytestmark = pytest.mark.integration
K = StepKind
FAST = ExecutionPolicy(backoff_s=0.0)
SUBNET = ("/subscriptions/{sub}/resourceGroups/landing/providers/Microsoft.Network/virtualNetworks/lz/subnets/"
          "workloads")
ZONE = {"LUMEN_MIGRATE_AZURE_SQL_ADMIN_LOGIN": "dba-group",
        "LUMEN_MIGRATE_AZURE_SQL_ADMIN_OBJECT_ID": "00000000-0000-0000-0000-0000000000aa",
        "LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S": "0.05"}


def zone_env(arm: ArmStandIn) -> dict[str, str]:
    subnet = SUBNET.format(sub=arm.subscription_id)
    return {**arm.env(), **ZONE, "LUMEN_MIGRATE_AZURE_SUBNET_ID": subnet,
            "LUMEN_MIGRATE_AZURE_SQL_MI_SUBNET_ID": subnet.replace("workloads", "sqlmi")}


@pytest.fixture
def on_azure(wave: tuple[str, int], arm: ArmStandIn, monkeypatch: pytest.MonkeyPatch,
             tmp_path: Path) -> Iterator[Callable[..., AzureBackend]]:
    """Builds the Azure backend as `run-wave --backend azure --adapter simulator` does, from the environment."""
    for key, value in zone_env(arm).items():
        monkeypatch.setenv(key, value)
    arm.configure(retry_after=0)  # polls every polling interval (0.05 s) instead of ARM's usual seconds
    url, number = wave
    made: list[AzureBackend] = []

    def make(faults: FaultPlan | None = None, **fields: Any) -> AzureBackend:
        params = RunWaveParameters(wave=number, backend="azure", simulator_state=str(tmp_path / "sim"),
                                   **{"azure_adapter": "simulator", **fields})
        with session_scope(url) as session:
            _, runbook = load_runbook(number, session=session)
        made.append(azure_backend(params, runbook, db_url=url, simulator=SimulatorBackend(tmp_path / "sim", faults)))
        return made[-1]
    yield make
    for backend in made:  # their connections, closed now rather than whenever the collector finds them
        backend.close()


def run(url: str, number: int, backend: AzureBackend, *, policy: ExecutionPolicy = FAST) -> WaveOutcome:
    with session_scope(url) as session:
        handle = open_run(number, backend="azure", on_failure=policy.on_failure.value,
                          max_failures=policy.max_failures, session=session)
    with wave_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id):
        return execute_wave(handle, db_url=url, backend=backend, policy=policy,
                            approvals=RecordedApprovals(auto_approve=True))


def of_system(arm: ArmStandIn, name: str) -> list[str]:
    return [r.id for r in arm.resources() if r.tags.get("lumen-migrate:system") == name]


def test_a_wave_lands_in_azure_tagged_with_one_deployment_per_workload(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend]) -> None:
    url, number = wave
    names = members(url, number)
    backend = on_azure()
    outcome = run(url, number, backend)
    assert outcome.status is RunStatus.COMPLETED, outcome.results
    assert {states(url)[name] for name in names} == {"migrated"}
    group = f"lm-wave-{number}"
    assert [g.name for g in arm.resource_groups()] == [group]
    assert arm.resource_groups()[0].tags[TAG_CREATED_BY_RUN] == str(outcome.run_id)
    journal = Journal(url, run_id=outcome.run_id, wave_id=handle_of(url, number).wave_id)
    for name, system_id in names.items():
        created = of_system(arm, name)
        assert created, f"{name}: nothing in Azure"
        for resource in arm.resources():
            if resource.id in created:
                assert resource.tags["lumen-migrate:wave"] == str(number)
                assert resource.tags["lumen-migrate:run"] == str(outcome.run_id)
        provision = journal.state(system_id)[(system_id, f"{system_id}/provision", Action.DO)]
        assert set(provision.resources) == set(created), "the journal holds exactly what was created"
        preflight = journal.state(system_id)[(system_id, f"{system_id}/preflight", Action.DO)]
        assert {line["change"] for line in preflight.detail["what_if"]} == {"Create"}
    assert len(arm.deployments(group)) == len(names)
    assert all(arm.put_count(group, d.name) == 1 for d in arm.deployments(group))


@pytest.mark.parametrize("kind", [K.PREFLIGHT, K.PROVISION, K.REPLICATE, K.TEST_MIGRATION, K.CUTOVER, K.VALIDATE,
                                  K.FINALIZE])
@pytest.mark.parametrize("weather", ["calm", "throttled"])
def test_a_failure_at_any_step_leaves_nothing_of_the_workload_in_azure(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend], tmp_path: Path,
        kind: StepKind, weather: str) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[0]
    faults = FaultPlan()
    if kind is K.PREFLIGHT:
        arm.fail_validation(f"*-{names[victim]}-provision")
    elif kind is K.PROVISION:
        arm.fail_deployment(f"*-{names[victim]}-provision", after_resources=1)  # part-way: one resource made
    else:
        faults = FaultPlan(faults={(victim, kind): "fail"})
    if weather == "throttled":
        arm.throttle(every=4, retry_after=1)
        arm.fail_requests(2, status=503)
        arm.fail_requests(1, status=500, method="DELETE")
    outcome = run(url, number, on_azure(faults))
    result = next(r for r in outcome.results if r.name == victim)
    assert result.outcome is Outcome.ROLLED_BACK, result
    assert result.failed_step == f"{names[victim]}/{kind.value}"
    assert of_system(arm, victim) == [], "nothing of the failed workload is left in Azure"
    assert not [d for d in arm.deployments() if d.name.endswith(f"-{names[victim]}-provision")], \
        "nor its deployment record"
    assert SimulatorBackend(tmp_path / "sim").legacy_state(names[victim])["serving_from"] == "legacy"
    assert {states(url)[name] for name in names if name != victim} == {"migrated"}, "the others went on"
    journal = Journal(url, run_id=outcome.run_id, wave_id=handle_of(url, number).wave_id).state(names[victim])
    assert journal[(names[victim], f"{names[victim]}/{kind.value}", Action.DO)].event is Event.FAILED
    if weather == "throttled":
        assert any(r.status == 429 for r in arm.requests()), "the stand-in did throttle"
        assert any(r.status >= 500 for r in arm.requests())


def test_rollback_wave_deletes_everything_and_the_group_the_run_created(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend]) -> None:
    url, number = wave
    names = members(url, number)
    victim = sorted(names)[-1]
    policy = ExecutionPolicy(on_failure=OnFailure.ROLLBACK_WAVE, backoff_s=0.0)
    outcome = run(url, number, on_azure(FaultPlan(faults={(victim, K.VALIDATE): "fail"})), policy=policy)
    assert outcome.status is RunStatus.ROLLED_BACK
    assert {states(url)[name] for name in names} <= {"rolled_back", "planned"}
    assert arm.resources() == [] and arm.deployments() == []
    assert arm.resource_groups() == [], "the run made the group; with nothing left in it, it goes too"


def test_a_group_the_run_did_not_create_is_never_deleted(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend]) -> None:
    url, number = wave
    backend = on_azure()
    assert backend.arm.ensure_group(f"lm-wave-{number}", "eastus", {"owner": "network team"})
    outcome = run(url, number, backend)
    assert outcome.status is RunStatus.COMPLETED
    with session_scope(url) as session:
        _, runbook = load_runbook(number, session=session)
    handle = handle_of(url, number)
    rolled = roll_back(handle, db_url=url, backend=backend, policy=FAST,
                       authorisation=RollbackAuthorisation("erin", "rehearsal over", "CHG-9", number))
    assert rolled.status is RunStatus.ROLLED_BACK and wave_status(url, number) == WaveStatus.ROLLED_BACK
    assert arm.resources() == []
    assert [g.name for g in arm.resource_groups()] == [f"lm-wave-{number}"], "the engineer's group stays"


def test_the_dry_run_shows_every_workloads_what_if_and_creates_nothing(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend]) -> None:
    url, number = wave
    names = members(url, number)
    backend = on_azure(dry_run=True)
    with session_scope(url) as session:
        _, runbook = load_runbook(number, session=session)
    lines = what_if_wave(backend, runbook)
    assert {line.system for line in lines} == set(names)
    assert all(line.changes and {c["change"] for c in line.changes} == {"Create"} for line in lines)
    assert "would be created" in lines[0].where
    assert arm.resources() == [] and arm.resource_groups() == [] and arm.deployments() == []
    assert {r.method for r in arm.requests()} <= {"GET", "HEAD", "POST"}, "nothing was written"
    # Once the group exists, ARM's own what-if answers.
    backend.arm.ensure_group(f"lm-wave-{number}", "eastus", {})
    lines = what_if_wave(backend, runbook)
    assert all(line.where == f"resource group lm-wave-{number}" for line in lines)
    assert all({c["change"] for c in line.changes} == {"Create"} for line in lines)
    assert arm.resources() == []



def test_a_backend_that_cannot_be_built_closes_what_it_opened(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed in, then refused (an adapters file naming an operation there is not): no backend comes back to be
    closed later, so the ARM clients and the credential it had opened are closed on the way out."""
    closed: list[str] = []

    def counted(owner: type[Any]) -> None:
        real = owner.close

        def close(self: Any) -> None:
            closed.append(owner.__name__)
            real(self)
        monkeypatch.setattr(owner, "close", close)

    counted(Arm)
    counted(AzureCredential)
    adapters = tmp_path / "adapters.yaml"
    adapters.write_text("teleport: ['echo', 'hi']\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="unknown operation"):
        on_azure(azure_adapter="shell", azure_adapters_file=str(adapters))
    assert any(r.path.endswith("/oauth2/v2.0/token") for r in arm.requests()), "it had signed in first"
    assert sorted(closed) == ["Arm", "AzureCredential"]



CRASH_SCRIPT = """
import os, signal, sys
from pathlib import Path
from flows.execution.azure_backend import AzureBackend, azure_backend
from flows.execution.engine import ExecutionPolicy, RecordedApprovals
from flows.execution.runs import load_runbook, open_run, wave_lock
from flows.execution.simulator import FaultPlan, SimulatorBackend
from flows.execution.wave import execute_wave
from flows.parameters import RunWaveParameters
from inventory.db import session_scope
from migrations_plan.execution import StepKind

url, number, state, victim, step = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5]
adapter_step = victim and step not in ("preflight", "provision")
faults = FaultPlan(faults={(victim, StepKind(step)): "crash"}) if adapter_step else FaultPlan()
params = RunWaveParameters(wave=number, backend="azure", azure_adapter="simulator", simulator_state=str(state))
with session_scope(url) as session:
    _, runbook = load_runbook(number, session=session)
    handle = open_run(number, backend="azure", on_failure="rollback-workload", max_failures=None, session=session)
backend = azure_backend(params, runbook, db_url=url, simulator=SimulatorBackend(state, faults))
if victim and not adapter_step:
    acting = getattr(backend, step)
    def crash_after(ctx, acting=acting):
        outcome = acting(ctx)
        if ctx.system_name == victim:
            os.kill(os.getpid(), signal.SIGKILL)  # after ARM acted, before the journal heard of it
        return outcome
    setattr(backend, step, crash_after)
with wave_lock(url, wave_id=handle.wave_id, wave_number=number, run_id=handle.run_id):
    outcome = execute_wave(handle, db_url=url, backend=backend, policy=ExecutionPolicy(backoff_s=0),
                           approvals=RecordedApprovals(auto_approve=True))
print(outcome.status.value)
"""


def _child(arm: ArmStandIn, *args: str) -> subprocess.CompletedProcess[str]:
    from tests.e2e.conftest import REPO

    env = {"PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), **zone_env(arm)}
    return subprocess.run([sys.executable, "-c", CRASH_SCRIPT, *args], capture_output=True, text=True,
                          timeout=180, env=env)


@pytest.mark.parametrize(("seed", "weather"), [(1, "calm"), (2, "calm"), (3, "calm"), (1, "throttled")])
def test_a_process_killed_at_a_random_step_resumes_without_a_second_deployment(
        wave: tuple[str, int], arm: ArmStandIn, on_azure: Callable[..., AzureBackend], tmp_path: Path,
        seed: int, weather: str) -> None:
    import random

    if weather == "throttled":  # the stand-in runs in this process: its faults meet the child's requests
        arm.throttle(every=5, retry_after=1)
        arm.fail_requests(2, status=503)
    url, number = wave
    names = members(url, number)
    rng = random.Random(seed)
    victim = rng.choice(sorted(names))
    step = [K.PROVISION, K.CUTOVER, K.PREFLIGHT][seed - 1] if seed <= 3 else rng.choice(list(K))
    state = str(tmp_path / "sim")
    crashed = _child(arm, url, str(number), state, victim, step.value)
    assert crashed.returncode == -9, crashed.stderr
    resumed = _child(arm, url, str(number), state, "", "")
    assert resumed.returncode == 0 and resumed.stdout.strip() == "completed", resumed.stderr
    group = f"lm-wave-{number}"
    assert len(arm.deployments(group)) == len(names), "one deployment per workload"
    assert all(arm.put_count(group, d.name) == 1 for d in arm.deployments(group)), "none deployed twice"
    assert len({r.id for r in arm.resources()}) == len(arm.resources())
    assert {states(url)[name] for name in names} == {"migrated"}
    handle = handle_of(url, number)
    lines = Journal(url, run_id=handle.run_id, wave_id=handle.wave_id).lines()
    key = f"{names[victim]}/{step.value}"
    mine = [(line["event"], line["detail"].get("reconciled")) for line in lines
            if line["step_key"] == key and line["action"] == "do"]
    assert mine[0] == ("intent", None), "the intent written before the kill is there"
    if step is K.PROVISION:
        assert mine[-1] == ("succeeded", True), "the deployment was found by its name, not made again"
